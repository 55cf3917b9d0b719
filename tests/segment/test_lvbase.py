"""The basal LV slice the network drew in part or lost (segment.lvbase)."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import PreparedSegmenter, heart_slice, readers_case

from cmr_search.vocab import Structure
from segment.lvbase import (
    FULL_SHARE,
    MIN_DARK_WALL_SHARE,
    MIN_DIASTOLIC_CAVITY_MM2,
    partial_base,
    restored_base,
    wall_shown,
)
from segment.study import analyse

SHAPE = (64, 64)
SPACING = (1.5, 1.5)
_LV = (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM)


def _stack(cavities: list[float]) -> np.ndarray:
    """Base-to-apex LV rings with an RV beside them (cavity radii in pixels; 0: no heart)."""
    return np.stack([heart_slice(SHAPE, r, 4.0, rv=8.0) if r else np.zeros(SHAPE, np.uint8)
                     for r in cavities])


def _lost_at(mask: np.ndarray, *slices: int) -> np.ndarray:
    """`mask` with the LV of `slices` taken away, as the network drew a grey systolic base."""
    out = mask.copy()
    for k in slices:
        out[k][np.isin(out[k], _LV)] = 0
    return out


def _image(mask: np.ndarray, wall: float = 40.0) -> np.ndarray:
    """bSSFP-like signal: bright blood in both cavities, dark wall (`wall`) and background."""
    image = np.where(np.isin(mask, (Structure.LV_CAVITY, Structure.RV_CAVITY)), 200.0, 20.0)
    image[mask == Structure.LV_MYOCARDIUM] = wall
    return image.astype(np.float32)


def _lv(labels: np.ndarray) -> np.ndarray:
    return np.where(np.isin(labels, _LV), labels, 0)


def test_the_systolic_slice_above_the_lv_gets_the_lv_of_the_slice_below() -> None:
    ed, es = _stack([14, 14, 13, 11]), _lost_at(_stack([10, 9, 8, 6]), 0)
    assert partial_base(es, SPACING, ed) == 0
    drawn = es.copy()
    image = _image(_stack([10, 9, 8, 6]))  # the image shows the basal ring the network lost
    restored = restored_base(es, image, SPACING, ed)
    assert np.array_equal(es, drawn) and restored.dtype == es.dtype  # the input is unchanged
    # the slice below's LV (inside the diastolic LV of slice 0); its own RV stays
    assert np.array_equal(_lv(restored[0]), _lv(es[1]))
    assert np.array_equal(restored[0] == Structure.RV_CAVITY, es[0] == Structure.RV_CAVITY)
    assert np.array_equal(restored[1:], es[1:])


def test_only_the_lv_inside_that_slices_diastolic_lv_and_never_over_its_rv() -> None:
    ed = _stack([9, 14, 13])  # a smaller diastolic LV on the basal slice
    es = _lost_at(_stack([10, 10, 9]), 0)
    es[0][:, :20] = Structure.RV_CAVITY  # and the systolic RV across part of it
    restored = restored_base(es, _image(_stack([10, 10, 9])), SPACING, ed)
    lv = np.isin(restored[0], _LV)
    assert lv.any()
    assert not (lv & ~np.isin(ed[0], _LV)).any()
    assert (restored[0][:, :20] == Structure.RV_CAVITY).all()


def test_a_diastolic_slice_drawn_in_part_gets_the_full_slice_below() -> None:
    ed = _stack([13, 14, 13, 11])
    partial = ed.copy()
    partial[0][partial[0] == Structure.LV_MYOCARDIUM] = Structure.BACKGROUND  # cavity only
    partial[0][:, 32:][partial[0][:, 32:] == Structure.LV_CAVITY] = Structure.BACKGROUND
    lv = np.isin(partial, _LV).sum(axis=(1, 2))
    assert 0 < lv[0] < FULL_SHARE * lv.max()
    assert partial_base(partial, SPACING) == 0
    restored = restored_base(partial, _image(ed), SPACING)
    own_rv = partial[0] == Structure.RV_CAVITY  # kept where the slice below has its wall
    assert np.array_equal(_lv(restored[0])[~own_rv], _lv(ed[1])[~own_rv])
    assert np.array_equal(restored[0] == Structure.RV_CAVITY, own_rv)
    assert np.array_equal(restored[1:], partial[1:])
    # at end-diastole a slice the network left empty is not the LV's to claim (the atrium);
    # one it drew even a pixel of LV on is
    assert partial_base(_lost_at(ed, 0), SPACING) is None
    speck = _lost_at(ed, 0)
    speck[0][32, 32] = Structure.LV_CAVITY
    assert partial_base(speck, SPACING) == 0
    # a stack whose first slice is full has no partial slice above it
    assert partial_base(ed, SPACING) is None
    assert partial_base(ed[:1], SPACING) is None  # nor has a single slice


def test_one_slice_only_and_nothing_where_it_does_not_apply() -> None:
    ed = _stack([14, 14, 13, 11])
    two_lost = _lost_at(_stack([10, 9, 8, 6]), 0, 1)
    assert partial_base(two_lost, SPACING, ed) == 1  # the annulus travels about a slice
    restored = restored_base(two_lost, _image(_stack([10, 9, 8, 6])), SPACING, ed)
    assert (restored[1] == Structure.LV_CAVITY).any()
    assert not (restored[0] == Structure.LV_CAVITY).any()
    # the LV reaches the first slice; no slice above it
    whole = _stack([10, 9, 8, 6])
    assert partial_base(whole, SPACING, ed) is None
    assert np.array_equal(restored_base(whole, _image(whole), SPACING, ed), whole)
    # end-diastole has no ventricle to speak of there (the base only grazed)
    graze = np.sqrt(0.5 * MIN_DIASTOLIC_CAVITY_MM2 / np.pi) / SPACING[0]
    assert partial_base(_lost_at(whole, 0), SPACING, _stack([graze, 14, 13, 11])) is None
    assert partial_base(_lost_at(whole, 0, 1, 2, 3), SPACING, ed) is None  # no LV at all
    with pytest.raises(ValueError, match="against end-diastole"):
        partial_base(whole, SPACING, ed[:3])
    with pytest.raises(ValueError, match="an image of shape"):
        restored_base(whole, _image(whole)[:3], SPACING, ed)


def test_a_slice_whose_ring_is_bright_cut_the_atrium_and_stays_as_drawn() -> None:
    ed, es = _stack([14, 14, 13, 11]), _lost_at(_stack([10, 9, 8, 6]), 0)
    room = np.isin(ed[0], _LV)
    atrium = _image(_stack([10, 9, 8, 6]))
    atrium[0][room] = 200.0  # one pool of blood where the slice below has its wall
    assert not wall_shown(atrium, es, 0, room)
    assert np.array_equal(restored_base(es, atrium, SPACING, ed), es)
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
    # a cine whose blood is no brighter than its wall says nothing by darkness: here the slice
    # below has dark blood and a bright wall, and the slice above is dark where that wall is
    inverted = np.full_like(atrium, 20.0)
    inverted[1][es[1] == Structure.LV_MYOCARDIUM] = 200.0
    assert not wall_shown(inverted, es, 0, room)


def test_analyse_restores_both_phases_bases_and_measures_them() -> None:
    study, masks, _ = readers_case([(12, False), (8, False)])
    ed_drawn = masks[0].copy()
    basal = masks[0][0]  # half the cavity and none of the wall drawn
    basal[basal == Structure.LV_MYOCARDIUM] = Structure.BACKGROUND
    basal[:, 32:][basal[:, 32:] == Structure.LV_CAVITY] = Structure.BACKGROUND
    masks[1] = _lost_at(masks[1], 0)
    result = analyse(study, PreparedSegmenter(masks, study.phases))
    ed, es = result.masks[result.ed], result.masks[result.es]
    rv = ed[0] == Structure.RV_CAVITY
    assert np.array_equal(_lv(ed[0])[~rv], _lv(ed[1])[~rv])  # the full slice below's LV
    assert (ed[0] == Structure.LV_MYOCARDIUM).sum() > 0.8 * (
        ed_drawn[0] == Structure.LV_MYOCARDIUM).sum()
    assert np.array_equal(es[0] == Structure.LV_CAVITY, es[1] == Structure.LV_CAVITY)
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    lvesv = (es == Structure.LV_CAVITY).sum() * voxel_ml
    assert result.values["lvesv_ml"] == pytest.approx(lvesv, abs=0.1)
    assert lvesv > 1.1 * (es[1:] == Structure.LV_CAVITY).sum() * voxel_ml
    lv_mass = (ed == Structure.LV_MYOCARDIUM).sum() * voxel_ml * 1.05
    assert result.values["lv_mass_g"] == pytest.approx(lv_mass, abs=0.2)


def test_a_cines_volume_curve_holds_the_measured_pairs_restored_volumes() -> None:
    study, masks, _ = readers_case([(12, False), (10, False), (8, False), (11, False)])
    masks[2] = _lost_at(masks[2], 0)  # end-systole lost its base
    result = analyse(study, PreparedSegmenter(masks, study.phases))
    assert (result.ed, result.es) == (0, 2)
    assert (result.masks[2][0] == Structure.LV_CAVITY).any()
    assert result.lv_curve_ml[2] == pytest.approx(result.values["lvesv_ml"], abs=0.1)
    assert result.lv_curve_ml[0] == pytest.approx(result.values["lvedv_ml"], abs=0.1)
