"""Read what the indexer needs from DICOM headers, without pixels.

An enhanced multi-frame file becomes one `FrameHeader` per frame, so everything downstream sees
classic-looking images whatever the export wrote.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydicom import config, dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from reader.discover import Skipped

logger = logging.getLogger(__name__)

_IMAGE_STORAGE_PREFIXES = ("1.2.840.10008.5.1.4.1.1.4",)  # MR Image and Enhanced MR Image
_SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
_SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"  # and its multi-frame kinds (.7.n)


@dataclass(frozen=True)
class StudyInfo:
    """Study-level attributes (identical in every file of a study)."""

    study_instance_uid: str
    patient_id: str
    accession_number: str
    study_date: str  # YYYYMMDD
    patient_age: str
    patient_sex: str
    manufacturer: str
    manufacturer_model_name: str
    magnetic_field_strength: float | None  # tesla
    # read for de-identification (to scrub them from the report), never indexed as they are
    patient_name: str = ""
    patient_birth_date: str = ""  # YYYYMMDD
    referring_physician_name: str = ""
    institution_name: str = ""


@dataclass(frozen=True)
class FrameHeader:
    """One image (a file, or a frame of a multi-frame file) with its geometry and timing.

    Positions and orientations are DICOM patient coordinates (mm); `trigger_time` in ms after
    the R wave; `inversion_time` in ms; `pixel_spacing` is (row spacing, column spacing) in mm.
    """

    path: Path
    frame_index: int | None  # None for a single-frame file
    sop_instance_uid: str
    series_instance_uid: str
    series_number: int
    series_description: str
    instance_number: int
    image_type: tuple[str, ...]
    rows: int
    columns: int
    image_position: tuple[float, float, float] | None
    image_orientation: tuple[float, ...] | None
    pixel_spacing: tuple[float, float] | None
    slice_thickness: float | None
    trigger_time: float | None
    inversion_time: float | None
    cardiac_number_of_images: int | None
    heart_rate: float | None
    nominal_interval: float | None
    burned_in_annotation: bool = False  # BurnedInAnnotation YES: text in the pixels

    @property
    def normal(self) -> np.ndarray | None:
        if self.image_orientation is None:
            return None
        o = np.asarray(self.image_orientation, dtype=float)
        n = np.cross(o[:3], o[3:])
        norm = float(np.linalg.norm(n))
        return n / norm if norm > 0 else None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _first(value: Any) -> float | None:
    """First number of a possibly multi-valued element."""
    if value is None:
        return None
    if isinstance(value, str | bytes) or not hasattr(value, "__len__"):
        return _float(value)
    return _float(value[0]) if len(value) else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return int(number) if number is not None else None


def _floats(value: Any, n: int) -> tuple[float, ...] | None:
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == n and all(np.isfinite(numbers)) else None


def study_info(ds: Dataset) -> StudyInfo:
    return StudyInfo(
        study_instance_uid=str(ds.StudyInstanceUID),
        patient_id=str(ds.get("PatientID", "")),
        accession_number=str(ds.get("AccessionNumber", "")),
        study_date=str(ds.get("StudyDate", "")),
        patient_age=str(ds.get("PatientAge", "")),
        patient_sex=str(ds.get("PatientSex", "")),
        manufacturer=str(ds.get("Manufacturer", "")),
        manufacturer_model_name=str(ds.get("ManufacturerModelName", "")),
        magnetic_field_strength=_float(ds.get("MagneticFieldStrength")),
        patient_name=str(ds.get("PatientName", "")),
        patient_birth_date=str(ds.get("PatientBirthDate", "")),
        referring_physician_name=str(ds.get("ReferringPhysicianName", "")),
        institution_name=str(ds.get("InstitutionName", "")),
    )


def _classic(path: Path, ds: Dataset) -> list[FrameHeader]:
    spacing = _floats(ds.get("PixelSpacing"), 2)
    return [FrameHeader(
        path=path, frame_index=None, sop_instance_uid=str(ds.SOPInstanceUID),
        series_instance_uid=str(ds.SeriesInstanceUID),
        series_number=_int(ds.get("SeriesNumber")) or 0,
        series_description=str(ds.get("SeriesDescription", "")),
        instance_number=_int(ds.get("InstanceNumber")) or 0,
        image_type=tuple(str(v) for v in (ds.get("ImageType") or ())),
        rows=int(ds.Rows), columns=int(ds.Columns),
        image_position=_floats(ds.get("ImagePositionPatient"), 3),  # type: ignore[arg-type]
        image_orientation=_floats(ds.get("ImageOrientationPatient"), 6),
        pixel_spacing=spacing,  # type: ignore[arg-type]
        slice_thickness=_float(ds.get("SliceThickness")),
        trigger_time=_float(ds.get("TriggerTime")),
        inversion_time=_float(ds.get("InversionTime")),
        cardiac_number_of_images=_int(ds.get("CardiacNumberOfImages")),
        heart_rate=_float(ds.get("HeartRate")),
        nominal_interval=_float(ds.get("NominalInterval")),
        burned_in_annotation=str(ds.get("BurnedInAnnotation", "")).upper() == "YES",
    )]


def _group(item: Dataset | None, sequence: str) -> Dataset | None:
    if item is None or sequence not in item or not item[sequence].value:
        return None
    return item[sequence].value[0]  # type: ignore[no-any-return]


def _enhanced(path: Path, ds: Dataset) -> list[FrameHeader]:
    shared = (ds.SharedFunctionalGroupsSequence[0]
              if "SharedFunctionalGroupsSequence" in ds else None)
    measures = _group(shared, "PixelMeasuresSequence")
    orientation = _group(shared, "PlaneOrientationSequence")
    frames = []
    for index, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
        position = _group(item, "PlanePositionSequence")
        sync = _group(item, "CardiacSynchronizationSequence")
        modifier = _group(item, "MRModifierSequence") or _group(shared, "MRModifierSequence")
        own_measures = _group(item, "PixelMeasuresSequence") or measures
        own_orientation = _group(item, "PlaneOrientationSequence") or orientation
        inversion = modifier.get("InversionTimes") if modifier is not None else None
        frames.append(FrameHeader(
            path=path, frame_index=index, sop_instance_uid=f"{ds.SOPInstanceUID}#{index + 1}",
            series_instance_uid=str(ds.SeriesInstanceUID),
            series_number=_int(ds.get("SeriesNumber")) or 0,
            series_description=str(ds.get("SeriesDescription", "")),
            instance_number=index + 1,
            image_type=tuple(str(v) for v in (ds.get("ImageType") or ())),
            rows=int(ds.Rows), columns=int(ds.Columns),
            image_position=_floats(position.get("ImagePositionPatient")  # type: ignore[arg-type]
                                   if position is not None else None, 3),
            image_orientation=_floats(own_orientation.get("ImageOrientationPatient")
                                      if own_orientation is not None else None, 6),
            pixel_spacing=_floats(own_measures.get("PixelSpacing")  # type: ignore[arg-type]
                                  if own_measures is not None else None, 2),
            slice_thickness=_float(own_measures.get("SliceThickness")
                                   if own_measures is not None else None),
            trigger_time=_float(sync.get("NominalCardiacTriggerDelayTime")
                                if sync is not None else None),
            inversion_time=_first(inversion),
            cardiac_number_of_images=None,
            heart_rate=_float(ds.get("HeartRate")),
            nominal_interval=_float(ds.get("NominalInterval")),
            burned_in_annotation=str(ds.get("BurnedInAnnotation", "")).upper() == "YES",
        ))
    return frames


def transfer_syntax(ds: Dataset) -> UID | None:
    """The file meta's transfer syntax; for a bare dataset (no preamble and no file meta, as
    some exports write them) the encoding pydicom read it in."""
    syntax = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
    if syntax is not None:
        return UID(syntax)
    implicit, little = getattr(ds, "original_encoding", (None, None))
    if implicit is None or little is None:
        return None
    if implicit:
        return ImplicitVRLittleEndian if little else None  # implicit big endian does not exist
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _pixel_problem(path: Path, ds: Dataset, pixels_at: int) -> str | None:
    """Cheap checks that the pixels can be decoded, made before any pixel is read."""
    syntax = transfer_syntax(ds)
    if syntax is None or not syntax.is_transfer_syntax:
        return "no valid transfer syntax in the file meta"
    # a deflated file is smaller than its pixels; only a plain one can be measured
    if not syntax.is_compressed and not syntax.is_deflated:
        frames = _int(ds.get("NumberOfFrames")) or 1
        expected = int(ds.Rows) * int(ds.Columns) * (int(ds.get("BitsAllocated", 16)) // 8) * frames
        size = path.stat().st_size
        if size <= pixels_at:  # the header ends the file: "truncated" sent people looking
            return "no pixel data (a header-only instance)"
        if size < pixels_at + expected:
            return "truncated pixel data"
    return None


@dataclass(frozen=True)
class HeaderRead:
    """What one file contributed: its study, its images (maybe none) or a report dataset."""

    study: StudyInfo
    frames: list[FrameHeader]
    sr: Dataset | None = None


class _Tolerance:
    """pydicom's validation mode is process-wide: the first reader in sets it, the last one
    out restores it, so threads reading at once (uploads in the web server) never see it flip."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.readers = 0
        self.mode_before: int | None = None

    def enter(self) -> None:
        with self.lock:
            if self.readers == 0:
                self.mode_before = config.settings.reading_validation_mode
                config.settings.reading_validation_mode = config.IGNORE
            self.readers += 1

    def leave(self) -> None:
        with self.lock:
            self.readers -= 1
            if self.readers == 0 and self.mode_before is not None:
                config.settings.reading_validation_mode = self.mode_before


_TOLERANCE = _Tolerance()


def ignore_pydicom_warnings() -> None:
    """pydicom warns (besides logging) about every oddity of a malformed file it still reads
    ("Expected explicit VR, but found implicit VR"); the reader reports such files itself.
    Process-wide, so only entry points call it (the command line, the web app)."""
    warnings.filterwarnings("ignore", category=UserWarning, module="pydicom")
    # and its logger says the same once per file ("Unknown encoding 'ISO_IR 999'"): thousands
    # of lines for one odd export, before the run's own one-line report of what it skipped
    logging.getLogger("pydicom").setLevel(logging.ERROR)


@contextmanager
def tolerant_reading() -> Iterator[None]:
    """Read real exports as they are: values that break VR rules (UIDs with leading zeros,
    over-long strings) are common and harmless here, so pydicom does not validate them."""
    _TOLERANCE.enter()
    try:
        yield
    finally:
        _TOLERANCE.leave()


def read_headers(path: Path) -> HeaderRead | Skipped:
    """Headers of one file, or the one-line reason it cannot be used."""
    with tolerant_reading():
        return _read_headers(path)


def _read_headers(path: Path) -> HeaderRead | Skipped:
    try:
        with path.open("rb") as handle:
            head = handle.read(132)
            part10 = len(head) == 132 and head[128:132] == b"DICM"
            # some exports write bare datasets with no preamble or file meta
            if not part10 and head[:2] not in (b"\x08\x00", b"\x02\x00"):
                return Skipped(str(path), "not DICOM (no DICM marker)")
            handle.seek(0)
            ds = dcmread(handle, stop_before_pixels=True, force=not part10)
            pixels_at = handle.tell()  # pydicom stops at the Pixel Data element
    except InvalidDicomError:
        return Skipped(str(path), "not DICOM (invalid header)")
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as error:
        return Skipped(str(path), f"unreadable DICOM header: {type(error).__name__}")
    return headers_from_dataset(ds, path, pixels_at)


def headers_from_dataset(ds: Dataset, path: Path,
                         pixels_at: int | None = None) -> HeaderRead | Skipped:
    """What one dataset contributes, read from a file or from a PACS's metadata (DICOM JSON, no
    pixels: `pixels_at` None skips the check that the file holds all its pixel data). `path`
    names the image (a file, or where it would be fetched to)."""
    try:
        if "StudyInstanceUID" not in ds or "SOPClassUID" not in ds:
            return Skipped(str(path), "missing StudyInstanceUID or SOPClassUID")
        sop_class = str(ds.SOPClassUID)
        info = study_info(ds)
        if sop_class.startswith(_SR_PREFIX):
            return HeaderRead(info, [], sr=ds)
        if sop_class.startswith(_SECONDARY_CAPTURE_PREFIX):
            return Skipped(str(path), "secondary capture: may show patient data burned into "
                           "the pixels")
        if not sop_class.startswith(_IMAGE_STORAGE_PREFIXES):
            return Skipped(str(path), f"not an MR image (SOP class {sop_class})")
        if "SeriesInstanceUID" not in ds or "Rows" not in ds or "Columns" not in ds:
            return Skipped(str(path), "missing SeriesInstanceUID, Rows or Columns")
        problem = _pixel_problem(path, ds, pixels_at) if pixels_at is not None else None
        if problem:
            return Skipped(str(path), problem)
        if "PerFrameFunctionalGroupsSequence" in ds:
            return HeaderRead(info, _enhanced(path, ds))
        return HeaderRead(info, _classic(path, ds))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
        logger.debug("bad header in %s", path.name, exc_info=True)
        return Skipped(str(path), f"malformed DICOM header: {type(error).__name__}")
