"""Blank slices inside a short-axis stack: found, left out for segmentation, put back, and
their area interpolated in the summation of discs."""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from fakes.segment import OracleSegmenter, acdc_folder, heart_slice

from cmr_search.vocab import Structure
from segment.commands import segment_study
from segment.io import read_study
from segment.measure import interpolated_areas, volume_ml
from segment.missing import missing_slices, with_slices
from segment.qc import QcFlag
from segment.study import MEASUREMENTS_FILE, analyse


def test_a_missing_slice_counts_its_neighbours_mean_area_not_none() -> None:
    """Its disc was counted as empty: a stack of six 100-pixel slices read as five."""
    mask = np.zeros((6, 20, 20), np.uint8)
    mask[:, 5:15, 5:15] = Structure.LV_CAVITY
    mask[2] = 0
    missing = np.array([False, False, True, False, False, False])
    assert volume_ml(mask, Structure.LV_CAVITY, (1.0, 1.0), 10.0) == pytest.approx(5.0)
    assert volume_ml(mask, Structure.LV_CAVITY, (1.0, 1.0), 10.0, missing) == pytest.approx(6.0)
    # a run of two on the line between its ends
    assert list(interpolated_areas(np.array([30.0, 0.0, 0.0, 60.0]),
                                   np.array([False, True, True, False]))) == [30, 40, 50, 60]


def test_only_blank_slices_between_held_ones_are_missing() -> None:
    phase = np.random.default_rng(1).uniform(1.0, 2.0, (7, 8, 8))
    phase[[0, 3, 6]] = 0.0
    other = phase.copy()
    other[4] = 5.0  # blank in one phase alone: left out of every phase
    assert missing_slices([phase, other]).tolist() == [False, False, False, True, True,
                                                       False, False]
    assert not missing_slices([np.zeros((4, 8, 8))]).any()  # nothing acquired: the reader's
    missing = missing_slices([phase])
    back = with_slices(np.ones((6, 8, 8), np.uint8), missing)
    assert back.shape == (7, 8, 8) and not back[3].any() and back[[0, 1, 2, 4, 5, 6]].all()


def test_a_blank_slice_inside_the_stack_is_segmented_across_and_its_area_interpolated(
        tmp_path: Path) -> None:
    """A blank mid slice split the LV into two 3D pieces, the smaller dropped, and its own
    disc counted as empty: LVEDV silently low, flagged only `gaps_between_slices`. The stack
    is now segmented across it and its area read between its neighbours', the flag naming
    that; its mask stays empty, as its image is."""
    whole = analyse(read_study(acdc_folder(tmp_path / "whole")), OracleSegmenter(clean=True))
    folder = acdc_folder(tmp_path / "blank")
    for path in sorted(folder.glob("*_frame*.nii.gz")):
        image = nib.load(path)
        data = np.asarray(image.dataobj).copy()
        data[:, :, 2] = 0.0  # slices on the third axis: the third of six
        nib.save(nib.Nifti1Image(data, image.affine), str(path))
    out = tmp_path / "out"
    result = segment_study(folder, out, segmenter=OracleSegmenter(clean=True))
    for name in ("lvedv_ml", "lvesv_ml", "rvedv_ml", "lv_mass_g", "lvef_pct"):
        assert result.values[name] == pytest.approx(whole.values[name], abs=0.2), name
        assert QcFlag.MISSING_SLICE_INTERPOLATED in result.flags[name], name
    assert QcFlag.GAPS_BETWEEN_SLICES not in result.study_flags
    mask = result.masks[result.ed]
    assert not mask[2].any() and all(mask[k].any() for k in (0, 1, 3, 4, 5))
    written = json.loads((out / MEASUREMENTS_FILE).read_text())["measurements"]["lvedv_ml"]
    assert written["uncertain"] and "missing_slice_interpolated" in written["flags"]


def test_a_pair_drawn_again_with_flips_is_drawn_across_the_blank_slice(tmp_path: Path) -> None:
    """With `--tta` a cine's measured pair is drawn a second time, from the whole stack: the
    blank slice split its LV again there."""
    from segment.io import SaxStudy

    pair = read_study(acdc_folder(tmp_path / "acdc"))
    phases = [pair.phases[0], (pair.phases[0] + pair.phases[1]) / 2, pair.phases[1]]

    def cine(blank: bool) -> SaxStudy:
        images = [p.copy() for p in phases]
        for image in images if blank else ():
            image[2] = 0.0
        return SaxStudy("c", images, [1, 2, 3], pair.spacing_mm, pair.slice_spacing_mm,
                        [pair.affines[0]] * 3, ["a", "b", "c"], 170.0, 70.0, 1, 3)

    flips = OracleSegmenter(clean=True)
    flips.tta = True
    whole, result = analyse(cine(False), flips), analyse(cine(True), flips)
    assert result.values["lvedv_ml"] == pytest.approx(whole.values["lvedv_ml"], abs=0.2)
    assert result.masks[result.ed].shape == whole.masks[whole.ed].shape


@pytest.mark.parametrize("blank", [1, 2])
def test_the_stack_rules_read_the_slices_segmented_not_the_blank_one(tmp_path: Path,
                                                                      blank: int) -> None:
    """The blank slice's mask, put back empty, read as neighbours disagreeing (every such
    stack flagged `slice_disagreement`) and, next to the first slice, as a base not reached
    (`incomplete_basal_coverage`): the flags are the whole stack's and the interpolation's."""
    whole = analyse(read_study(acdc_folder(tmp_path / "whole")), OracleSegmenter(clean=True))
    folder = acdc_folder(tmp_path / "blank")
    for path in sorted(folder.glob("*_frame*.nii.gz")):
        image = nib.load(path)
        data = np.asarray(image.dataobj).copy()
        data[:, :, blank] = 0.0
        nib.save(nib.Nifti1Image(data, image.affine), str(path))
    result = analyse(read_study(folder), OracleSegmenter(clean=True))
    assert set(result.study_flags) == {*whole.study_flags, QcFlag.MISSING_SLICE_INTERPOLATED}


def test_end_diastole_is_chosen_on_the_curve_that_counts_the_blank_slice() -> None:
    """Without named phases ED and ES are the largest and smallest LV: they were chosen on
    the stack without the blank slice, then measured with its area interpolated. Phase 0 is
    larger without it (slices 0 and 4 wide), phase 1 with it (its neighbours wide): ED was
    phase 0, its EDV below phase 1's volume on the same curve."""
    from segment.io import SaxStudy
    from segment.phases import drawn_cycle

    def phase(radii: list[int | None]) -> np.ndarray:
        drawn = [None if r is None else heart_slice((64, 64), r, 4, rv=8) for r in radii]
        return np.stack([np.zeros((64, 64)) if d is None else
                         20.0 + 200.0 * (d == Structure.LV_CAVITY) + 60.0 * (d > 0)
                         for d in drawn])

    radii = [[13, 6, None, 6, 13], [9, 11, None, 11, 9], [5, 5, None, 5, 5], [8, 8, None, 8, 8]]
    study = SaxStudy("c", [phase(r) for r in radii], [1, 2, 3, 4], (1.5, 1.5), 10.0,
                     [np.eye(4)] * 4, ["c"] * 4)
    cycle = drawn_cycle(study, OracleSegmenter(clean=True))
    assert (cycle.ed, cycle.es) == (1, 2)
    assert cycle.lv_curve_ml[cycle.ed] == max(cycle.lv_curve_ml)
