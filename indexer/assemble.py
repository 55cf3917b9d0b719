"""Assemble one scanned study into model clips (and its previews), with a disk cache."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cmr_search.vocab import View
from indexer.clips import (
    CINE_SLOTS,
    SAX_LEVELS,
    STILL_SLOTS,
    ClipSpec,
    StudyClips,
    empty_clips,
    heart_center,
    normalise,
    resample_slice,
    resample_time,
)
from indexer.previews import Preview, preview_key, render_preview
from indexer.scan import Study
from indexer.series import Series
from indexer.stack import APEX_DIRECTION, PixelError, Stack, load_stack

logger = logging.getLogger(__name__)

_LAX_SLOTS = {View.CH2_CINE: "2ch", View.CH3_CINE: "3ch", View.CH4_CINE: "4ch",
              View.LVOT_CINE: "lvot"}
# A long-axis motion centre further than this from the short-axis heart centre is a stray.
_MAX_CENTER_DISAGREEMENT_MM = 45.0


@dataclass
class Assembly:
    clips: StudyClips
    previews: dict[str, Preview] = field(default_factory=dict)


class _Timer:
    def __init__(self, totals: dict[str, float]) -> None:
        self.totals = totals

    def add(self, name: str, started: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - started


def _load(series: Series, timer: _Timer) -> Stack:
    started = time.perf_counter()
    stack = load_stack(series)
    timer.add("pixel_decode", started)
    return stack


def _cine_clip(stack: Stack, index: int, center: np.ndarray, spec: ClipSpec,
               timer: _Timer) -> np.ndarray:
    started = time.perf_counter()
    crop = resample_slice(stack, index, center, spec)
    clip = normalise(resample_time(crop, stack.times_ms, stack.rr_ms, spec.frames), spec)
    timer.add("resample", started)
    return clip


def _lax_center(stack: Stack, sax_center: np.ndarray) -> np.ndarray:
    own = heart_center(stack, 0)
    origin, n = stack.positions[0], stack.normal
    projected = sax_center - float((sax_center - origin) @ n) * n
    return own if float(np.linalg.norm(own - projected)) < _MAX_CENTER_DISAGREEMENT_MM \
        else projected


def _stills(series: list[Series], spec: ClipSpec, center: np.ndarray, timer: _Timer,
            basal_to_apical: bool) -> np.ndarray | None:
    stacks = [_load(s, timer) for s in series]
    planes = [(stack, k) for stack in stacks for k in range(stack.images.shape[0])]
    if not planes:
        return None
    if basal_to_apical:
        planes.sort(key=lambda p: float(p[0].positions[p[1]] @ APEX_DIRECTION))
    chosen = np.linspace(0.15, 0.85, spec.stills) * (len(planes) - 1) if len(planes) > 1 \
        else np.zeros(spec.stills)
    started = time.perf_counter()
    out = np.stack([resample_slice(planes[round(i)][0], planes[round(i)][1], center,
                                   spec)[0] for i in chosen])
    timer.add("resample", started)
    return normalise(out, spec)


def _still_preview(series: list[Series], center: np.ndarray, root: Path, slot: str) -> Preview:
    """The middle image of the first LGE series, as a still."""
    stack = load_stack(series[0])
    middle = stack.images.shape[0] // 2
    return render_preview(stack, middle, center, root,
                          preview_key([series[0].series_instance_uid], slot))


def assemble_study(study: Study, spec: ClipSpec, timings: dict[str, float] | None = None,
                   preview_root: Path | None = None) -> Assembly:
    """Clips of every view a study has; raises PixelError if its short-axis cine is unusable."""
    timer = _Timer(timings if timings is not None else {})
    clips = empty_clips(study.study_instance_uid, spec)
    result = Assembly(clips)
    sax_series = study.series_for(View.SAX_CINE)
    if not sax_series:
        raise PixelError(f"{study.folder}: no short-axis cine")
    sax = _load(max(sax_series, key=lambda s: (s.n_slices, s.n_images)), timer).base_to_apex()
    n = sax.images.shape[0]
    center = heart_center(sax, n // 2)
    for slot, level in SAX_LEVELS.items():
        index = round(level * (n - 1))
        clips.cine[CINE_SLOTS.index(slot)] = _cine_clip(sax, index, center, spec, timer)
        clips.cine_present[CINE_SLOTS.index(slot)] = True
    clips.frame_interval_ms = sax.rr_ms / spec.frames
    if preview_root is not None:
        result.previews["sax"] = render_preview(sax, n // 2, center, preview_root, preview_key(
            [f.sop_instance_uid for f in sax_series[0].slices[0].frames], "sax"))
    for view, slot in _LAX_SLOTS.items():
        series = study.series_for(view)
        if not series:
            continue
        try:
            stack = _load(series[0], timer)
        except PixelError as error:
            clips.notes.append(str(error))
            continue
        lax_center = _lax_center(stack, center)
        clips.cine[CINE_SLOTS.index(slot)] = _cine_clip(stack, 0, lax_center, spec, timer)
        clips.cine_present[CINE_SLOTS.index(slot)] = True
        if preview_root is not None:
            result.previews[slot] = render_preview(
                stack, 0, lax_center, preview_root,
                preview_key([series[0].series_instance_uid], slot))
    for slot, view, ordered in (("lge_sax", View.LGE_SAX, True), ("lge_lax", View.LGE_LAX, False)):
        series = study.series_for(view)
        if not series:
            continue
        try:
            stills = _stills(series, spec, center, timer, ordered)
        except PixelError as error:
            clips.notes.append(str(error))
            continue
        if stills is None:
            continue
        clips.stills[STILL_SLOTS.index(slot)] = stills
        clips.stills_present[STILL_SLOTS.index(slot)] = True
        if preview_root is not None:
            result.previews[slot] = _still_preview(series, center, preview_root, slot)
    clips.cine = clips.cine.astype(np.float16)
    clips.stills = clips.stills.astype(np.float16)
    return result


class ClipCache:
    """Clips on disk, keyed by study UID and spec version; safe to share between runs."""

    def __init__(self, root: Path, spec: ClipSpec) -> None:
        self.folder = root / spec.version
        self.spec = spec

    def path(self, study_instance_uid: str) -> Path:
        return self.folder / f"{study_instance_uid}.npz"

    def get(self, study_instance_uid: str) -> StudyClips | None:
        path = self.path(study_instance_uid)
        if not path.exists():
            return None
        try:
            return StudyClips.load(path)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("clip cache entry %s unreadable (%s); rebuilding", path.name, error)
            return None

    def put(self, clips: StudyClips) -> None:
        clips.save(self.path(clips.study_instance_uid))
