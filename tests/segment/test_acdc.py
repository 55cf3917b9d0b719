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


def _cine_only(root: Path) -> Path:
    """patient901 with a 5-phase 4D cine (ED frame 1, ES frame 5) and its ground truth, and no
    frame volumes."""
    folder = acdc_folder(root)
    ed = nib.load(folder / "patient901_frame01.nii.gz")
    es = nib.load(folder / "patient901_frame05.nii.gz")
    frames = [np.asarray(ed.dataobj) * (1 - t) + np.asarray(es.dataobj) * t
              for t in np.linspace(0.0, 1.0, 5)]
    nib.save(nib.Nifti1Image(np.stack(frames, axis=-1).astype(np.float32), ed.affine),
             str(folder / "patient901_4d.nii.gz"))
    labels = (np.asarray(ed.dataobj) > 100).astype(np.uint8)
    nib.save(nib.Nifti1Image(labels, ed.affine), str(folder / "patient901_frame01_gt.nii.gz"))
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
    assert mask.header.get_xyzt_units()[0] == "mm"
    written = json.loads((out / "measurements.json").read_text())
    assert (written["ed"]["frame"], written["es"]["frame"]) == (1, 5)
    assert [Path(s["file"]).name for s in written["skipped_files"]] == [
        "patient901_frame01_gt.nii.gz"]
    assert "label map" in written["skipped_files"][0]["reason"]


def test_segment_measures_a_4d_folder_as_the_index_does(tmp_path: Path) -> None:
    """segment read the ED and ES frame files, index the 4D cine of the same folder."""
    from indexer.measure import _sax_study
    from reader.nifti import acdc_stacks, read_info
    from segment.cycle import analyse_cycle
    from segment.infer import Segmenter
    from segment.study import analyse

    folder = acdc_folder(tmp_path / "acdc")
    ed = nib.load(folder / "patient901_frame01.nii.gz")
    es = nib.load(folder / "patient901_frame05.nii.gz")
    frames = [np.asarray(ed.dataobj) * (1 - t) + np.asarray(es.dataobj) * t
              for t in np.linspace(0.0, 1.0, 5)]
    frames[2] = frames[4] * 0.5 + 10.0  # frame 3: not what the pair alone would show
    nib.save(nib.Nifti1Image(np.stack(frames, axis=-1).astype(np.float32), ed.affine),
             str(folder / "patient901_4d.nii.gz"))
    model = Segmenter(tiny_checkpoint(tmp_path / "ck"))
    mine = analyse(read_study(folder), model)
    info = read_info(folder)
    stacks = acdc_stacks(info)
    assert stacks.sax is not None
    theirs = analyse_cycle(_sax_study(info, stacks, stacks.sax), model).result
    assert len(mine.study.phases) == 5
    assert mine.values == theirs.values
    assert mine.study_flags == theirs.study_flags
    assert {Path(f).name for f, _ in mine.study.skipped} == {
        "patient901_frame01.nii.gz", "patient901_frame05.nii.gz"}


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
