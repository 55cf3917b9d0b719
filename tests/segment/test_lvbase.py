"""The end-systolic LV base the network lost (segment.lvbase)."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import PreparedSegmenter, heart_slice, readers_case

from cmr_search.vocab import Structure
from segment.lvbase import (
    MIN_DARK_WALL_SHARE,
    MIN_DIASTOLIC_CAVITY_MM2,
    lost_base,
    systolic_base,
    wall_shown,
)
from segment.study import analyse

SHAPE = (64, 64)
SPACING = (1.5, 1.5)


def _stack(cavities: list[float]) -> np.ndarray:
    """Base-to-apex LV rings with an RV beside them (cavity radii in pixels; 0: no heart)."""
    return np.stack([heart_slice(SHAPE, r, 4.0, rv=8.0) if r else np.zeros(SHAPE, np.uint8)
                     for r in cavities])


def _lost_at(mask: np.ndarray, *slices: int) -> np.ndarray:
    """`mask` with the LV of `slices` taken away, as the network drew a grey systolic base."""
    out = mask.copy()
    for k in slices:
        out[k][np.isin(out[k], (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM))] = 0
    return out


def _image(mask: np.ndarray, wall: float = 40.0) -> np.ndarray:
    """bSSFP-like signal: bright blood in both cavities, dark wall (`wall`) and background."""
    image = np.where(np.isin(mask, (Structure.LV_CAVITY, Structure.RV_CAVITY)), 200.0, 20.0)
    image[mask == Structure.LV_MYOCARDIUM] = wall
    return image.astype(np.float32)


def _lv(labels: np.ndarray) -> np.ndarray:
    return np.where(np.isin(labels, (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM)), labels, 0)


def test_the_slice_above_the_systolic_lv_gets_the_lv_of_the_slice_below() -> None:
    ed, es = _stack([14, 14, 13, 11]), _lost_at(_stack([10, 9, 8, 6]), 0)
    assert lost_base(ed, es, SPACING) == 0
    drawn = es.copy()
    image = _image(_stack([10, 9, 8, 6]))  # the image shows the basal ring the network lost
    restored = systolic_base(ed, es, image, SPACING)
    assert np.array_equal(es, drawn) and restored.dtype == es.dtype  # the input is unchanged
    # the slice below's LV (inside the diastolic LV of slice 0); its own RV stays
    assert np.array_equal(_lv(restored[0]), _lv(es[1]))
    assert np.array_equal(restored[0] == Structure.RV_CAVITY, es[0] == Structure.RV_CAVITY)
    assert np.array_equal(restored[1:], es[1:])


def test_only_the_lv_inside_that_slices_diastolic_lv_and_never_over_its_rv() -> None:
    ed = _stack([9, 14, 13])  # a smaller diastolic LV on the basal slice
    es = _lost_at(_stack([10, 10, 9]), 0)
    es[0][:, :20] = Structure.RV_CAVITY  # and the systolic RV across part of it
    restored = systolic_base(ed, es, _image(_stack([10, 10, 9])), SPACING)
    lv = np.isin(restored[0], (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM))
    assert lv.any()
    assert not (lv & ~np.isin(ed[0], (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM))).any()
    assert (restored[0][:, :20] == Structure.RV_CAVITY).all()


def test_one_slice_only_and_nothing_where_it_does_not_apply() -> None:
    ed = _stack([14, 14, 13, 11])
    two_lost = _lost_at(_stack([10, 9, 8, 6]), 0, 1)
    assert lost_base(ed, two_lost, SPACING) == 1  # the annulus travels about a slice
    image = _image(_stack([10, 9, 8, 6]))
    restored = systolic_base(ed, two_lost, image, SPACING)
    assert (restored[1] == Structure.LV_CAVITY).any()
    assert not (restored[0] == Structure.LV_CAVITY).any()
    # the LV reaches the first slice; no slice above it
    whole = _stack([10, 9, 8, 6])
    assert lost_base(ed, whole, SPACING) is None
    assert np.array_equal(systolic_base(ed, whole, image, SPACING), whole)
    # end-diastole has no ventricle to speak of there (the base only grazed)
    graze = np.sqrt(0.5 * MIN_DIASTOLIC_CAVITY_MM2 / np.pi) / SPACING[0]
    assert lost_base(_stack([graze, 14, 13, 11]), _lost_at(whole, 0), SPACING) is None
    # no systolic LV at all
    assert lost_base(ed, _lost_at(whole, 0, 1, 2, 3), SPACING) is None
    with pytest.raises(ValueError, match="end-systole of shape"):
        lost_base(ed, whole[:3], SPACING)


def test_a_slice_whose_ring_is_bright_cut_the_atrium_and_stays_empty() -> None:
    ed, es = _stack([14, 14, 13, 11]), _lost_at(_stack([10, 9, 8, 6]), 0)
    room = np.isin(ed[0], (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM))
    atrium = _image(_stack([10, 9, 8, 6]))
    atrium[0][room] = 200.0  # one pool of blood where the slice below has its wall
    assert not wall_shown(atrium, es, 0, room)
    assert np.array_equal(systolic_base(ed, es, atrium, SPACING), es)
    # a wall darker than the midpoint of blood and wall counts; a brighter one does not
    shown = _image(_stack([10, 9, 8, 6]))
    shown[0][_stack([10])[0] == Structure.LV_MYOCARDIUM] = 100.0
    assert wall_shown(shown, es, 0, room)
    shown[0][_stack([10])[0] == Structure.LV_MYOCARDIUM] = 130.0
    assert not wall_shown(shown, es, 0, room)
    # most of the ring dark, or not: the share decides
    wall = np.argwhere((es[1] == Structure.LV_MYOCARDIUM) & room)
    wall = wall[np.argsort(wall[:, 1], kind="stable")]
    for share, expected in ((MIN_DARK_WALL_SHARE + 0.1, True), (MIN_DARK_WALL_SHARE - 0.1, False)):
        ring = atrium.copy()
        dark = wall[:int(share * len(wall))]
        ring[0][dark[:, 0], dark[:, 1]] = 40.0
        assert wall_shown(ring, es, 0, room) is expected
    # a cine whose blood is no brighter than its wall says nothing by darkness
    assert not wall_shown(np.full_like(atrium, 50.0), es, 0, room)
    with pytest.raises(ValueError, match="end-systolic image of shape"):
        systolic_base(ed, es, atrium[:3], SPACING)


def test_analyse_restores_the_systolic_base_and_measures_it() -> None:
    study, masks, _ = readers_case([(12, False), (8, False)])
    masks[1] = _lost_at(masks[1], 0)
    result = analyse(study, PreparedSegmenter(masks, study.phases))
    es = result.masks[result.es]
    assert np.array_equal(es[0] == Structure.LV_CAVITY, es[1] == Structure.LV_CAVITY)
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    lvesv = (es == Structure.LV_CAVITY).sum() * voxel_ml
    assert result.values["lvesv_ml"] == pytest.approx(lvesv, abs=0.1)
    assert lvesv > 1.1 * (es[1:] == Structure.LV_CAVITY).sum() * voxel_ml
