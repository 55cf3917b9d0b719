"""Studies read for segmentation: the intensities the rules see, the stack's geometry for QC."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fakes.segment import heart_slice

from cmr_search.vocab import Structure
from reader.stack import Stack
from segment.infer import clean_labels
from segment.io import SaxStudy, StudyReadError, read_study, sax_from_stack


def _rv_case() -> tuple[np.ndarray, np.ndarray]:
    """Labels (3 slices) with the RV drawn on every slice, and a magnitude image: air (0) at the
    top of the field, the body 80, LV blood 400, RV blood 220 on slices 0 and 2 (dimmer, as
    far from the coil, and so near the check's half of the LV blood) and a dark region (lung,
    60) where the network put RV on slice 1."""
    labels = np.stack([heart_slice((64, 64), 10, 5, rv=8) for _ in range(3)])
    image = np.where(labels == Structure.LV_CAVITY, 400.0, 80.0).astype(np.float32)
    image[labels == Structure.RV_CAVITY] = 220.0
    image[1][labels[1] == Structure.RV_CAVITY] = 60.0
    image[:, :6] = 0.0
    return labels, image


def _study(phase: np.ndarray) -> SaxStudy:
    return SaxStudy("t", [phase, phase.copy()], [1, 2], (1.5, 1.5), 8.0, [np.eye(4)] * 2,
                    ["ed", "es"])


@pytest.mark.parametrize("offset", [
    lambda x: x - 100.0,  # the RV blood read darker than half the LV blood
    lambda x: x - 5000.0,  # every RV region did: no RV
    lambda x: (x - x.mean()) / x.std(),  # z-scored, as the RV blood did after subtracting 100
    lambda x: 3.7 * x + 5000.0,  # the lung read brighter than half the LV blood
])
def test_an_intensity_offset_does_not_change_which_rv_is_blood(
        offset: Callable[[np.ndarray], np.ndarray]) -> None:
    """ACDC patient001 saved as floats after z-scoring or subtracting 100 read RVESV 85.0 ml
    (102.3 as distributed), and with 5000 subtracted no RV at all: the RV blood check counted
    from zero. The study is read from its floor, so every rule sees the same relative image."""
    labels, image = _rv_case()
    expected = clean_labels(labels, image)
    assert (expected[0] == Structure.RV_CAVITY).any()
    assert not (expected[1] == Structure.RV_CAVITY).any()
    shifted = _study(offset(image).astype(np.float32))
    for phase in shifted.phases:
        assert np.array_equal(clean_labels(labels, phase), expected)
    assert _study(image).phases[0] is image  # a magnitude image is read untouched


def test_a_magnitude_images_own_floor_is_left_alone() -> None:
    """ACDC's cines carry floors up to 12 % of their range (patient046: 24 of 227); counted from
    them, the RV of patient010 (floor 7) lost 33 ml. A floor over a quarter of the range, or
    below zero, is an offset."""
    _, image = _rv_case()
    floored = image + 24.0  # 24 of 424: under a quarter of the range
    assert _study(floored).phases[0] is floored
    lifted = image + 300.0
    assert np.allclose(_study(lifted).phases[0], image, atol=1e-3)


def test_a_dicom_stack_keeps_its_slice_steps_and_thickness() -> None:
    """The QC of gaps in the stack (`segment.qc.gap_flags`) needs both: every other 8 mm slice
    missing (24 mm steps) halved the LVEF with no flag saying why."""
    images = np.zeros((4, 2, 64, 64), np.float32)
    images[:, :, 20:40, 20:40] = 100.0
    positions = np.array([[0.0, 0.0, 24.0 * k] for k in range(4)])
    stack = Stack(images, positions, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), (1.5, 1.5),
                  np.array([0.0, 400.0]), 800.0, slice_thickness_mm=8.0)
    sax = sax_from_stack("gaps", stack)
    assert sax.slice_thickness_mm == 8.0
    assert sax.slice_steps_mm == pytest.approx((24.0, 24.0, 24.0))
    assert sax.slice_spacing_mm == pytest.approx(24.0)


def test_a_mask_says_its_units_and_coordinates(tmp_path: Path) -> None:
    """A DICOM study's masks had no units (viewers showed no mm) nor qform/sform codes; a NIfTI
    input's whose spatial unit is unknown (ACDC's, read as mm) say mm."""
    import nibabel as nib

    from segment.io import write_mask

    phase = np.ones((3, 64, 64), np.float32)
    mask = np.zeros((3, 64, 64), np.uint8)
    dicom = _study(phase)
    write_mask(tmp_path / "d.nii.gz", mask, dicom, 0)
    written = nib.load(tmp_path / "d.nii.gz")
    assert written.header.get_xyzt_units() == ("mm", "msec")
    assert (int(written.header["qform_code"]), int(written.header["sform_code"])) == (1, 1)
    source = nib.Nifti1Image(np.ones((64, 64, 3), np.float32), np.diag([1.5, 1.5, 8.0, 1.0]))
    source.header.set_xyzt_units("unknown", "sec")
    nifti = _study(phase)
    nifti.headers = [source.header, source.header]
    write_mask(tmp_path / "n.nii.gz", mask, nifti, 0)
    assert nib.load(tmp_path / "n.nii.gz").header.get_xyzt_units() == ("mm", "sec")


def test_no_short_axis_cine_is_one_line_however_many_files_were_skipped(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The error listed every skipped file on a line of its own, under the reason: one line
    now, what was read and skipped counted; each file named in the log."""
    from fakes.dicom import mr_image

    placed = {"ImageOrientationPatient": [1, 0, 0, 0, 0, -1], "PixelSpacing": [1.5, 1.5],
              "ImagePositionPatient": [0, 0, 0]}
    for k in range(8):  # a four-chamber cine, then junk the scan leaves out
        mr_image(tmp_path / f"4ch_{k}.dcm", SeriesDescription="cine 4ch",
                 TriggerTime=100.0 * k, InstanceNumber=k + 1, **placed)
    for k in range(30):
        (tmp_path / f"junk_{k}.dcm").write_bytes(b"\0" * 200)
    (tmp_path / "notes.txt").write_text("not an image")
    with caplog.at_level(logging.DEBUG, logger="segment.io"), \
            pytest.raises(StudyReadError) as error:
        read_study(tmp_path)
    message = str(error.value)
    assert "\n" not in message and "junk_" not in message
    assert message.startswith(f"{tmp_path}: no short-axis cine series (8 files read: "
                              "8 4ch_cine; 31 skipped: ")
    assert "skipped junk_7.dcm: not DICOM" in caplog.text
    assert str(tmp_path) not in caplog.text  # the folder may name the patient
