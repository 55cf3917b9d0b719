"""The readers' endocardial border: the bright partial-volume rim of the wall is cavity, and
at end-systole the cavity's muscle-dark border is wall."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import disc, heart_slice
from scipy import ndimage

from cmr_search.vocab import Structure
from segment.border import (
    RIM_BLOOD_FRACTION,
    SYSTOLE_BLOOD_FRACTION,
    reader_border,
    systolic_border,
)

_SHAPE = (64, 64)
_CENTRE = (32.0, 32.0)
_BLOOD, _WALL = 200.0, 40.0


def _cine(rim_signal: float, wall_px: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """One slice: labels of a 10-px cavity in a `wall_px` wall, and an image whose wall
    pixels touching the cavity carry `rim_signal` (the rest of the wall is compact)."""
    labels = heart_slice(_SHAPE, 10, wall_px)[None]
    image = np.zeros(_SHAPE)
    image[labels[0] == Structure.LV_CAVITY] = _BLOOD
    image[labels[0] == Structure.LV_MYOCARDIUM] = _WALL
    rim = (labels[0] == Structure.LV_MYOCARDIUM) & disc(_SHAPE, _CENTRE, 11.0)
    image[rim] = rim_signal
    return labels, image[None]


def test_a_bright_rim_becomes_cavity_and_the_outer_wall_stays() -> None:
    labels, image = _cine(rim_signal=_WALL + 0.5 * (_BLOOD - _WALL))
    out = reader_border(labels, image)
    rim = (labels[0] == Structure.LV_MYOCARDIUM) & disc(_SHAPE, _CENTRE, 11.0)
    assert rim.any() and (out[0][rim] == Structure.LV_CAVITY).all()
    assert ((out[0] == Structure.LV_MYOCARDIUM) == (labels[0] == Structure.LV_MYOCARDIUM)
            & ~rim).all()
    assert (labels[0][rim] == Structure.LV_MYOCARDIUM).all()  # the input is left as it was


def test_a_rim_as_dark_as_the_compact_wall_stays_wall() -> None:
    labels, image = _cine(rim_signal=_WALL + 0.5 * RIM_BLOOD_FRACTION * (_BLOOD - _WALL))
    assert np.array_equal(reader_border(labels, image), labels)


def test_a_wall_one_pixel_thick_is_never_opened() -> None:
    labels, image = _cine(rim_signal=_BLOOD, wall_px=1.0)
    image[labels == Structure.LV_MYOCARDIUM] = _BLOOD  # even where it is as bright as blood
    image[labels == Structure.LV_CAVITY] = _BLOOD + 1  # (the blood a shade brighter)
    out = reader_border(labels, image)
    assert np.array_equal(out == Structure.LV_MYOCARDIUM, labels == Structure.LV_MYOCARDIUM)


def test_images_whose_blood_is_not_bright_are_left_alone() -> None:
    labels, image = _cine(rim_signal=_WALL)
    image[labels == Structure.LV_CAVITY] = 10.0  # dark blood: not bright-blood cine
    assert np.array_equal(reader_border(labels, image), labels)


def _systole(dark_layers: int, dark_signal: float = _WALL) -> tuple[np.ndarray, np.ndarray]:
    """One end-systolic slice: a 10-px cavity in a 5-px wall whose outer `dark_layers` pixels
    carry `dark_signal` (trabeculae packed against the wall), blood inside them."""
    labels = heart_slice(_SHAPE, 10, 5)[None]
    image = np.where(labels == Structure.LV_CAVITY, _BLOOD, 0.0)
    image[labels == Structure.LV_MYOCARDIUM] = _WALL
    packed = (labels[0] == Structure.LV_CAVITY) & ~disc(_SHAPE, _CENTRE, 10 - dark_layers)
    image[0][packed] = dark_signal
    return labels, image


def _diastole() -> tuple[np.ndarray, np.ndarray]:
    labels = heart_slice(_SHAPE, 13, 4)[None]
    image = np.where(labels == Structure.LV_CAVITY, _BLOOD, _WALL)
    return labels, image


def test_the_systolic_cavity_s_muscle_dark_border_becomes_wall_layer_by_layer() -> None:
    labels, image = _systole(dark_layers=3)
    out = systolic_border(labels, image, *_diastole())
    packed = (labels[0] == Structure.LV_CAVITY) & ~disc(_SHAPE, _CENTRE, 7)
    assert packed.any() and (out[0][packed] == Structure.LV_MYOCARDIUM).all()
    assert ((out[0] == Structure.LV_CAVITY) == ((labels[0] == Structure.LV_CAVITY)
                                                & ~packed)).all()  # the blood stays cavity
    assert (labels[0][packed] == Structure.LV_CAVITY).all()  # the input is left as it was


@pytest.mark.parametrize("share", [0.5, 1.5])
def test_the_threshold_is_the_share_of_the_way_to_diastolic_blood(share: float) -> None:
    # below the share: muscle, peeled; above it: partial-volume blood, kept
    dim = _WALL + share * SYSTOLE_BLOOD_FRACTION * (_BLOOD - _WALL)
    labels, image = _systole(dark_layers=2, dark_signal=dim)
    peeled = not np.array_equal(systolic_border(labels, image, *_diastole()), labels)
    assert peeled == (share < 1)


def test_another_stack_s_diastole_is_refused() -> None:
    labels, image = _systole(dark_layers=1)
    diastole, diastole_image = _diastole()
    with pytest.raises(ValueError, match="diastole: shape"):
        systolic_border(labels, image, np.repeat(diastole, 2, axis=0), diastole_image)


def test_dark_muscle_inside_the_blood_not_touching_the_wall_stays_cavity() -> None:
    labels, image = _systole(dark_layers=0)
    image[0][disc(_SHAPE, _CENTRE, 3)] = _WALL  # a papillary muscle in the middle of the blood
    assert np.array_equal(systolic_border(labels, image, *_diastole()), labels)


def test_without_diastolic_blood_on_the_slice_or_bright_blood_nothing_is_peeled() -> None:
    labels, image = _systole(dark_layers=3)
    no_cavity = np.where(_diastole()[0] == Structure.LV_CAVITY, Structure.LV_MYOCARDIUM,
                         _diastole()[0])
    assert np.array_equal(systolic_border(labels, image, no_cavity, _diastole()[1]), labels)
    dark_blood = np.full_like(image, 10.0)  # diastolic blood darker than this wall
    assert np.array_equal(systolic_border(labels, image, _diastole()[0], dark_blood), labels)


def test_the_systolic_rv_s_muscle_dark_border_becomes_background() -> None:
    labels = heart_slice(_SHAPE, 8, 4, rv=8)[None]
    image = np.where(labels == Structure.LV_MYOCARDIUM, _WALL, _BLOOD)
    image[labels == Structure.BACKGROUND] = 0.0
    rv = labels[0] == Structure.RV_CAVITY
    packed = rv & ~ndimage.binary_erosion(rv, iterations=2)  # two layers as dark as the wall
    image[0][packed] = _WALL
    diastole = heart_slice(_SHAPE, 10, 4, rv=10)[None]
    diastole_image = np.where(diastole == Structure.LV_MYOCARDIUM, _WALL, _BLOOD)
    out = systolic_border(labels, image, diastole, diastole_image, Structure.RV_CAVITY)
    assert packed.any() and (out[0][packed] == Structure.BACKGROUND).all()
    assert ((out[0] == Structure.RV_CAVITY) == (rv & ~packed)).all()
    assert np.array_equal(out[0][~rv], labels[0][~rv])  # the LV is the LV call's
    assert np.array_equal(systolic_border(labels, image, diastole, diastole_image), labels)


def test_only_a_ventricle_s_cavity_is_peeled() -> None:
    labels, image = _systole(dark_layers=1)
    with pytest.raises(ValueError, match="LV_MYOCARDIUM"):
        systolic_border(labels, image, *_diastole(), Structure.LV_MYOCARDIUM)


def test_a_cavity_cut_by_the_image_edge_is_peeled_as_if_whole() -> None:
    labels, image = _systole(dark_layers=3)
    diastole, diastole_image = _diastole()
    whole = systolic_border(labels, image, diastole, diastole_image)
    corner = (slice(None), slice(24, None), slice(24, None))  # the heart runs off two edges
    assert (labels[corner][0, 0] == Structure.LV_CAVITY).any()  # the cavity touches the edge
    cut = systolic_border(labels[corner], image[corner], diastole[corner],
                          diastole_image[corner])
    assert np.array_equal(cut, whole[corner])


def test_each_slice_is_judged_by_its_own_diastolic_blood() -> None:
    # packed pixels between the thresholds of diastolic blood at 100 and at 200 (the wall 40)
    labels, image = _systole(dark_layers=3, dark_signal=_WALL + SYSTOLE_BLOOD_FRACTION * 100)
    diastole, diastole_image = _diastole()
    # slice 1's diastolic blood is dimmer: the same packed signal is blood there
    dim = np.where(diastole[0] == Structure.LV_CAVITY, _WALL + 60.0, _WALL)
    out = systolic_border(np.repeat(labels, 2, axis=0), np.repeat(image, 2, axis=0),
                          np.repeat(diastole, 2, axis=0),
                          np.concatenate([diastole_image, dim[None]]))
    packed = (labels[0] == Structure.LV_CAVITY) & ~disc(_SHAPE, _CENTRE, 7)
    assert (out[0][packed] == Structure.LV_MYOCARDIUM).all()  # darker than slice 0 allows
    assert np.array_equal(out[1], labels[0])  # blood by slice 1's threshold
