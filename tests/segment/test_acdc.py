"""ACDC-style folders read for segmentation: the 4D cine as the indexer reads it, every other
file named with why it was left out, label maps refused, each file on its own scale."""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from fakes.segment import acdc_folder, tiny_checkpoint

from segment.commands import segment_study
from segment.io import StudyReadError, read_study


def _with_cine(root: Path, odd_frame: bool = False) -> Path:
    """patient901's frame volumes (ED frame 1, ES frame 5), a 5-phase 4D cine between them
    (frame 3 unlike either when `odd_frame`) and frame 1's ground truth."""
    folder = acdc_folder(root)
    ed = nib.load(folder / "patient901_frame01.nii.gz")
    es = nib.load(folder / "patient901_frame05.nii.gz")
    frames = [np.asarray(ed.dataobj) * (1 - t) + np.asarray(es.dataobj) * t
              for t in np.linspace(0.0, 1.0, 5)]
    if odd_frame:  # not what the pair alone would show
        frames[2] = frames[4] * 0.5 + 10.0
    cine = nib.Nifti1Image(np.stack(frames, axis=-1).astype(np.float32), ed.affine)
    cine.header.set_zooms((*ed.header.get_zooms(), 40.0))  # ms between frames
    cine.header.set_xyzt_units(None, "msec")  # the space unit left unknown, as ACDC's
    nib.save(cine, str(folder / "patient901_4d.nii.gz"))
    labels = (np.asarray(ed.dataobj) > 100).astype(np.uint8)
    nib.save(nib.Nifti1Image(labels, ed.affine), str(folder / "patient901_frame01_gt.nii.gz"))
    return folder


def _cine_only(root: Path, odd_frame: bool = False) -> Path:
    """`_with_cine` without the frame volumes."""
    folder = _with_cine(root, odd_frame)
    for frame in (1, 5):
        (folder / f"patient901_frame{frame:02d}.nii.gz").unlink()
    return folder


def test_a_folder_with_only_a_4d_cine_is_segmented_into_one_4d_mask(tmp_path: Path) -> None:
    """It was refused: "missing frame volume named in Info.cfg"."""
    folder = _cine_only(tmp_path / "acdc")
    out = tmp_path / "out"
    result = segment_study(folder, out, tiny_checkpoint(tmp_path / "ck"))
    assert len(result.masks) == 5
    mask = nib.load(out / "patient901_4d_seg.nii.gz")
    source = nib.load(folder / "patient901_4d.nii.gz")
    assert mask.shape == source.shape and np.allclose(mask.affine, source.affine)
    assert mask.header.get_zooms() == source.header.get_zooms()  # pixdim[4]: the frame time
    assert mask.header.get_xyzt_units() == ("mm", "msec")
    assert mask.header.get_data_dtype() == np.uint8
    written = json.loads((out / "measurements.json").read_text())
    assert (written["ed"]["frame"], written["es"]["frame"]) == (1, 5)
    assert [Path(s["file"]).name for s in written["skipped_files"]] == [
        "patient901_frame01_gt.nii.gz"]
    assert "label map" in written["skipped_files"][0]["reason"]


def test_segment_measures_a_4d_folder_as_the_index_does(tmp_path: Path) -> None:
    """segment refused a folder holding only a 4D cine; index reads it, every phase."""
    from indexer.measure import _sax_study
    from reader.nifti import acdc_stacks, read_info
    from segment.cycle import analyse_cycle
    from segment.infer import Segmenter
    from segment.study import analyse

    folder = _cine_only(tmp_path / "acdc", odd_frame=True)
    model = Segmenter(tiny_checkpoint(tmp_path / "ck"))
    mine = analyse(read_study(folder), model)
    info = read_info(folder)
    stacks = acdc_stacks(info)
    assert stacks.sax is not None
    theirs = analyse_cycle(_sax_study(info, stacks, stacks.sax), model).result
    assert len(mine.study.phases) == 5
    assert mine.values == theirs.values
    assert mine.study_flags == theirs.study_flags
    assert {Path(f).name for f, _ in mine.study.skipped} == {"patient901_frame01_gt.nii.gz"}


def test_frame_files_beside_a_4d_cine_are_segmented_into_masks_named_after_them(
        tmp_path: Path) -> None:
    """ACDC's own layout (ED and ES frames, their ground truth, a 4D cine): segment read every
    phase of the cine (25 times the time, past the 2 s per study) and wrote only
    patient901_4d_seg.nii.gz, no mask to compare with patient901_frame01_gt.nii.gz."""
    folder = _with_cine(tmp_path / "acdc")
    out = tmp_path / "out"
    result = segment_study(folder, out, tiny_checkpoint(tmp_path / "ck"))
    assert len(result.study.phases) == 2
    assert sorted(p.name for p in out.glob("*_seg.nii.gz")) == [
        "patient901_frame01_seg.nii.gz", "patient901_frame05_seg.nii.gz"]
    gt = nib.load(folder / "patient901_frame01_gt.nii.gz")
    assert nib.load(out / "patient901_frame01_seg.nii.gz").shape == gt.shape
    skipped = dict((Path(f).name, why) for f, why in result.study.skipped)
    assert set(skipped) == {"patient901_4d.nii.gz", "patient901_frame01_gt.nii.gz"}
    assert "index reads every phase" in skipped["patient901_4d.nii.gz"]


def test_index_and_segment_read_an_acdc_stack_with_one_function(tmp_path: Path) -> None:
    """Each had its own copy of the reading (ED/ES from Info.cfg, body size, the stack)."""
    from indexer import measure
    from reader.nifti import acdc_stacks, read_info
    from segment.acdc import sax_from_acdc

    info = read_info(_cine_only(tmp_path / "acdc"))
    stacks = acdc_stacks(info)
    assert stacks.sax is not None
    theirs = measure._sax_study(info, stacks, stacks.sax)
    mine = sax_from_acdc(info, stacks.sax)
    assert measure.sax_from_acdc is sax_from_acdc
    assert (theirs.frame_numbers, theirs.ed_hint, theirs.es_hint, theirs.height_cm,
            theirs.weight_kg, theirs.spacing_mm, theirs.slice_spacing_mm) == (
        mine.frame_numbers, mine.ed_hint, mine.es_hint, mine.height_cm, mine.weight_kg,
        mine.spacing_mm, mine.slice_spacing_mm)
    assert all(np.array_equal(a, b) for a, b in zip(theirs.phases, mine.phases, strict=True))


@pytest.mark.parametrize("values", [(0, 255), (0, 255, 255)])
def test_a_label_map_saved_for_viewing_is_refused_naming_the_file(
        tmp_path: Path, values: tuple[int, ...]) -> None:
    """A 0/255 mask under an ED frame's name was segmented and measured as an image."""
    folder = acdc_folder(tmp_path / "acdc")
    path = folder / "patient901_frame01.nii.gz"
    image = nib.load(path)
    data = np.asarray(image.dataobj)
    codes = np.digitize(data, np.unique(data)[1:]) if len(values) > 2 else data > 100
    labels = np.asarray(values, np.uint8)[np.minimum(codes.astype(int), len(values) - 1)]
    nib.save(nib.Nifti1Image(labels, image.affine), str(path))
    with pytest.raises(StudyReadError, match=r"patient901_frame01\.nii\.gz: looks like a label "
                                             r"map \(values 0, "):
        read_study(folder)


def test_ed_and_es_files_of_other_scales_and_types_are_read_on_one_scale(
        tmp_path: Path) -> None:
    """ED saved as int16 with scl_slope 0.5 and scl_inter 10, ES as float32: both read as the
    intensities they stand for."""
    folder = acdc_folder(tmp_path / "acdc")
    path = folder / "patient901_frame01.nii.gz"
    image = nib.load(path)
    data = np.asarray(image.dataobj, np.float32)
    scaled = nib.Nifti1Image(np.round((data - 10.0) / 0.5).astype(np.int16), image.affine)
    scaled.header.set_slope_inter(0.5, 10.0)
    nib.save(scaled, str(path))
    study = read_study(folder)
    assert np.allclose(study.phases[0], np.transpose(data, (2, 0, 1)))
    es = np.asarray(nib.load(folder / "patient901_frame05.nii.gz").dataobj, np.float32)
    assert np.allclose(study.phases[1], np.transpose(es, (2, 0, 1)))


def _one_frame_as_ed_and_es(folder: Path) -> Path:
    info = folder / "Info.cfg"
    info.write_text(info.read_text().replace("ES: 5", "ES: 1"))
    return folder


def test_one_frame_named_as_ed_and_es_is_refused_as_index_refuses_it(tmp_path: Path) -> None:
    """segment measured the one volume as both phases (LVEF 0 %, flagged) while index
    refused the study; both now refuse it with one rule and one line naming Info.cfg."""
    from indexer import measure
    from reader.nifti import acdc_stacks, read_info

    folder = _one_frame_as_ed_and_es(acdc_folder(tmp_path / "acdc"))
    with pytest.raises(StudyReadError) as mine:
        read_study(folder)
    info = read_info(folder)
    stacks = acdc_stacks(info)
    assert stacks.sax is not None
    with pytest.raises(StudyReadError) as theirs:
        measure._sax_study(info, stacks, stacks.sax)
    assert str(mine.value) == str(theirs.value) == (
        f"{folder}: Info.cfg names frame 1 as both ED and ES, so there is no cycle to measure")


def test_one_frame_named_as_ed_and_es_beside_a_4d_cine_is_read_from_the_cine(
        tmp_path: Path) -> None:
    """With a 4D cine index reads every phase and finds ED and ES on the curve; segment read
    the one frame file as both phases (LVEF 0 %). It now reads the cine, as index does."""
    from indexer.measure import _sax_study
    from reader.nifti import acdc_stacks, read_info
    from segment.cycle import analyse_cycle
    from segment.infer import Segmenter
    from segment.study import analyse

    folder = _one_frame_as_ed_and_es(_with_cine(tmp_path / "acdc", odd_frame=True))
    model = Segmenter(tiny_checkpoint(tmp_path / "ck"), tta=False)  # segment's default
    mine = analyse(read_study(folder), model)
    info = read_info(folder)
    stacks = acdc_stacks(info)
    assert stacks.sax is not None
    theirs = analyse_cycle(_sax_study(info, stacks, stacks.sax), model).result
    assert len(mine.study.phases) == 5 and mine.ed != mine.es
    assert mine.values == theirs.values and mine.study_flags == theirs.study_flags
