"""Reading studies for segmentation and writing masks aligned to them.

The only module of this package that touches the reader (`reader.*`): an
ACDC-style NIfTI folder or a DICOM study becomes a `SaxStudy` (short-axis phases as
(slices, rows, cols) arrays with their geometry) and masks go back out as NIfTI files with the
input's shape and affine.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from pydicom import dcmread

from cmr_search.vocab import View
from reader.nifti import is_acdc_patient
from reader.scan import ScanResult, Study, scan_archive
from reader.series import unplaced_frame
from reader.stack import PixelError, Stack, load_stack, voxel_problem

logger = logging.getLogger(__name__)


class StudyReadError(ValueError):
    """A study that cannot be segmented; the message names the file or folder and the reason."""


@dataclass
class SaxStudy:
    """Short-axis cine of one study, slices base to apex where the geometry says so.

    `phases[k]` is (slices, rows, cols), counted from its signal floor (`from_floor`);
    `spacing_mm` the (row, column) pixel size;
    `slice_spacing_mm` the distance between slice centres; `affines[k]` maps the voxel
    (row, col, slice) of phase k to RAS millimetres (for writing aligned masks).
    """

    study_id: str
    phases: list[np.ndarray]
    frame_numbers: list[int]
    spacing_mm: tuple[float, float]
    slice_spacing_mm: float
    affines: list[np.ndarray]
    names: list[str]
    height_cm: float | None = None
    weight_kg: float | None = None
    ed_hint: int | None = None  # frame number the source calls end-diastole
    es_hint: int | None = None
    geometry_known: bool = False
    headers: list[Any] = field(default_factory=list)
    # DICOM only: the SliceThickness (mm) and the distance between each two neighbouring slice
    # centres (mm, base to apex), for the QC of gaps in the stack (`segment.qc.gap_flags`)
    slice_thickness_mm: float | None = None
    slice_steps_mm: tuple[float, ...] = ()
    # every phase from one file (an ACDC-style 4D cine): one 4D mask is written, named after it
    one_file: bool = False
    # (file, why) for each file of the folder left out: the command names each one
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.phases or len(self.phases) != len(self.frame_numbers):
            raise ValueError(f"{self.study_id}: one frame number per phase, at least one phase")
        problem = geometry_problem(self.phases, self.spacing_mm, self.slice_spacing_mm)
        if problem:
            raise StudyReadError(f"{self.study_id}: {problem}")
        self.height_cm, self.weight_kg = body_size(self.height_cm, self.weight_kg)
        self.phases = [from_floor(phase) for phase in self.phases]


# The percentiles of a phase's pixels taken as its signal floor (the air around the body and in
# the lungs, a large share of any cine's field) and its bright end (blood).
FLOOR_PERCENTILE, BRIGHT_PERCENTILE = 0.5, 99.5
# A magnitude image is never negative, and its air reads zero or a little above: ACDC's cines,
# as distributed, up to 12 % of the range from the floor to the bright end (patient046: 24 of
# 227). A floor below zero, or over this share of that range, is an offset the image was given
# after the scanner (z-scored, a constant subtracted or added, saved as floats).
MAGNITUDE_FLOOR_SHARE = 0.25


def from_floor(phase: np.ndarray) -> np.ndarray:
    """`phase` counted from its signal floor where it carries an offset no magnitude image
    has (`MAGNITUDE_FLOOR_SHARE`); the same array, untouched, where it does not.

    A rule that compares intensities with a share of the blood's (`segment.infer`'s RV blood
    check: a region under half the LV blood is not RV) counts from zero, as a magnitude image
    does: the same images with an offset (z-scored, or 100 subtracted, saved as floats) lost
    RV at end-systole (patient001's RVESV 102.3 ml read 85.0), and at -5000 the whole RV. Every
    other step is indifferent to the offset and to a positive scale (the network's input is
    each slice between its own percentiles; the other rules compare blood with wall). A
    magnitude image's own floor is left alone: counted from it, the RV of ACDC patient010
    (floor 7 of 243, its RV blood half as bright as its LV's) read 218.6 ml, not 251.5 (experts
    261.8). Each phase is judged alone: each of a NIfTI study's frame files can carry its own.
    """
    floor, bright = (float(x) for x in np.percentile(phase, [FLOOR_PERCENTILE,
                                                              BRIGHT_PERCENTILE]))
    if 0.0 <= floor <= MAGNITUDE_FLOOR_SHARE * (bright - floor):
        return phase
    return np.asarray(phase, dtype=np.result_type(phase.dtype, np.float32)) - floor


# A body size outside these (a preterm infant to the tallest adult) is a typing or unit error
# (a height in mm, a weight in g): the study is still measured, without a body surface area
# (QC flag `no_body_size`), as one without a height.
HEIGHT_CM = (30.0, 250.0)
WEIGHT_KG = (0.4, 350.0)
MIN_FIELD_MM = 50.0  # a short-axis image holds the heart (about 100 mm across) and more


def geometry_problem(phases: list[np.ndarray], spacing_mm: tuple[float, float],
                     slice_spacing_mm: float) -> str | None:
    """Why these short-axis phases cannot be segmented and measured, or None: phases of
    different shapes, a single slice, a voxel size no cardiac MR image has
    (`reader.stack.voxel_problem`), or a field too small to hold a heart."""
    shape = phases[0].shape
    if any(phase.shape != shape for phase in phases):
        shapes = sorted({str(phase.shape) for phase in phases})
        return f"the phases differ in shape ({', '.join(shapes)})"
    if len(shape) != 3 or shape[0] < 2:
        return f"the short-axis cine has a single slice (shape {shape})"
    problem = voxel_problem(spacing_mm, slice_spacing_mm)
    if problem:
        return problem
    field = min(shape[1] * spacing_mm[0], shape[2] * spacing_mm[1])
    if field < MIN_FIELD_MM:
        return (f"the image covers {field:.0f} mm, too small for a heart (at least "
                f"{MIN_FIELD_MM:g} mm)")
    return None


def body_size(height_cm: float | None,
              weight_kg: float | None) -> tuple[float | None, float | None]:
    """Height (cm) and weight (kg), each None where absent or outside `HEIGHT_CM` and
    `WEIGHT_KG` (a warning names the field, never the value nor the study: an upload's UID is
    not de-identified; the study's QC flag `no_body_size` tells which)."""
    kept: list[float | None] = []
    for value, bounds, name in ((height_cm, HEIGHT_CM, "height"),
                                (weight_kg, WEIGHT_KG, "weight")):
        plausible = value is None or (math.isfinite(value) and bounds[0] <= value <= bounds[1])
        if not plausible:
            logger.warning("a study's %s is not within %g to %g; measured without a body "
                           "surface area", name, *bounds)
        kept.append(value if plausible else None)
    return kept[0], kept[1]


def write_mask(path: Path, mask: np.ndarray, study: SaxStudy, phase: int) -> None:
    """Write a (slices, rows, cols) mask, or every phase's ((phases, slices, rows, cols), for a
    study read from one 4D file), with the input's voxel order, shape, affine, units and
    qform/sform codes. A DICOM study's mask has its scanner coordinates (code 1) in mm and ms;
    a NIfTI input whose spatial unit is unknown (ACDC's) says mm, as it was read."""
    order = (1, 2, 0) if mask.ndim == 3 else (2, 3, 1, 0)
    data = np.ascontiguousarray(np.transpose(mask.astype(np.uint8), order))
    header = study.headers[phase].copy() if study.headers else None
    image = nib.Nifti1Image(data, study.affines[phase], header)  # type: ignore[no-untyped-call]
    image.set_data_dtype(np.uint8)  # type: ignore[no-untyped-call]
    image.header["scl_slope"], image.header["scl_inter"] = 1.0, 0.0
    if header is None:  # from DICOM: the affine is the scanner's patient coordinates
        image.set_qform(study.affines[phase], code=1)  # type: ignore[no-untyped-call]
        image.set_sform(study.affines[phase], code=1)  # type: ignore[no-untyped-call]
        image.header.set_xyzt_units("mm", "msec")  # type: ignore[no-untyped-call]
    else:
        space, time = image.header.get_xyzt_units()  # type: ignore[no-untyped-call]
        image.header.set_xyzt_units("mm" if space == "unknown" else space, time)  # type: ignore[no-untyped-call]
    nib.save(image, str(path))


def _stack_affine(stack: Stack) -> np.ndarray:
    """Voxel (row, col, slice) to RAS mm for a DICOM stack (LPS flipped to RAS)."""
    spacing = (stack.positions[-1] - stack.positions[0]) / max(len(stack.positions) - 1, 1)
    if len(stack.positions) == 1:
        spacing = stack.normal * 1.0
    lps = np.eye(4)
    lps[:3, 0] = stack.col_dir * stack.spacing[0]
    lps[:3, 1] = stack.row_dir * stack.spacing[1]
    lps[:3, 2] = spacing
    lps[:3, 3] = stack.positions[0]
    return np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps


def _body_size(path: Path) -> tuple[float | None, float | None]:
    """PatientSize (m, returned in cm) and PatientWeight (kg) from one file of the study."""
    try:
        ds = dcmread(path, stop_before_pixels=True, force=True,  # bare datasets, as read
                     specific_tags=["PatientSize", "PatientWeight"])
    except Exception:
        logger.debug("no body size in %s", path, exc_info=True)
        return None, None
    values: list[float | None] = []
    for keyword, scale in (("PatientSize", 100.0), ("PatientWeight", 1.0)):
        try:  # each on its own: a damaged height must not lose a good weight
            value = ds.get(keyword)
            # zero is how many exports leave the field empty; other values go to `body_size`
            values.append(float(value) * scale if value else None)
        except (TypeError, ValueError):
            logger.warning("%s is not a number; measured without a body surface area",
                           keyword)  # the field, never its value: uploads are not de-identified
            values.append(None)
    return values[0], values[1]


def sax_from_stack(study_id: str, stack: Stack, body_file: Path | None = None,
                   source: str = "") -> SaxStudy:
    """Every phase of a short-axis cine stack (slices base to apex); height and weight from
    the DICOM file `body_file` when given. `source` names the study in errors."""
    stack = stack.base_to_apex()
    if stack.images.shape[0] < 2:
        raise StudyReadError(f"{source or study_id}: the short-axis cine has a single slice")
    if stack.images.shape[1] < 2:  # a volume is not a cycle: no end-systole, no EF
        raise StudyReadError(f"{source or study_id}: the short-axis cine has a single phase")
    steps = np.linalg.norm(np.diff(stack.positions, axis=0), axis=1)
    step = float(np.median(steps))
    n_frames = stack.images.shape[1]
    phases = [stack.images[:, k] for k in range(n_frames)]
    problem = geometry_problem(phases, stack.spacing, step)
    if problem:  # the slice step comes from ImagePositionPatient
        raise StudyReadError(f"{source or study_id}: {problem}")
    affine = _stack_affine(stack)
    height, weight = _body_size(body_file) if body_file is not None else (None, None)
    return SaxStudy(
        study_id, phases, list(range(1, n_frames + 1)), stack.spacing, step,
        [affine] * n_frames, [f"sax_cine_frame{k + 1:02d}" for k in range(n_frames)],
        height, weight, geometry_known=True, slice_thickness_mm=stack.slice_thickness_mm,
        slice_steps_mm=tuple(float(x) for x in steps))


def _why_no_sax(folder: Path, study: Study, scanned: ScanResult) -> str:
    """What the study holds instead, in one line: " (12 files read: 8 lge_sax, 4 not
    recognised; 1 skipped: not DICOM)". Each unrecognised series and skipped file goes to the
    log, named inside `folder` (one error line per skipped file buried the reason under
    hundreds of lines; an export's folder names often carry the patient's ID)."""
    files: Counter[str] = Counter()
    for series in study.series:
        view = study.views[series.series_instance_uid]
        paths = {f.path for s in series.slices for f in s.frames}
        files["not recognised" if view is View.OTHER else view.value] += len(paths)
        if view is View.OTHER:  # the series number, not its description: not yet de-identified
            first = series.slices[0].frames[0] if series.slices and series.slices[0].frames \
                else None
            orientation = "" if first is None or first.image_orientation is not None \
                else ", no ImageOrientationPatient"
            logger.info("not recognised: series %s (%d slices x %d phases%s)",
                        series.series_number, series.n_slices, series.n_phases, orientation)
    for skipped in scanned.skipped:
        path = Path(skipped.path)
        shown = path.relative_to(folder) if path.is_relative_to(folder) else path.name
        logger.debug("skipped %s: %s", shown, skipped.reason)
    read = sum(files.values())
    parts = [f"{read} files read" + (": " + ", ".join(
        f"{n} {view}" for view, n in sorted(files.items(), key=lambda x: (-x[1], x[0])))
        if read else "")]
    if scanned.skipped:
        reasons = scanned.skipped_by_reason().most_common()
        parts.append(f"{len(scanned.skipped)} skipped: " + ", ".join(
            reason if len(reasons) == 1 else f"{n} {reason}"
            for reason, n in reasons))
    return f" ({'; '.join(parts)})"


SHOWN_SKIPS = 20  # skipped files the command names one a line after a study segmented


def read_dicom(folder: Path) -> SaxStudy:
    """Every phase of the first short-axis cine series of the one study below `folder`."""
    scanned = scan_archive(folder)
    if not scanned.studies and any(folder.glob("*.nii.gz")):  # NIfTI, not DICOM
        raise StudyReadError(f"{folder / 'Info.cfg'}: missing or not a file; an ACDC-style "
                             "NIfTI folder needs it (ED and ES frame numbers, height, weight)")
    if not scanned.studies:
        # a dataset's root given where one patient was meant
        patient = next((p.parent for p in sorted(folder.rglob("Info.cfg"))
                        if is_acdc_patient(p.parent)), None)
        hint = (f" (it holds ACDC-style patient folders such as {patient}: give one)"
                if patient else "")
        raise StudyReadError(f"{folder}: no DICOM study with a cine series{hint}")
    if len(scanned.studies) > 1:  # measuring the first would be a guess
        raise StudyReadError(f"{folder}: holds {len(scanned.studies)} studies; give one "
                             "study's folder")
    study = scanned.studies[0]
    sax = sorted(study.series_for(View.SAX_CINE), key=lambda s: -s.n_slices)
    if not sax:
        raise StudyReadError(f"{folder}: no short-axis cine series"
                             f"{_why_no_sax(folder, study, scanned)}")
    unplaced = unplaced_frame(sax[0])
    if unplaced is not None:
        raise StudyReadError(f"{unplaced}: no ImagePositionPatient; the short-axis slices "
                             "cannot be placed")
    try:
        stack = load_stack(sax[0])
    except PixelError as error:  # one line naming the file, as every other bad input
        raise StudyReadError(str(error)) from error
    read = sax_from_stack(study.study_instance_uid, stack, sax[0].slices[0].frames[0].path,
                          str(folder))
    read.skipped = [(s.path, s.reason) for s in scanned.skipped]
    return read


def read_lge(folder: Path) -> Stack | None:
    """The short-axis LGE stack of the one study below `folder` (the series with the most
    slices), or None when it has none."""
    scanned = scan_archive(folder)
    series = [s for st in scanned.studies for s in st.series_for(View.LGE_SAX)]
    if not series:
        return None
    try:
        return load_stack(max(series, key=lambda s: s.n_slices))
    except PixelError as error:
        raise StudyReadError(str(error)) from error


def read_study(path: Path) -> SaxStudy:
    """An ACDC-style patient folder or a DICOM study folder."""
    if not path.exists():
        raise StudyReadError(f"{path}: no such file or folder")
    if path.is_dir() and is_acdc_patient(path):
        from segment.acdc import read_acdc  # it builds on this module

        return read_acdc(path)
    if path.is_dir():
        return read_dicom(path)
    raise StudyReadError(f"{path}: give a study folder (DICOM or ACDC-style NIfTI)")


def bsa_m2(height_cm: float | None, weight_kg: float | None) -> float | None:
    """Mosteller body surface area (m2), or None without a plausible height and weight."""
    if height_cm is None or weight_kg is None or not (
            math.isfinite(height_cm) and HEIGHT_CM[0] <= height_cm <= HEIGHT_CM[1]
            and math.isfinite(weight_kg) and WEIGHT_KG[0] <= weight_kg <= WEIGHT_KG[1]):
        return None
    return math.sqrt(height_cm * weight_kg / 3600.0)
