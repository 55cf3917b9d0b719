"""A whole cycle: ED and ES on the LV curve, the readers' LV border in every phase, each
phase's RV base following the annulus, and the measured pair's LV base the network drew in
part or lost."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import PreparedSegmenter, readers_case
from scipy import ndimage

from cmr_search.vocab import Structure
from segment.cycle import analyse_cycle
from segment.io import SaxStudy
from segment.qc import QcFlag
from segment.study import analyse


def test_every_phase_gets_the_readers_border_and_the_systolic_rv_base() -> None:
    study, masks, rims = readers_case([(12, False), (10, True), (8, True), (11, False)])
    cycle = analyse_cycle(study, PreparedSegmenter(masks, study.phases))
    assert (cycle.ed, cycle.es) == (0, 2)
    for k, mask in enumerate(cycle.masks):  # the rim is cavity now, in every phase
        assert (mask[rims[k]] == Structure.LV_CAVITY).all()
        assert (masks[k][rims[k]] == Structure.LV_MYOCARDIUM).all()
    basal_rv = [bool((m[0] == Structure.RV_CAVITY).any()) for m in cycle.masks]
    assert basal_rv == [True, False, False, True]  # the atrium left out after ED
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    rv_es = (cycle.masks[2] == Structure.RV_CAVITY).sum() * voxel_ml
    lv = [(m == Structure.LV_CAVITY).sum() * voxel_ml for m in cycle.masks]
    assert cycle.rv_curve_ml[2] == pytest.approx(rv_es, abs=0.1)
    assert cycle.result.values["rvesv_ml"] == pytest.approx(rv_es, abs=0.1)
    assert cycle.lv_curve_ml == pytest.approx(lv, abs=0.1)
    assert cycle.result.values["lvedv_ml"] == pytest.approx(lv[0], abs=0.1)


def _packed_dark(study: SaxStudy, masks: list[np.ndarray], rims: list[np.ndarray]
                 ) -> list[np.ndarray]:
    """Each phase's outer two pixels of cavity (and the wall's rim) made as dark as the wall:
    those pixels, per phase."""
    packed = []
    for k, mask in enumerate(masks):
        cavity = mask == Structure.LV_CAVITY
        packed.append(cavity & ~ndimage.binary_erosion(cavity, np.ones((1, 3, 3), bool),
                                                        iterations=2))
        study.phases[k][packed[k] | rims[k]] = 40.0
    return packed


def test_every_phase_but_end_diastole_has_its_muscle_dark_cavity_border_made_wall() -> None:
    """Trabeculae packed against a contracting wall: the cavity drawn over them is wall at
    every phase but end-diastole (`segment.border.systolic_border`)."""
    study, masks, rims = readers_case([(12, False), (10, False), (8, False), (11, False)])
    packed = _packed_dark(study, masks, rims)
    cycle = analyse_cycle(study, PreparedSegmenter(masks, study.phases))
    assert cycle.ed == 0
    assert (cycle.masks[0][packed[0]] == Structure.LV_CAVITY).all()
    for k in (1, 2, 3):
        assert (cycle.masks[k][packed[k]] == Structure.LV_MYOCARDIUM).all()
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    assert cycle.result.values["lvesv_ml"] == pytest.approx(
        (cycle.masks[cycle.es] == Structure.LV_CAVITY).sum() * voxel_ml, abs=0.1)


@pytest.mark.parametrize("atrium", [False, True], ids=["rv", "rv-with-atrium-at-ed"])
def test_every_phase_but_end_diastole_has_its_muscle_dark_rv_border_made_background(
        atrium: bool) -> None:
    """The RV's packed trabeculae (its outer pixels, after end-diastole) are peeled after its
    base followed the annulus, so the base's pool, with or without the atrium beside it, is
    kept or dropped by where it lies, never for its peeled size."""
    study, masks, _ = readers_case([(12, atrium), (10, atrium), (8, atrium), (11, atrium)])
    packed = [np.zeros_like(masks[0], dtype=bool)]
    for k, mask in enumerate(masks[1:], start=1):
        rv = mask == Structure.RV_CAVITY
        packed.append(rv & ~ndimage.binary_erosion(rv, np.ones((1, 3, 3), bool)))
        study.phases[k][packed[k]] = 40.0
    plain = analyse_cycle(study, PreparedSegmenter([m.copy() for m in masks], study.phases))
    assert plain.ed == 0
    for k in (1, 2, 3):
        kept = packed[k] & (masks[k] == Structure.RV_CAVITY)
        assert not (plain.masks[k][kept] == Structure.RV_CAVITY).any()
        inner = (masks[k] == Structure.RV_CAVITY) & ~packed[k]
        assert (plain.masks[k][inner] == Structure.RV_CAVITY).any()
        assert (plain.masks[k][0] == Structure.RV_CAVITY).any()  # the base's pool kept
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    assert plain.result.values["rvesv_ml"] == pytest.approx(
        (plain.masks[plain.es] == Structure.RV_CAVITY).sum() * voxel_ml, abs=0.1)


def test_a_basal_rv_pool_is_judged_by_the_annulus_before_its_border_is_peeled() -> None:
    """Most of the systolic basal pool as dark as muscle: peeled first, what is left would sit
    more than `RV_SHIFT_MM` from the diastolic pool and the whole slice's RV be called atrium."""
    study, masks, _ = readers_case([(12, False), (10, False), (8, False), (11, False)])
    for k in (1, 2, 3):
        rv = masks[k][0] == Structure.RV_CAVITY
        cols = np.nonzero(rv)[1]
        dark = rv & (np.arange(rv.shape[1])[None, :] < cols.max() - 2)  # all but a bright cap
        study.phases[k][0][dark] = 40.0
    cycle = analyse_cycle(study, PreparedSegmenter([m.copy() for m in masks], study.phases))
    for k in (1, 2, 3):
        assert (cycle.masks[k][0] == Structure.RV_CAVITY).any()  # the cap: RV, not atrium
        assert (cycle.masks[k][0] == Structure.RV_CAVITY).sum() < (
            masks[k][0] == Structure.RV_CAVITY).sum() / 3


def test_every_phase_is_read_inside_end_diastole_as_the_measured_one() -> None:
    study, masks, _ = readers_case([(12, False), (10, False), (8, False), (11, False)])
    for k in (1, 2):  # a piece of "LV" far outside the diastolic heart, in two phases
        masks[k][2, 54:62, 54:62] = Structure.LV_CAVITY
    cycle = analyse_cycle(study, PreparedSegmenter(masks, study.phases))
    assert cycle.es == 2
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    for k in (1, 2):  # end-systole and the phase beside it alike: dropped
        assert not cycle.masks[k][2, 54:62, 54:62].any()
        assert cycle.lv_curve_ml[k] == pytest.approx(
            (cycle.masks[k] == Structure.LV_CAVITY).sum() * voxel_ml, abs=0.1)
    assert "es_not_smallest" not in cycle.result.flags["lvesv_ml"]


def test_a_measured_end_systole_larger_than_another_phase_is_uncertain() -> None:
    """End-systole is the smallest LV of the phases drawn alone; when the finishing steps
    leave it clearly larger than another phase finished the same way, its ESV and EF are
    flagged (the phantom's cine did this when the LV base was restored at ES only)."""
    study, masks, _ = readers_case([(12, False), (10, False), (8, False), (11, False)])
    alone = PreparedSegmenter(masks, study.phases)
    grown = [m.copy() for m in masks]
    grown[2][grown[2] == Structure.LV_MYOCARDIUM] = Structure.LV_CAVITY  # ES's wall as cavity

    class _Grows(PreparedSegmenter):
        def finish(self, raw: list[np.ndarray], volumes: list[np.ndarray],
                   spacing_mm: tuple[float, float], diastole: int | None = None
                   ) -> list[np.ndarray]:
            return alone.finish(raw, volumes, spacing_mm, diastole) if diastole is None else [
                g.copy() for g in grown]

    cycle = analyse_cycle(study, _Grows(masks, study.phases))
    assert cycle.es == 2 and cycle.lv_curve_ml[2] > 1.1 * min(cycle.lv_curve_ml[1:])
    flags = cycle.result.flags
    for name in ("lvesv_ml", "lvef_pct", "lvsv_ml", "lv_hypokinetic_wall_pct"):
        assert QcFlag.ES_NOT_SMALLEST in flags[name]
    assert QcFlag.ES_NOT_SMALLEST not in flags["lvedv_ml"]


def test_phases_the_source_names_are_taken_over_the_curve() -> None:
    """ACDC's Info.cfg names ED and ES; two phases read apart can put them the other way round
    on the curve (the segmentation's error, not the heart's), so the named pair is measured."""
    study, masks, _ = readers_case([(10, False), (12, False)])
    study.frame_numbers, study.ed_hint, study.es_hint = [1, 8], 1, 8
    cycle = analyse_cycle(study, PreparedSegmenter(masks, study.phases))
    assert (cycle.ed, cycle.es) == (0, 1)
    study.ed_hint = study.es_hint = None  # nothing named: the curve decides
    cycle = analyse_cycle(study, PreparedSegmenter(masks, study.phases))
    assert (cycle.ed, cycle.es) == (1, 0)


def test_the_lv_base_the_network_drew_in_part_or_lost_is_restored_and_measured() -> None:
    study, masks, _ = readers_case([(12, False), (10, False), (8, False), (11, False)])
    basal = masks[0][0]  # end-diastole: half the basal cavity drawn, none of its wall
    basal[basal == Structure.LV_MYOCARDIUM] = Structure.BACKGROUND
    basal[:, 32:][basal[:, 32:] == Structure.LV_CAVITY] = Structure.BACKGROUND
    for k in (1, 2):  # the basal LV lost in two phases; the image still shows its ring
        masks[k][0][(masks[k][0] == Structure.LV_CAVITY)
                    | (masks[k][0] == Structure.LV_MYOCARDIUM)] = Structure.BACKGROUND
    cycle = analyse_cycle(study, PreparedSegmenter(masks, study.phases))
    assert (cycle.ed, cycle.es) == (0, 2)
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    for k in (0, 2):  # the measured pair, each from its own full slice below
        mask = cycle.masks[k]
        assert ((mask[0] == Structure.LV_CAVITY) == (mask[1] == Structure.LV_CAVITY)).all()
        volume = (mask == Structure.LV_CAVITY).sum() * voxel_ml
        assert cycle.lv_curve_ml[k] == pytest.approx(volume, abs=0.1)
    assert (cycle.masks[0][0] == Structure.LV_MYOCARDIUM).any()
    # only the measured pair: the rule is not steady enough from phase to phase for a curve
    assert not (cycle.masks[1][0] == Structure.LV_CAVITY).any()
    assert cycle.result.values["lvedv_ml"] == pytest.approx(cycle.lv_curve_ml[0], abs=0.1)
    assert cycle.result.values["lvesv_ml"] == pytest.approx(cycle.lv_curve_ml[2], abs=0.1)


class _Counting(PreparedSegmenter):
    """Counts the network's passes (`network_labels`) and the phases they cover."""

    def __init__(self, masks: list[np.ndarray], phases: list[np.ndarray]) -> None:
        super().__init__(masks, phases)
        self.passes: list[int] = []

    def network_labels(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        self.passes.append(len(volumes))
        return super().network_labels(volumes, spacing_mm)


def test_one_pass_of_the_network_and_the_same_numbers_as_analyse() -> None:
    study, masks, _ = readers_case([(12, False), (10, True), (8, True), (11, False)])
    counting = _Counting(masks, study.phases)
    cycle = analyse_cycle(study, counting)
    assert counting.passes == [4]  # every phase once; the pair is not drawn again
    result = analyse(study, _Counting(masks, study.phases))
    assert (result.ed, result.es) == (cycle.ed, cycle.es) == (0, 2)
    assert result.lv_curve_ml == pytest.approx(cycle.lv_curve_ml, abs=0.1)
    for name in ("lvedv_ml", "lvesv_ml", "lvef_pct", "rvedv_ml", "rvesv_ml", "lv_mass_g"):
        assert result.values[name] == pytest.approx(cycle.result.values[name], abs=0.1)


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "trabeculae-packed"])
def test_with_flips_a_cines_measured_pair_is_drawn_again_with_them(packed: bool) -> None:
    study, masks, rims = readers_case([(12, False), (10, True), (8, True), (11, False)])
    if packed:
        _packed_dark(study, masks, rims)
    plain = analyse(study, PreparedSegmenter(masks, study.phases))
    flips = _Counting(masks, study.phases)
    flips.tta = True
    result = analyse(study, flips)
    assert flips.passes == [4, 2]  # every phase without flips, then ED and ES with them
    assert (result.ed, result.es) == (plain.ed, plain.es)
    for k in (result.ed, result.es):  # the same finishing steps on the pair drawn again
        assert (result.masks[k] == plain.masks[k]).all()
    assert result.lv_curve_ml == pytest.approx(plain.lv_curve_ml, abs=0.1)


def test_with_flips_a_flat_curve_measures_end_diastole_as_end_systole() -> None:
    # a cine whose LV does not change: the smallest LV is the largest, one phase is both
    study, masks, _ = readers_case([(10, False), (10, False), (10, False)])
    for k, mask in enumerate(masks):  # an RV border as dark as the wall: a peel would take it
        rv = mask == Structure.RV_CAVITY
        wall = float(np.median(study.phases[k][mask == Structure.LV_MYOCARDIUM]))
        study.phases[k][rv & ~ndimage.binary_erosion(rv, np.ones((1, 3, 3), bool))] = wall
    flips = _Counting(masks, study.phases)
    flips.tta = True
    result = analyse(study, flips)
    assert result.ed == result.es
    assert flips.passes == [3, 2]
    drawn_rv = masks[result.ed] == Structure.RV_CAVITY  # one phase: no systolic peel of it
    assert np.array_equal(result.masks[result.ed] == Structure.RV_CAVITY, drawn_rv)
    assert result.values["rvedv_ml"] == pytest.approx(result.values["rvesv_ml"])
    assert result.values["lvedv_ml"] == pytest.approx(result.values["lvesv_ml"])
    assert result.values["lvef_pct"] == pytest.approx(0.0)
    assert QcFlag.EF_OUT_OF_RANGE in result.flags["lvef_pct"]
