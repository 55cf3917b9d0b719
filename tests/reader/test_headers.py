"""Nothing a real export contains may crash a scan: every file is used or skipped with a reason."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pydicom.data
import pytest
from fakes.dicom import mr_image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from reader.headers import HeaderRead, read_headers
from reader.scan import ScanResult, scan_archive
from reader.series import assemble_series
from reader.stack import PixelError, load_stack

PYDICOM_FILES = Path(pydicom.data.DATA_ROOT) / "test_files"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _accounted(result: ScanResult, root: Path) -> set[Path]:
    used = {f.path for s in result.studies for series in s.series for sl in series.slices
            for f in sl.frames}
    return used | {Path(s.path) for s in result.skipped}


def test_pydicom_test_files_are_read_or_skipped_never_crash() -> None:
    result = scan_archive(PYDICOM_FILES, workers=1)
    files = {p for p in PYDICOM_FILES.rglob("*") if p.is_file()}
    accounted = _accounted(result, PYDICOM_FILES)
    # a file is accounted for directly, or through the study it belongs to
    folders = {Path(s.path) for s in result.skipped if Path(s.path).is_dir()}
    missing = {f for f in files - accounted if not any(d in f.parents for d in folders)}
    sr_or_index = {Path(p) for p in result.report_files}
    assert not missing - sr_or_index, sorted(missing)[:5]
    assert all(s.reason and "\n" not in s.reason for s in result.skipped)


def test_every_pydicom_mr_image_decodes_or_fails_with_a_pixel_error() -> None:
    decoded = failed = 0
    for path in sorted(PYDICOM_FILES.rglob("*")):
        if not path.is_file():
            continue
        read = read_headers(path)
        if not isinstance(read, HeaderRead) or not read.frames:
            continue
        try:
            load_stack(assemble_series(read.frames))
            decoded += 1
        except PixelError as error:
            assert str(path) in str(error)
            failed += 1
    assert decoded >= 5


def test_broken_files_each_get_their_own_reason(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    mr_image(export / "no_study_uid.dcm", StudyInstanceUID=None)
    mr_image(export / "no_rows.dcm", Rows=None)
    short = mr_image(export / "short_pixels.dcm")
    short.write_bytes(short.read_bytes()[:-60])
    (export / "blob").write_bytes(os.urandom(300))
    (export / "empty.dcm").write_bytes(b"")
    (export / "loop").symlink_to(export)  # a folder loop must not hang the walk
    (export / "dangling").symlink_to(tmp_path / "gone")
    (export / "empty_folder").mkdir()
    result = scan_archive(export)
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert reasons["no_study_uid.dcm"] == "missing StudyInstanceUID or SOPClassUID"
    assert reasons["no_rows.dcm"] == "missing SeriesInstanceUID, Rows or Columns"
    assert reasons["short_pixels.dcm"] == "truncated pixel data"
    assert reasons["blob"].startswith("not DICOM")
    assert reasons["empty.dcm"].startswith("not DICOM")
    assert reasons["dangling"] == "broken link or not a regular file"
    assert result.studies == []


@pytest.mark.skipif(not (SHARED / "sunnybrook").exists(), reason="shared data not present")
def test_real_sunnybrook_headers() -> None:
    result = scan_archive(SHARED / "sunnybrook")
    assert result.studies == []  # localizers only: no cine
    assert any(s.reason == "study has no cine series" for s in result.skipped)


def test_tolerant_reading_is_scoped_and_safe_across_threads() -> None:
    import threading

    from pydicom import config

    from reader.headers import tolerant_reading

    before = config.settings.reading_validation_mode
    entered, first_left = threading.Event(), threading.Event()
    seen: list[int] = []

    def second_reader() -> None:
        with tolerant_reading():
            entered.set()
            first_left.wait()
            seen.append(config.settings.reading_validation_mode)

    with tolerant_reading():  # the first reader in
        worker = threading.Thread(target=second_reader)
        worker.start()
        entered.wait()
    first_left.set()  # ... leaves while the second one still reads
    worker.join()
    assert seen == [config.IGNORE]
    assert config.settings.reading_validation_mode == before


def test_secondary_captures_are_refused_and_burned_in_text_is_flagged(tmp_path: Path) -> None:
    def write(sop_class: str, burned: str | None) -> Path:
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = sop_class
        ds.SOPClassUID, ds.SOPInstanceUID = sop_class, generate_uid()
        ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
        ds.Rows = ds.Columns = 2
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.SamplesPerPixel, ds.PixelRepresentation = 1, 0
        ds.PhotometricInterpretation = "MONOCHROME2"
        if burned is not None:
            ds.BurnedInAnnotation = burned
        ds.PixelData = b"\0" * 8
        path = tmp_path / f"{ds.SOPInstanceUID}.dcm"
        ds.save_as(path, enforce_file_format=True)
        return path

    capture = read_headers(write("1.2.840.10008.5.1.4.1.1.7", None))
    assert getattr(capture, "reason", "").startswith("secondary capture")
    burned = read_headers(write("1.2.840.10008.5.1.4.1.1.4", "YES"))
    clean = read_headers(write("1.2.840.10008.5.1.4.1.1.4", None))
    assert burned.frames[0].burned_in_annotation  # type: ignore[union-attr]
    assert not clean.frames[0].burned_in_annotation  # type: ignore[union-attr]


def test_float_pixel_data_with_nan_or_infinity_is_a_pixel_error_naming_the_file(
        tmp_path: Path) -> None:
    pixels = np.full((8, 8), 100.0, np.float32)
    pixels[2, 3], pixels[4, 4] = np.nan, np.inf
    path = mr_image(tmp_path / "float.dcm", PixelData=None, BitsAllocated=32, BitsStored=None,
               HighBit=None, PixelRepresentation=None, FloatPixelData=pixels.tobytes(),
               ImageOrientationPatient=[1, 0, 0, 0, 1, 0], PixelSpacing=[1.5, 1.5],
               ImagePositionPatient=[0, 0, 0])
    read = read_headers(path)
    assert isinstance(read, HeaderRead) and read.frames
    with pytest.raises(PixelError, match=rf"{re.escape(str(path))}: 2 of 64 pixels are not "
                       "finite"):
        load_stack(assemble_series(read.frames))


@pytest.mark.parametrize("spacing", [[50, 50], [0.01, 0.01], [0, 0]])
def test_a_pixel_spacing_no_cardiac_image_has_is_a_pixel_error_naming_the_file(
        tmp_path: Path, spacing: list[float]) -> None:
    """A 50 mm pixel was resampled to a 1.2 mm grid thousands of pixels wide: minutes a slice."""
    path = mr_image(tmp_path / "im.dcm", ImageOrientationPatient=[1, 0, 0, 0, 1, 0],
               PixelSpacing=spacing, ImagePositionPatient=[0, 0, 0])
    read = read_headers(path)
    assert isinstance(read, HeaderRead) and read.frames
    with pytest.raises(PixelError, match=rf"{re.escape(str(path))}: PixelSpacing: pixel "
                       r"spacing [\d.]+ x [\d.]+ mm is not within 0\.1 to 10 mm"):
        load_stack(assemble_series(read.frames))


def test_the_voxel_bounds_are_inclusive_and_refuse_what_is_not_a_number() -> None:
    from reader.stack import voxel_problem

    assert voxel_problem((0.1, 10.0), 0.5) is None and voxel_problem((1.5, 1.5), 40.0) is None
    assert voxel_problem((1.5, 1.5)) is None  # no slice step to check (one image)
    assert voxel_problem((0.09, 1.5)) == "pixel spacing 0.09 x 1.5 mm is not within 0.1 to 10 mm"
    assert voxel_problem((1.5, 1.5), 40.5) == "slice spacing 40.5 mm is not within 0.5 to 40 mm"
    assert voxel_problem((1.5, float("inf")), 8.0) is not None

