"""Pixels of one series as a 4D stack (slice, frame, row, column) with its geometry and timing."""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom import dcmread

from reader.headers import FrameHeader, tolerant_reading, transfer_syntax
from reader.series import Series

logger = logging.getLogger(__name__)

# Anatomical direction from base to apex in patient (LPS) coordinates, for supine head-first
# patients: the apex points left, anterior and inferior.
APEX_DIRECTION = np.array([0.62, -0.5, -0.6]) / np.linalg.norm([0.62, -0.5, -0.6])
# Voxel sizes (mm) any cardiac MR image has, far wider than practice (pixels 0.6 to 3 mm,
# short-axis slices 6 to 14 mm apart): outside them the header is damaged or mistaken.
PIXEL_MM = (0.1, 10.0)
SLICE_MM = (0.5, 40.0)


def voxel_problem(pixel_mm: tuple[float, ...], slice_mm: float | None = None) -> str | None:
    """Why (`pixel_mm` row and column spacing, `slice_mm` distance between slices) cannot be a
    cardiac MR image's voxel, or None. Trusted, a 50 mm pixel is resampled to a 1.2 mm grid
    thousands of pixels wide (minutes a slice), a NaN one fails deep in the network, and a
    500 mm slice step measures litres of LV."""
    low, high = PIXEL_MM
    if not all(math.isfinite(v) and low <= v <= high for v in pixel_mm):
        shown = " x ".join(f"{v:g}" for v in pixel_mm)
        return f"pixel spacing {shown} mm is not within {low:g} to {high:g} mm"
    low, high = SLICE_MM
    if slice_mm is not None and not (math.isfinite(slice_mm) and low <= slice_mm <= high):
        return f"slice spacing {slice_mm:g} mm is not within {low:g} to {high:g} mm"
    return None


class PixelError(ValueError):
    """Pixel data that cannot be decoded; the message names the file and the reason."""


class UndecodableError(PixelError):
    """One file whose pixels cannot be decoded at all (none stored, a cut compressed frame):
    `load_stack` leaves it out as a missing frame, as the scan leaves out a cut plain one."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


@dataclass(frozen=True)
class Stack:
    """Images (slices, frames, rows, cols) as float32 with the geometry to place them.

    `positions` are the centres of each slice's first pixel (mm, patient coordinates);
    `row_dir` and `col_dir` are unit vectors along a row and down a column; `spacing` is
    (row spacing, column spacing) in mm; `times_ms` are trigger times per frame; `rr_ms` the
    cardiac cycle length; `slice_thickness_mm` the slices' SliceThickness (None where the
    headers do not give it).
    """

    images: np.ndarray
    positions: np.ndarray
    row_dir: np.ndarray
    col_dir: np.ndarray
    spacing: tuple[float, float]
    times_ms: np.ndarray
    rr_ms: float
    slice_thickness_mm: float | None = None

    def __post_init__(self) -> None:
        if self.images.ndim != 4:
            raise ValueError(f"stack images must be 4D, got shape {self.images.shape}")
        if len(self.positions) != self.images.shape[0]:
            raise ValueError("one position per slice")
        if len(self.times_ms) != self.images.shape[1]:
            raise ValueError("one time per frame")
        if min(self.spacing) <= 0 or self.rr_ms <= 0:
            raise ValueError("spacing and cycle length must be positive")

    @property
    def normal(self) -> np.ndarray:
        return np.asarray(np.cross(self.row_dir, self.col_dir))

    def to_patient(self, slice_index: int, row: float, col: float) -> np.ndarray:
        return np.asarray(self.positions[slice_index] + col * self.spacing[1] * self.row_dir
                          + row * self.spacing[0] * self.col_dir)

    def base_to_apex(self) -> Stack:
        """The same stack with slice 0 at the base (apex is left, anterior, inferior)."""
        if len(self.positions) < 2:
            return self
        if float((self.positions[-1] - self.positions[0]) @ APEX_DIRECTION) >= 0:
            return self
        return Stack(self.images[::-1], self.positions[::-1], self.row_dir, self.col_dir,
                     self.spacing, self.times_ms, self.rr_ms, self.slice_thickness_mm)


def _cycle_ms(series: Series, times: list[float]) -> float:
    frame = series.slices[0].frames[0]
    if frame.nominal_interval:
        return float(frame.nominal_interval)
    if frame.heart_rate:
        return 60000.0 / float(frame.heart_rate)
    if len(times) > 1 and times[-1] > 0:
        return float(times[-1] * len(times) / (len(times) - 1))
    return 1000.0


def _decoded(path: Path) -> tuple[np.ndarray, bool]:
    """The pixels of one file, negated when it is MONOCHROME1 (the lowest value white), and
    whether they were: `load_stack` moves a negated series back to start at zero."""
    try:
        with tolerant_reading():
            ds = dcmread(path, force=True)  # the header reader let bare datasets through
            syntax = transfer_syntax(ds)
            if syntax is not None and "TransferSyntaxUID" not in ds.file_meta:
                ds.file_meta.TransferSyntaxUID = syntax
            samples = int(ds.get("SamplesPerPixel", 1) or 1)
            photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
            if samples != 1:
                raise PixelError(f"{path}: a colour image ({samples} samples per pixel, "
                                 f"{photometric or 'no PhotometricInterpretation'}), not an MR "
                                 "magnitude image")
            if not len(ds):  # pydicom gives up on a file that ends inside an element of
                # undefined length, compressed frames' mostly: the scan read its header whole
                raise UndecodableError(path, "truncated pixel data")
            if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
                raise UndecodableError(path, "no pixel data (a header-only instance)")
            pixels = np.asarray(ds.pixel_array)
    except PixelError:
        raise
    except Exception as error:
        raise UndecodableError(path, "pixel data cannot be decoded "
                               f"({type(error).__name__})") from error
    if photometric == "MONOCHROME1":  # measured as stored, blood was dark (LVEDV 123 not 133)
        return np.negative(pixels, dtype=np.float32), True
    return pixels, False


def _read_pixels(path: Path, frame_index: int | None,
                 cache: dict[Path, tuple[np.ndarray, bool]]) -> tuple[np.ndarray, bool]:
    if path not in cache:
        cache[path] = _decoded(path)
        # Float Pixel Data can hold NaN or infinity (integer pixel data cannot); one such
        # pixel turns a whole normalised image, its embedding and its measurements into NaN
        bad = int(np.count_nonzero(~np.isfinite(cache[path][0])))
        if bad:
            raise PixelError(f"{path}: {bad} of {cache[path][0].size} pixels are not finite "
                             "numbers (NaN or infinity); the image is damaged")
    pixels, negated = cache[path]
    if frame_index is None or pixels.ndim == 2:  # a one-frame multi-frame file decodes as 2D
        return pixels, negated
    return np.asarray(pixels[frame_index]), negated


def _reference_times(series: Series, n_frames: int) -> list[float | None]:
    """Trigger times (ms) of the middle-most slice with the series' number of frames (or,
    when frames were capped, with at least that many): a slice short of frames does not
    cover the cycle, one with an extra frame has another step."""
    middle = len(series.slices) // 2
    exact = [i for i, s in enumerate(series.slices) if len(s.frames) == n_frames]
    candidates = exact or [i for i, s in enumerate(series.slices) if len(s.frames) >= n_frames]
    timed = min(candidates, key=lambda i: abs(i - middle))
    return [f.trigger_time for f in series.slices[timed].frames[:n_frames]]


def _phase_frames(times: list[float | None], reference: list[float | None]) -> list[int]:
    """For each phase of `reference`, which of a slice's frames (trigger times `times`) shows
    it when the slice has another number of frames than the series: the nearest in time, so a
    frame lost or added mid-cycle (a missing or duplicated instance) does not shift every
    later one by a phase. Without distinct times, the frames keep their order and the last is
    repeated."""
    stamps = [t for t in times if t is not None]
    wanted = [t for t in reference if t is not None]
    if len(stamps) < len(times) or len(set(stamps)) < len(stamps) \
            or len(wanted) < len(reference) or len(set(wanted)) < len(wanted):
        return [min(k, len(times) - 1) for k in range(len(reference))]
    at = np.asarray(stamps, dtype=float)
    return [int(np.argmin(np.abs(at - t))) for t in wanted]


def _orientation(first: FrameHeader) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Row and column directions of the series and its pixel spacing (mm), each checked."""
    if first.image_orientation is None or first.pixel_spacing is None:
        missing = [name for name, value in (("ImageOrientationPatient", first.image_orientation),
                                            ("PixelSpacing", first.pixel_spacing))
                   if value is None]  # the one that is missing, not "A or B"
        raise PixelError(f"{first.path}: no {' and no '.join(missing)}")
    problem = voxel_problem(tuple(float(v) for v in first.pixel_spacing))
    if problem:
        raise PixelError(f"{first.path}: PixelSpacing: {problem}")
    row_dir, col_dir = np.split(np.asarray(first.image_orientation, dtype=float), 2)
    if not (np.allclose(np.linalg.norm([row_dir, col_dir], axis=1), 1.0, atol=0.01)
            and abs(float(row_dir @ col_dir)) < 0.01):  # every position and volume rests on it
        raise PixelError(f"{first.path}: ImageOrientationPatient is not two perpendicular unit "
                         "vectors")
    return row_dir, col_dir, (float(first.pixel_spacing[0]), float(first.pixel_spacing[1]))


# More than this share of a slice's frames undecodable is a codec or an export that fails,
# not a frame or two cut in transfer: the series is refused rather than filled in
_MAX_UNDECODABLE = 0.5


def _timed(frames: list[FrameHeader]) -> bool:
    """Whether `frames` have distinct trigger times: a lost frame is then filled from its
    nearest neighbour in time; without them every later phase would move up one."""
    times = [f.trigger_time for f in frames]
    return None not in times and len(set(times)) == len(times)


def _decodable_frames(series: Series, n_frames: int, capped: bool,
                      cache: dict[Path, tuple[np.ndarray, bool]]) -> list[list[FrameHeader]]:
    """Each slice's frames (its first `n_frames` when `capped`) whose pixels decode, decoded
    into `cache`. A file that does not decode (a compressed one cut short, which the scan's
    size check cannot judge) is a missing frame, as a cut plain file the scan left out: its
    slice's phases are filled from the nearest frames in time, and the log names its file
    (its name only: folders can carry a patient's ID). Raised, one such file lost the whole
    series, and a study its short-axis measurements. A file holding every frame says so
    (`_file_lost`); a series where none decodes keeps that file's reason; one with a slice
    that lost over `_MAX_UNDECODABLE` of its frames, or lost any in a slice without distinct
    trigger times, is refused (counted over the series, a slice could keep one frame of 25
    and show it in every phase)."""
    kept: list[list[FrameHeader]] = []
    failed: dict[Path, UndecodableError] = {}
    refused: str | None = None
    # frames per file: those read here (the first `n_frames` of each slice when capped), and
    # all it holds
    used = Counter(f.path for slice_ in series.slices
                   for f in (slice_.frames[:n_frames] if capped else slice_.frames))
    held = Counter(f.path for slice_ in series.slices for f in slice_.frames)
    what = "cine" if series.n_phases > 1 else "series"  # an LGE stack is no cine
    for s, slice_ in enumerate(series.slices):
        frames = slice_.frames[:n_frames] if capped else slice_.frames
        good = []
        for frame in frames:
            if frame.path not in failed:
                try:
                    _read_pixels(frame.path, frame.frame_index, cache)
                except UndecodableError as error:
                    failed[frame.path] = error
                    _file_lost(error, f"slice {s + 1} of {series.n_slices}", (used, held),
                               what)
            if frame.path not in failed:
                good.append(frame)
        lost = len(frames) - len(good)
        if lost and refused is None and (lost > _MAX_UNDECODABLE * len(frames)
                                         or not _timed(frames)):
            why = "no distinct trigger times to fill it from" if _timed(frames) is False \
                and lost <= _MAX_UNDECODABLE * len(frames) else "too many to fill in"
            refused = (f"slice {s + 1} of {series.n_slices}: {lost} of {len(frames)} frames "
                       f"cannot be decoded ({why})")
        kept.append(good)
    if not failed:
        return kept
    first = next(iter(failed.values()))
    if not any(kept):
        raise first
    if refused is not None:
        raise PixelError(f"{first}; {refused}")
    return kept


def _file_lost(error: UndecodableError, where: str,
               frames: tuple[Counter[Path], Counter[Path]], what: str = "cine") -> None:
    """Say that a file does not decode, by how many of the series' frames it holds (`frames`:
    per file, those read and all it holds; more when the frames read are capped). One frame
    is left out and filled in, the log its only trace; the frames of a multi-frame file are
    left out together. A file holding every frame read (an Enhanced MR file: one per cine) is
    the whole series lost: refused here, once, naming the file ("slice 1 of 8: IM_0001: ...;
    left out as a missing frame" was logged, and then the cine was dropped). `what` names the
    series ("cine"; an LGE stack's file was said to hold "the whole cine")."""
    used, held = frames
    count = held[error.path]
    if used[error.path] == sum(used.values()) and used[error.path] > 1:
        raise PixelError(f"{error.path}: {error.why}; the file holds the whole {what}, and "
                         f"all {count} of its frames are unreadable, so the {what} is left out")
    # the log names the slice, not the file: a file's name can be the patient's ID
    if count == 1:
        logger.warning("%s: a file does not decode (%s); left out as a missing frame", where,
                       error.why)
    else:
        logger.warning("%s: a file does not decode (%s); the %d frames it holds are left out "
                       "as missing frames", where, error.why, count)


def load_stack(series: Series, max_frames: int | None = None) -> Stack:
    """Decode a series into a stack; a slice with another number of frames than the series
    (or frames that cannot be decoded, `_decodable_frames`) has each phase taken from its
    nearest frame in time (`_phase_frames`)."""
    n_frames = series.n_phases if max_frames is None else min(series.n_phases, max_frames)
    first = series.slices[0].frames[0]
    row_dir, col_dir, spacing = _orientation(first)
    cache: dict[Path, tuple[np.ndarray, bool]] = {}
    images = np.zeros((series.n_slices, n_frames, first.rows, first.columns), dtype=np.float32)
    raw_times = _reference_times(series, n_frames)
    positions, negated = [], False
    readable = _decodable_frames(series, n_frames, max_frames is not None, cache)
    for s, frames in enumerate(readable):
        chosen = list(range(n_frames))
        if len(frames) != n_frames:
            chosen = _phase_frames([f.trigger_time for f in frames], raw_times)
            logger.warning("slice %d of %d has %d frames where the series has %d; each "
                           "phase is taken from its nearest frame in time", s + 1,
                           series.n_slices, len(frames), n_frames)
        for k, j in enumerate(chosen):
            pixels, flipped = _read_pixels(frames[j].path, frames[j].frame_index, cache)
            if pixels.shape != images.shape[2:]:
                raise PixelError(f"{frames[j].path}: image size {pixels.shape} differs from "
                                 "the series")
            images[s, k], negated = pixels, negated or flipped
        positions.append(frames[0].image_position or (0.0, 0.0, 0.0))
    if negated:  # MONOCHROME1, negated: back to start at zero, as signal does
        images -= images.min()
    if images.size and float(images.min()) == float(images.max()):
        raise PixelError(f"{first.path}: every pixel of the series is {float(images.min()):g}; "
                         "there is no image to measure")
    rr = _cycle_ms(series, [t for t in raw_times if t is not None])
    if any(t is None for t in raw_times) or len(set(raw_times)) < len(raw_times):
        times = np.arange(n_frames) * rr / max(n_frames, 1)  # order only: spread evenly
    else:
        times = np.asarray(raw_times, dtype=float)
    return Stack(images, np.asarray(positions, dtype=float), row_dir, col_dir, spacing, times,
                 rr, _thickness_mm([frames[0] for frames in readable]))


def _thickness_mm(firsts: list[FrameHeader]) -> float | None:
    """The median SliceThickness (mm) of the slices' first frames that give a positive,
    finite one; None where none does."""
    given = [f.slice_thickness for f in firsts
             if f.slice_thickness is not None and math.isfinite(f.slice_thickness)
             and f.slice_thickness > 0]
    return float(np.median(given)) if given else None
