"""The readers' endocardial border: the bright partial-volume rim of the wall is cavity."""

from __future__ import annotations

import numpy as np
from fakes.segment import disc, heart_slice

from cmr_search.vocab import Structure
from segment.border import RIM_BLOOD_FRACTION, reader_border

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
