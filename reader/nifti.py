"""Research datasets in NIfTI: the ACDC layout (patientNNN/Info.cfg with 4D or ED/ES volumes).

ACDC volumes carry no patient orientation (their affines are near identity), so slices are
taken in file order, which in ACDC runs from base to apex; an ED/ES pair is a two-phase cine.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from nibabel.openers import ImageOpener

from reader.locate import heart_center
from reader.stack import Stack, voxel_problem
from reader.views import StudyStacks

_ASSUMED_RR_MS = 1000.0  # ACDC gives frame numbers, not times
# NIfTI's spatial units (xyzt_units); "unknown" is read as mm, as ACDC's files are written
_MM_PER_UNIT = {"meter": 1000.0, "mm": 1.0, "micron": 0.001}


def quiet_nibabel_header_fixes() -> None:
    """nibabel logs each fix it makes to a header it loads (a zero pixdim set to 1 mm) through
    a stderr handler of its own and again through the root logger: two lines of noise before
    the reader's own one-line error, which checks what it uses from the header as written
    (`voxel_mm`). Only nibabel's errors are kept, once. Process-wide: entry points call it."""
    nibabel_logger = logging.getLogger("nibabel.global")
    for handler in list(nibabel_logger.handlers):
        nibabel_logger.removeHandler(handler)
    nibabel_logger.setLevel(logging.ERROR)


class NiftiError(ValueError):
    """A research study that cannot be read; the message names the file and the reason."""


@dataclass(frozen=True)
class AcdcStudy:
    patient_id: str
    folder: Path
    group: str
    ed_frame: int  # 1-based, as in Info.cfg
    es_frame: int
    n_frames: int
    height_cm: float
    weight_kg: float
    file_prefix: str = ""  # what the volumes' names begin with, when not the folder's name

    @property
    def study_instance_uid(self) -> str:
        return f"acdc-{self.patient_id}"

    def volume(self, suffix: str) -> Path:
        """One of its volumes: "frame01" -> patient001_frame01.nii.gz."""
        return self.folder / f"{self.file_prefix or self.patient_id}_{suffix}.nii.gz"


def is_acdc_patient(folder: Path) -> bool:
    return (folder / "Info.cfg").is_file() and any(folder.glob("*.nii.gz"))


def stray_nifti(path: Path) -> str | None:
    """Why a file of NIfTI's names (.nii, .nii.gz), or an Info.cfg, that no ACDC-style
    patient folder holds is left out, as `segment` says it; None for any other file. Such a
    file was skipped as "not DICOM (.gz file)", which named no fix."""
    name = path.name.lower()
    if name == "info.cfg":
        return "Info.cfg without NIfTI volumes (.nii.gz) beside it"
    if not name.endswith((".nii", ".nii.gz")):
        return None
    if not (path.parent / "Info.cfg").is_file():
        return "NIfTI without Info.cfg beside it; an ACDC-style NIfTI folder needs it"
    return "uncompressed NIfTI (.nii); an ACDC-style folder's volumes are read as .nii.gz"


def holds_research_studies(root: Path, looked_at: int = 200) -> bool:
    """Whether `root` is a research dataset (ACDC-style patients in it, or one level down),
    from at most `looked_at` folders: nothing of a hospital's is to be written into one."""
    seen = 0
    for level in (root, *sorted(p for p in root.iterdir() if p.is_dir())[:10]):
        for folder in (p for p in level.iterdir() if p.is_dir()):
            if is_acdc_patient(folder):
                return True
            seen += 1
            if seen >= looked_at:
                return False
    return False


_VOLUME_NAME = re.compile(r"(.+)_(?:frame\d\d|4d)\.nii\.gz")


def _file_prefix(folder: Path) -> str:
    """The name the volumes carry ("patient001" of patient001_frame01.nii.gz): the folder's
    own name as ACDC writes it, else the one name the volumes share (a copied or renamed
    folder was read as holding no frame at all)."""
    names = {m.group(1) for p in folder.glob("*.nii.gz") if (m := _VOLUME_NAME.fullmatch(p.name))}
    return names.pop() if folder.name not in names and len(names) == 1 else folder.name


_INFO_FRAMES = {"ED": "end-diastole", "ES": "end-systole"}  # Info.cfg's required fields


def _info_number(values: dict[str, str], key: str, info_path: Path,
                 whole: bool = False) -> float:
    """One number of Info.cfg; `NiftiError` naming the field and what is wrong with it
    ("unreadable Info.cfg (ValueError)" left the reader to guess which of six fields). An
    optional field (height, weight, frame count) absent or empty reads 0."""
    value = values.get(key, "")
    if not value:
        if key in _INFO_FRAMES:
            raise NiftiError(f"{info_path}: no {key} (the {_INFO_FRAMES[key]} frame number)")
        return 0.0
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        shown = repr(value[:20] + ("..." if len(value) > 20 else ""))
        kind = "a whole number" if whole else "a number"
        raise NiftiError(f"{info_path}: {key} {shown} is not {kind}") from None
    return float(number)


def read_info(folder: Path) -> AcdcStudy:
    info_path = folder / "Info.cfg"
    try:
        text = info_path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        why = getattr(error, "strerror", None) or type(error).__name__
        raise NiftiError(f"{info_path}: cannot be read as text ({why})") from error
    values = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in
                                                 text.splitlines() if ":" in line)}
    # the folder names the study (two copies are two folders, not one study read twice);
    # the volumes are found by the names they carry
    ed, es, frames = (int(_info_number(values, key, info_path, whole=True))
                      for key in ("ED", "ES", "NbFrame"))
    return AcdcStudy(folder.name, folder, values.get("Group", ""), ed, es, frames,
                     _info_number(values, "Height", info_path),
                     _info_number(values, "Weight", info_path), _file_prefix(folder))


# A cine volume's pixels as float32 at most: ACDC's largest 4D volume is under 100 MB
MAX_VOLUME_BYTES = 2 * 2**30


def finite_pixels(data: np.ndarray, path: Path) -> np.ndarray:
    """`data`, refused when any pixel is NaN or infinite: float NIfTI can hold them (a failed
    reconstruction or conversion), and one such pixel turns a whole slice's normalised image,
    and every measurement and embedding drawn from it, into NaN."""
    bad = int(np.count_nonzero(~np.isfinite(data)))
    if bad:
        raise NiftiError(f"{path}: {bad} of {data.size} pixels are not finite numbers "
                         "(NaN or infinity); the volume is damaged")
    return data


def _not_blank(data: np.ndarray, path: Path) -> np.ndarray:
    """`data`, refused when every voxel holds one value (all 0: an export that wrote no
    pixels, or a mask's template saved as the image): the network finds no heart in it, and
    the study was measured as LVEDV 0 ml, flagged, instead of being refused."""
    if data.size and float(data.min()) == float(data.max()):
        raise NiftiError(f"{path}: the image is blank (every voxel {float(data.min()):g})")
    return data


# a label map's values (ACDC's ground truth: 0 background, 1 RV, 2 myocardium, 3 LV cavity):
# at most this many distinct whole numbers, none above `_LABEL_MAX`; an image has hundreds
_LABEL_VALUES = 8
_LABEL_MAX = 15


def _not_label_map(data: np.ndarray, path: Path) -> np.ndarray:
    """`data`, refused when its voxels hold only a handful of small whole numbers: a label
    map (patient001_frame01_gt.nii.gz) saved under an image's name was measured as an image
    (LVEDV 273.9 ml, LVEF 21.9 %, no flag). A strided sample tells most images apart before
    the whole volume is sorted."""
    sample = data.ravel()[::max(1, data.size // 100_000)]
    if np.unique(sample).size > _LABEL_VALUES:
        return data
    values = np.unique(data)
    if values.size > _LABEL_VALUES or not np.array_equal(values, np.round(values)) \
            or values.min() < 0:
        return data
    # a label map saved for viewing is stretched to 8 bits from its background of 0: its codes
    # times one step up to 255 (a 0/255 mask, 0/85/170/255); read as an image, a 0/255 mask of
    # the heart was segmented and measured
    step = float(values[1]) if values.max() == 255 and values[0] == 0 else 1.0
    codes = values / step
    if not np.array_equal(codes, np.round(codes)) or codes.max() > _LABEL_MAX:
        return data
    said = ", ".join(f"{v:g}" for v in values)
    raise NiftiError(f"{path}: looks like a label map (values {said}), not an image")


def _slices_on_third_axis(shape: tuple[int, ...], voxel: tuple[float, float, float],
                          path: Path) -> None:
    """Refuse a volume whose short-axis slices lie on its first or second axis (a volume
    saved (slices, x, y)): read as (x, y, slices) it was measured as nonsense (LVEDV 0.7 ml,
    mass 0 g) after 45 s of segmenting 216 "slices" of 10 x 256 pixels. Slices are the
    few, thick ones: an axis counts as the slice axis when its voxels are much thicker than
    the third axis' (`voxel` in mm) and fewer, or as thick and far fewer."""
    for axis in (0, 1):
        thicker = voxel[axis] >= 1.5 * voxel[2] and shape[axis] < shape[2]
        fewer = voxel[axis] >= voxel[2] and 4 * shape[axis] <= shape[2]
        if thicker or fewer:
            raise NiftiError(
                f"{path}: slices appear to lie on axis {axis + 1} ({shape[axis]} of "
                f"{voxel[axis]:g} mm), not on axis 3 ({shape[2]} of {voxel[2]:g} mm); an "
                "ACDC-style volume has its short-axis slices on the third axis")


def _frames_not_blank(data: np.ndarray, path: Path) -> None:
    """Refuse a 4D cine (x, y, slices, frames) in which some frames are blank (every voxel one
    value: an export that wrote no pixels for them): the whole cine is read, so the volume
    curve, the end-systole and the clips would take a blank frame for the heart (a wholly
    blank file was refused, one with blank frames measured). Frames are numbered from 1, as
    Info.cfg numbers them."""
    low, high = data.min(axis=(0, 1, 2)), data.max(axis=(0, 1, 2))
    blank = np.flatnonzero(low == high)
    if not blank.size:
        return
    values = {float(v) for v in low[blank]}
    value = f"every voxel {values.pop():g}" if len(values) == 1 else "each one value throughout"
    raise NiftiError(f"{path}: blank frames in the 4D cine: {_numbers(blank + 1)} of "
                     f"{data.shape[3]} ({value}); a cine with blank frames gives no volume "
                     "curve")


def _numbers(numbers: np.ndarray) -> str:
    """Ascending whole numbers with their runs as ranges: "2-5, 9 and 12"."""
    runs: list[list[int]] = []
    for n in (int(v) for v in numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    said = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"


def _unreadable(path: Path, error: Exception) -> NiftiError:
    """A NIfTI file nibabel cannot read, said as what is wrong where it is known: a cut file
    said "cannot read NIfTI (EOFError)", and an index run counted it as "NiftiError"."""
    if isinstance(error, EOFError):  # gzip's stream, or the pixels, end early
        return NiftiError(f"{path}: truncated NIfTI (the file ends early)")
    return NiftiError(f"{path}: cannot read NIfTI ({type(error).__name__})")


def read_volume(path: Path) -> tuple[np.ndarray, Any]:
    """The pixels (float32, every one finite, not all one value) of a NIfTI image file, and
    the loaded image (affine, header); `NiftiError` naming the file when it cannot be read,
    is damaged, is blank or is a label map."""
    try:
        image: Any = nib.load(path)
    except Exception as error:
        raise _unreadable(path, error) from error
    if image.get_data_dtype().kind == "c":  # casting would drop the imaginary part silently
        raise NiftiError(f"{path}: complex pixels (a phase or raw image), not a magnitude cine")
    # the header's shape is checked before any pixel is read: 100 MB of gzipped zeros
    # declaring 512 x 512 x 100 x 1000 asked for 100 GB and killed the server
    declared = 4 * int(np.prod([int(n) for n in image.shape], dtype=np.int64))
    if declared > MAX_VOLUME_BYTES:
        raise NiftiError(f"{path}: the header declares {tuple(image.shape)} pixels "
                         f"({declared / 2**30:.1f} GiB as float32), more than a cine's "
                         f"{MAX_VOLUME_BYTES / 2**30:.0f} GiB")
    try:
        data = np.asarray(image.dataobj, dtype=np.float32)
    except Exception as error:
        raise _unreadable(path, error) from error
    return _not_label_map(_not_blank(finite_pixels(data, path), path), path), image


def voxel_mm(image: Any, path: Path) -> tuple[float, float, float]:
    """(row, column, slice) voxel size in mm from the header's pixdim, the field ACDC fills
    (its affines are identity), in the spatial unit xyzt_units names (mm when it names
    none); `NiftiError` naming the file when a size is zero, not a number or not a cardiac
    MR image's (`reader.stack.voxel_problem`). nibabel reads a zero pixdim as 1 mm with only
    a warning, which would scale every volume silently."""
    try:  # the header as written: nibabel's loaded one has a zero pixdim already set to 1
        with ImageOpener(str(path)) as handle:
            written = type(image.header).from_fileobj(handle, check=False)
        to_mm = _MM_PER_UNIT.get(written.get_xyzt_units()[0], 1.0)
        row, col, step = (abs(float(v)) * to_mm
                          for v in np.asarray(written["pixdim"], float)[1:4])
    except Exception as error:
        raise NiftiError(f"{path}: cannot read the NIfTI header "
                         f"({type(error).__name__})") from error
    problem = voxel_problem((row, col), step)
    if problem:
        raise NiftiError(f"{path}: pixdim: {problem}")
    return row, col, step


@dataclass(frozen=True)
class FrameVolume:
    """One ACDC frame volume: pixels (x, y, slices), the loaded image, voxel size (mm)."""

    path: Path
    data: np.ndarray
    image: Any
    voxel_mm: tuple[float, float, float]


def frame_volumes(study: AcdcStudy, numbers: list[int]) -> list[FrameVolume]:
    """The frame volumes `numbers` (ED first) of an ACDC patient, each checked (`_volume`),
    all of the ED volume's shape and voxel size; `NiftiError` naming the file otherwise."""
    volumes: list[FrameVolume] = []
    for number in numbers:
        path = study.volume(f"frame{number:02d}")
        if not path.exists():
            raise NiftiError(f"{path}: missing frame volume named in Info.cfg")
        data, image = read_volume(path)
        if data.ndim != 3 or not all(data.shape):
            raise NiftiError(f"{path}: expected a 3D volume (x, y, slices), got shape "
                             f"{data.shape}")
        volume = FrameVolume(path, data, image, voxel_mm(image, path))
        _slices_on_third_axis(data.shape, volume.voxel_mm, path)
        if volumes and volume.data.shape != volumes[0].data.shape:
            raise NiftiError(f"{path}: shape {data.shape} differs from the ED volume's "
                             f"{volumes[0].data.shape}")
        if volumes and volume.voxel_mm != volumes[0].voxel_mm:
            raise NiftiError(f"{path}: voxel {volume.voxel_mm} mm differs from the ED "
                             f"volume's {volumes[0].voxel_mm}")
        volumes.append(volume)
    return volumes


def load_acdc_stack(study: AcdcStudy) -> Stack:
    """The short-axis cine of one ACDC patient: all frames if a 4D file exists, else ED and ES."""
    four_d = study.volume("4d")
    n_frames = max(study.n_frames, study.es_frame, 1)
    rr = _ASSUMED_RR_MS
    if four_d.exists():
        data, image = read_volume(four_d)
        if data.ndim != 4 or not all(data.shape):
            raise NiftiError(f"{four_d}: expected a 4D volume (x, y, slices, frames), got "
                             f"shape {data.shape}")
        _frames_not_blank(data, four_d)
        zooms = voxel_mm(image, four_d)
        _slices_on_third_axis(data.shape, zooms, four_d)
        images = np.transpose(data, (2, 3, 0, 1))
        times = np.arange(images.shape[1]) * rr / images.shape[1]
    else:
        volumes = frame_volumes(study, [study.ed_frame, study.es_frame])
        zooms = volumes[0].voxel_mm
        images = np.stack([np.transpose(v.data, (2, 0, 1)) for v in volumes], axis=1)
        times = np.array([0.0, (study.es_frame - study.ed_frame) % n_frames * rr / n_frames])
    positions = np.array([[0.0, 0.0, -k * zooms[2]] for k in range(images.shape[0])])
    return Stack(images, positions, np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]),
                 (zooms[0], zooms[1]), times, rr)


def acdc_stacks(study: AcdcStudy) -> StudyStacks:
    """The views of an ACDC patient: the short-axis cine only, in file order (base first)."""
    stack = load_acdc_stack(study)
    notes = ["ACDC NIfTI: no orientation; slices in file order (base first)"]
    if stack.images.shape[1] == 2:  # the player's 16 frames looked like an acquired cine
        notes.append(f"ACDC NIfTI: only end-diastole and end-systole (frames {study.ed_frame} "
                     f"and {study.es_frame} of {study.n_frames}); the frames between them are "
                     "interpolated, and the timing is not the patient's")
    return StudyStacks(study.study_instance_uid, stack,
                       heart_center(stack, stack.images.shape[0] // 2), [study.study_instance_uid],
                       notes=notes)


def find_acdc(root: Path) -> list[AcdcStudy]:
    """Every ACDC patient folder below `root`."""
    folders = [root] if is_acdc_patient(root) else sorted(
        p.parent for p in root.rglob("Info.cfg") if is_acdc_patient(p.parent))
    return [read_info(folder) for folder in folders]
