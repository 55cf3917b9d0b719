"""Write planned series as DICOM Part-10 files: classic MR, enhanced multi-frame MR, Basic Text SR.

Per-image attributes are always new elements on a fresh dataset; shared attributes come from
one base dataset whose elements are never modified after construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    MRImageStorage,
    RLELossless,
)

from cmr_search.vocab import Sex
from phantom.protocol import Protocol, SeriesPlan
from phantom.tissue import Contrast
from phantom.vendors import SeriesKind

ENHANCED_MR_IMAGE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.4.1")
BASIC_TEXT_SR_STORAGE = UID("1.2.840.10008.5.1.4.1.1.88.11")
_INSTITUTION = "Synthetic Heart Hospital"


@dataclass(frozen=True)
class StudyIdentity:
    """Who and when: the patient and study attributes shared by every file of one study."""

    patient_name: str
    patient_id: str
    birth_date: date
    sex: Sex
    age_years: int
    height_m: float
    weight_kg: float
    study_instance_uid: str
    frame_of_reference_uid: str
    accession_number: str
    study_date: date
    study_time: str  # HHMMSS

    def __post_init__(self) -> None:
        if not self.patient_id or not self.accession_number:
            raise ValueError("patient ID and accession number are required")
        if self.birth_date >= self.study_date:
            raise ValueError("birth date must precede the study date")


def _da(d: date) -> str:
    return d.strftime("%Y%m%d")


def _ds(values: Iterable[float]) -> list[str]:
    """Decimal strings short enough for the DS value representation (16 characters)."""
    return [f"{float(v):.6g}" for v in values]


def _patient_study(ds: Dataset, who: StudyIdentity, protocol: Protocol) -> None:
    ds.PatientName = who.patient_name
    ds.PatientID = who.patient_id
    ds.PatientBirthDate = _da(who.birth_date)
    ds.PatientSex = who.sex.value
    ds.PatientAge = f"{who.age_years:03d}Y"
    ds.PatientSize = f"{who.height_m:.2f}"
    ds.PatientWeight = f"{who.weight_kg:.0f}"
    ds.StudyInstanceUID = who.study_instance_uid
    ds.StudyDate = _da(who.study_date)
    ds.StudyTime = who.study_time
    ds.AccessionNumber = who.accession_number
    ds.StudyID = who.accession_number[-6:]
    ds.StudyDescription = "MR CARDIAC MORPHOLOGY AND FUNCTION"
    ds.ReferringPhysicianName = "CARDIOLOGY^CLINIC"
    ds.InstitutionName = _INSTITUTION
    ds.Manufacturer = protocol.manufacturer
    ds.ManufacturerModelName = protocol.model.name
    ds.SoftwareVersions = "synthetic"


def _mr_series(ds: Dataset, who: StudyIdentity, protocol: Protocol, plan: SeriesPlan,
               series_uid: str, heart_rate: float) -> None:
    ds.Modality = "MR"
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = plan.series_number
    ds.SeriesDescription = plan.description
    ds.ProtocolName = plan.description
    ds.SeriesDate = _da(who.study_date)
    ds.FrameOfReferenceUID = who.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.BodyPartExamined = "HEART"
    ds.PatientPosition = "HFS"
    ds.MagneticFieldStrength = f"{protocol.model.field_strength_t:.1f}"
    ds.ImagingFrequency = f"{42.577 * protocol.model.field_strength_t:.4f}"
    ds.ScanningSequence = "GR" if plan.inversion_times_ms is None else ["GR", "IR"]
    ds.SequenceVariant = "SK" if plan.inversion_times_ms is None else ["SK", "SP", "MP"]
    ds.ScanOptions = "CG" if plan.gated else ""
    ds.MRAcquisitionType = "2D"
    ds.RepetitionTime = "3.2" if plan.contrast is not Contrast.LGE else "700"
    ds.EchoTime = "1.4" if plan.contrast is not Contrast.LGE else "3.1"
    ds.FlipAngle = "55" if plan.contrast is Contrast.CINE else "25"
    ds.SliceThickness = f"{plan.slice_thickness_mm:.1f}"
    if len(plan.planes) > 1:
        step = float(np.linalg.norm(plan.planes[1].position - plan.planes[0].position))
        ds.SpacingBetweenSlices = f"{step:.4g}"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = plan.planes[0].rows
    ds.Columns = plan.planes[0].cols
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = f"{protocol.blood_value * 0.55:.0f}"
    ds.WindowWidth = f"{protocol.blood_value * 1.1:.0f}"
    if plan.gated:
        ds.HeartRate = f"{heart_rate:.0f}"
        ds.NominalInterval = f"{60000.0 / heart_rate:.0f}"
        ds.CardiacNumberOfImages = len(plan.phases) if plan.kind.value.endswith("cine") else 1


def _file_meta(sop_class: UID, sop_uid: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "CMRSEARCH_SYNTH"
    return meta


def _encode(ds: Dataset, pixels: np.ndarray, syntax: UID) -> None:
    """Store pixel data with the series' transfer syntax (compressing when asked)."""
    if pixels.ndim == 3 and pixels.shape[0] == 1:
        pixels = pixels[0]
    if syntax in (RLELossless, JPEG2000Lossless):
        ds.compress(syntax, pixels, encoding_plugin="pylibjpeg", generate_instance_uid=False)
        return
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    ds.file_meta.TransferSyntaxUID = syntax


def _save(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    implicit = ds.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
    # The file meta is complete already (see _file_meta), so skip pydicom's copy-and-fill step.
    ds.preamble = b"\x00" * 128
    ds.save_as(path, enforce_file_format=False, implicit_vr=implicit, little_endian=True)


UidFactory = Callable[[str], str]
FileNamer = Callable[[int], str]


def _base(who: StudyIdentity, protocol: Protocol, plan: SeriesPlan, series_uid: str,
          heart_rate: float) -> Dataset:
    base = Dataset()
    _patient_study(base, who, protocol)
    _mr_series(base, who, protocol, plan, series_uid, heart_rate)
    return base


def _image_type(plan: SeriesPlan) -> list[str]:
    if plan.kind is SeriesKind.T1_MAP:
        return ["ORIGINAL", "PRIMARY", "M", "MOLLI"]
    if plan.kind is SeriesKind.LOCALIZER:
        return ["ORIGINAL", "PRIMARY", "LOCALIZER", "NONE"]
    return ["ORIGINAL", "PRIMARY", "M", "NONE"]


def write_classic_series(folder: Path, who: StudyIdentity, protocol: Protocol, plan: SeriesPlan,
                         pixels: np.ndarray, heart_rate: float, uid: UidFactory, name: FileNamer,
                         drop_trigger_time: bool = False) -> list[Path]:
    """One MR Image Storage file per image; returns the paths written."""
    series_uid = uid(f"series{plan.series_number}")
    base = _base(who, protocol, plan, series_uid, heart_rate)
    rr = 60000.0 / heart_rate
    paths = []
    n_phases = len(plan.phases)
    for index in range(plan.n_images):
        plane = plan.planes[index // n_phases]
        k = index % n_phases
        sop_uid = uid(f"sop{plan.series_number}.{index}")
        ds = Dataset()
        for element in base:
            ds.add(element)
        ds.file_meta = _file_meta(MRImageStorage, sop_uid)
        ds.SOPClassUID = MRImageStorage
        ds.SOPInstanceUID = sop_uid
        ds.ImageType = _image_type(plan)
        ds.InstanceNumber = index + 1
        ds.AcquisitionNumber = 1
        ds.ImagePositionPatient = _ds(plane.position)
        ds.ImageOrientationPatient = _ds([*plane.row_dir, *plane.col_dir])
        ds.PixelSpacing = _ds([plane.spacing, plane.spacing])
        ds.SliceLocation = f"{float(plane.position @ plane.normal):.4g}"
        if plan.gated and not drop_trigger_time:
            ds.TriggerTime = f"{plan.phases[k] * rr:.1f}"
        if plan.inversion_times_ms is not None:
            ds.InversionTime = f"{plan.inversion_times_ms[k]:.0f}"
        _encode(ds, pixels[index], plan.transfer_syntax)
        path = folder / name(index + 1)
        _save(ds, path)
        paths.append(path)
    return paths


def _item(**values: object) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


def write_enhanced_series(folder: Path, who: StudyIdentity, protocol: Protocol, plan: SeriesPlan,
                          pixels: np.ndarray, heart_rate: float, uid: UidFactory,
                          name: FileNamer) -> list[Path]:
    """All images of the series in one Enhanced MR Image Storage file with functional groups."""
    series_uid = uid(f"series{plan.series_number}")
    sop_uid = uid(f"sop{plan.series_number}.enhanced")
    ds = _base(who, protocol, plan, series_uid, heart_rate)
    for keyword in ("SliceThickness", "SpacingBetweenSlices", "WindowCenter", "WindowWidth"):
        if keyword in ds:
            del ds[keyword]
    ds.file_meta = _file_meta(ENHANCED_MR_IMAGE_STORAGE, sop_uid)
    ds.SOPClassUID = ENHANCED_MR_IMAGE_STORAGE
    ds.SOPInstanceUID = sop_uid
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.InstanceNumber = 1
    ds.NumberOfFrames = plan.n_images
    ds.ContentQualification = "PRODUCT"
    first = plan.planes[0]
    measures = _item(PixelSpacing=_ds([first.spacing, first.spacing]),
                     SliceThickness=f"{plan.slice_thickness_mm:.1f}")
    if len(plan.planes) > 1:
        step = float(np.linalg.norm(plan.planes[1].position - plan.planes[0].position))
        measures.SpacingBetweenSlices = f"{step:.4g}"
    shared = _item(
        PixelMeasuresSequence=Sequence([measures]),
        PlaneOrientationSequence=Sequence([_item(
            ImageOrientationPatient=_ds([*first.row_dir, *first.col_dir]))]),
        FrameVOILUTSequence=Sequence([_item(WindowCenter=f"{protocol.blood_value * 0.55:.0f}",
                                            WindowWidth=f"{protocol.blood_value * 1.1:.0f}")]),
        PixelValueTransformationSequence=Sequence([_item(
            RescaleIntercept="0", RescaleSlope="1", RescaleType="US")]),
    )
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.DimensionOrganizationSequence = Sequence([_item(DimensionOrganizationUID=uid("dimorg"))])
    ds.DimensionIndexSequence = Sequence([
        _item(DimensionIndexPointer=0x00209057, FunctionalGroupPointer=0x00209111),
        _item(DimensionIndexPointer=0x00209153, FunctionalGroupPointer=0x00189118),
    ])
    rr = 60000.0 / heart_rate
    frames = []
    n_phases = len(plan.phases)
    for index in range(plan.n_images):
        plane, k = plan.planes[index // n_phases], index % n_phases
        s = index // n_phases
        content = _item(StackID="1", InStackPositionNumber=s + 1, TemporalPositionIndex=k + 1,
                        DimensionIndexValues=[s + 1, k + 1])
        frame = _item(FrameContentSequence=Sequence([content]),
                      PlanePositionSequence=Sequence([_item(
                          ImagePositionPatient=_ds(plane.position))]))
        if plan.gated:
            frame.CardiacSynchronizationSequence = Sequence([_item(
                NominalCardiacTriggerDelayTime=round(plan.phases[k] * rr, 1))])
        if plan.inversion_times_ms is not None:
            frame.MRModifierSequence = Sequence([_item(
                InversionRecovery="YES", InversionTimes=[float(plan.inversion_times_ms[k])])])
        frames.append(frame)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    _encode(ds, pixels, plan.transfer_syntax)
    path = folder / name(1)
    _save(ds, path)
    return [path]


_SR_SECTIONS = (
    ("121060", "History"),
    ("121064", "Current Procedure Descriptions"),
    ("121070", "Findings"),
    ("121072", "Impressions"),
)


def _code(value: str, meaning: str, scheme: str = "DCM") -> Dataset:
    return _item(CodeValue=value, CodingSchemeDesignator=scheme, CodeMeaning=meaning)


def write_text_sr(path: Path, who: StudyIdentity, protocol: Protocol, sections: list[str],
                  uid: UidFactory, series_number: int) -> Path:
    """The report as DICOM Basic Text SR: history, technique, findings, impressions."""
    if len(sections) != len(_SR_SECTIONS):
        raise ValueError(f"a text SR needs {len(_SR_SECTIONS)} sections, got {len(sections)}")
    sop_uid = uid("sr")
    ds = Dataset()
    _patient_study(ds, who, protocol)
    ds.file_meta = _file_meta(BASIC_TEXT_SR_STORAGE, sop_uid)
    ds.SOPClassUID = BASIC_TEXT_SR_STORAGE
    ds.SOPInstanceUID = sop_uid
    ds.Modality = "SR"
    ds.SeriesInstanceUID = uid("srseries")
    ds.SeriesNumber = series_number
    ds.SeriesDescription = "Cardiac MRI report"
    ds.InstanceNumber = 1
    ds.ContentDate = _da(who.study_date)
    ds.ContentTime = who.study_time
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "Diagnostic Imaging Report", "LN")])
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.ReferencedPerformedProcedureStepSequence = Sequence([])
    ds.PerformedProcedureCodeSequence = Sequence([])
    items = []
    for (code, meaning), text in zip(_SR_SECTIONS, sections, strict=True):
        items.append(_item(RelationshipType="CONTAINS", ValueType="TEXT",
                           ConceptNameCodeSequence=Sequence([_code(code, meaning)]),
                           TextValue=text))
    ds.ContentSequence = Sequence(items)
    _save(ds, path)
    return path
