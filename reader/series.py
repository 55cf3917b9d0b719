"""Group images into series, slices and time frames, as the geometry and timing tags say."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reader.headers import FrameHeader

_SLICE_TOLERANCE_MM = 0.5
_PARALLEL_COS = 0.999
_MAJORITY = 0.8  # the share of a series' images one plane must hold to set the rest apart


@dataclass
class Slice:
    """Images at one position, in cardiac order."""

    position_mm: float  # along the series normal
    frames: list[FrameHeader]

    @property
    def trigger_times(self) -> list[float | None]:
        return [f.trigger_time for f in self.frames]


@dataclass
class Series:
    """One series' images ordered along the stack normal (slices) and in time (frames)."""

    series_instance_uid: str
    series_number: int
    series_description: str
    image_type: tuple[str, ...]
    normal: np.ndarray | None
    single_orientation: bool
    slices: list[Slice] = field(default_factory=list)

    @property
    def n_slices(self) -> int:
        return len(self.slices)

    @property
    def n_phases(self) -> int:
        """Images per slice (the most common count)."""
        counts = [len(s.frames) for s in self.slices]
        return max(set(counts), key=counts.count) if counts else 0

    @property
    def n_images(self) -> int:
        return sum(len(s.frames) for s in self.slices)

    @property
    def inversion_times(self) -> list[float]:
        return [f.inversion_time for s in self.slices for f in s.frames
                if f.inversion_time is not None]

    @property
    def inversion_varies(self) -> bool:
        times = self.inversion_times
        return len(times) > 1 and (max(times) - min(times)) > 20.0

    @property
    def slice_spacing_mm(self) -> float | None:
        if self.n_slices < 2:
            return None
        return float(np.median(np.diff([s.position_mm for s in self.slices])))


def _time_key(frame: FrameHeader) -> tuple[float, int]:
    # TriggerTime when there is one; InstanceNumber keeps order when it is missing
    time = frame.trigger_time if frame.trigger_time is not None else float("inf")
    return (time, frame.instance_number)


def _same_orientation(frames: list[FrameHeader]) -> bool:
    normals = [f.normal for f in frames if f.normal is not None]
    if len(normals) < len(frames):
        return False
    first = normals[0]
    return all(abs(float(n @ first)) > _PARALLEL_COS for n in normals)


def stray_orientations(frames: list[FrameHeader]) -> tuple[list[FrameHeader],
                                                            list[FrameHeader]]:
    """(kept, strays): the few images of a series in another plane than nearly all of it (a
    localizer exported under the cine's SeriesInstanceUID) are set apart; kept in, they made
    the whole stack one unplaced "slice" and the study lost its short-axis cine. A series of
    several planes in comparable numbers (a three-plane localizer) is left whole."""
    groups: list[list[FrameHeader]] = []
    for frame in frames:
        if frame.normal is None:
            return frames, []
        group = next((g for g in groups if abs(float(frame.normal @ g[0].normal))
                      > _PARALLEL_COS), None)
        if group is None:
            groups.append([frame])
        else:
            group.append(frame)
    largest = max(groups, key=len) if groups else []
    if len(groups) < 2 or len(largest) < _MAJORITY * len(frames):
        return frames, []
    return largest, [f for g in groups if g is not largest for f in g]


def unplaced_frame(series: Series) -> Path | None:
    """The first image of `series` without ImagePositionPatient, or None. Without it every
    image falls into one "slice" (`assemble_series`), and a short-axis cine reads as a single
    slice: the missing tag is the reason to give."""
    return next((f.path for s in series.slices for f in s.frames if f.image_position is None),
                None)


def assemble_series(frames: list[FrameHeader]) -> Series:
    """Order one series' images: slices by position along the normal, frames by trigger time."""
    first = frames[0]
    single = _same_orientation(frames)
    normal = first.normal if single else None
    series = Series(first.series_instance_uid, first.series_number, first.series_description,
                    first.image_type, normal, single)
    if normal is None or any(f.image_position is None for f in frames):
        # no usable geometry: keep acquisition order as one "slice"
        ordered = sorted(frames, key=lambda f: f.instance_number)
        series.slices = [Slice(0.0, ordered)]
        return series
    by_position: dict[float, list[FrameHeader]] = defaultdict(list)
    for frame in frames:
        where = float(np.asarray(frame.image_position) @ normal)
        key = next((k for k in by_position if abs(k - where) <= _SLICE_TOLERANCE_MM), where)
        by_position[key].append(frame)
    series.slices = [Slice(k, sorted(v, key=_time_key)) for k, v in sorted(by_position.items())]
    return series


def deduplicate(frames: list[FrameHeader]) -> tuple[list[FrameHeader], list[FrameHeader]]:
    """Keep the first image of each SOP Instance UID; return (kept, duplicates)."""
    seen: set[str] = set()
    kept, duplicates = [], []
    for frame in sorted(frames, key=lambda f: str(f.path)):
        if frame.sop_instance_uid in seen:
            duplicates.append(frame)
        else:
            seen.add(frame.sop_instance_uid)
            kept.append(frame)
    return kept, duplicates
