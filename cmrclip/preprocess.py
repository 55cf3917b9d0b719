"""Preprocessing: a study's decoded views become the model's clips (`StudyClips`).

Each cine is cropped around the heart at the spec's pixel size, resampled to the spec's frames
over one cardiac cycle and windowed to [0, 1]; LGE series give `spec.stills` images each. The
same functions crop the previews, so a preview shows what the model sees.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import map_coordinates

from cmr_search.vocab import CINE_SLOTS, LAX_VIEWS, LGE_VIEWS, STILL_SLOTS, ClipSlot, View
from cmrclip.clips import ClipSpec, StudyClips, empty_clips
from reader.locate import project_to_slice
from reader.stack import APEX_DIRECTION, Stack
from reader.views import StudyStacks

# Where along the short-axis stack (fraction from base to apex) each SAX slot sits.
SAX_LEVELS: dict[ClipSlot, float] = {ClipSlot.SAX_BASAL: 0.2, ClipSlot.SAX_MID: 0.5,
                                     ClipSlot.SAX_APICAL: 0.8}


def resample_slice(stack: Stack, slice_index: int, center: np.ndarray,
                   spec: ClipSpec) -> np.ndarray:
    """(frames, size, size) crop of one slice around `center`, at `spec.pixel_mm`."""
    half = (spec.size - 1) / 2.0
    offsets = (np.arange(spec.size) - half) * spec.pixel_mm
    d = project_to_slice(stack, slice_index, center) - stack.positions[slice_index]
    col0 = float(d @ stack.row_dir) / stack.spacing[1]
    row0 = float(d @ stack.col_dir) / stack.spacing[0]
    rr, cc = np.meshgrid(row0 + offsets / stack.spacing[0], col0 + offsets / stack.spacing[1],
                         indexing="ij")
    frames = stack.images[slice_index]
    out = np.empty((frames.shape[0], spec.size, spec.size), dtype=np.float32)
    for k, image in enumerate(frames):
        out[k] = map_coordinates(image, [rr, cc], order=1, mode="constant", cval=0.0)
    return out


def resample_time(clip: np.ndarray, times_ms: np.ndarray, rr_ms: float, n: int) -> np.ndarray:
    """Linear interpolation of frames at `times_ms` to `n` evenly spaced times over the cycle."""
    if clip.shape[0] == 1:
        return np.repeat(clip, n, axis=0)
    order = np.argsort(times_ms)
    t = np.asarray(times_ms, dtype=float)[order] % rr_ms
    frames = clip[order]
    # wrap around: the frame after the last is the first one, one cycle later
    t_ext = np.concatenate([t, [t[0] + rr_ms]])
    targets = np.arange(n) * rr_ms / n
    targets = np.where(targets < t[0], targets + rr_ms, targets)
    upper = np.clip(np.searchsorted(t_ext, targets, side="right"), 1, len(t))
    lower = upper - 1
    span = t_ext[upper] - t_ext[lower]
    w = np.where(span > 0, (targets - t_ext[lower]) / np.where(span > 0, span, 1.0), 0.0)
    nxt = np.where(upper == len(t), 0, upper)
    return np.asarray((1 - w)[:, None, None] * frames[lower] + w[:, None, None] * frames[nxt],
                      dtype=np.float32)


def normalise(clip: np.ndarray, spec: ClipSpec) -> np.ndarray:
    """Robust window: the spec's percentiles map to 0 and 1 (clipped)."""
    lo, hi = np.percentile(clip, spec.percentiles)
    if hi - lo < 1e-6:
        return np.zeros_like(clip, dtype=np.float32)
    return np.asarray(np.clip((clip - lo) / (hi - lo), 0.0, 1.0), dtype=np.float32)


def _cine_clip(stack: Stack, index: int, center: np.ndarray, spec: ClipSpec) -> np.ndarray:
    crop = resample_slice(stack, index, center, spec)
    return normalise(resample_time(crop, stack.times_ms, stack.rr_ms, spec.frames), spec)


def _stills(stacks: list[Stack], spec: ClipSpec, center: np.ndarray,
            basal_to_apical: bool) -> np.ndarray | None:
    """`spec.stills` images spread over every plane of the LGE series (base to apex)."""
    planes = [(stack, k) for stack in stacks for k in range(stack.images.shape[0])]
    if not planes:
        return None
    if basal_to_apical:
        planes.sort(key=lambda p: float(p[0].positions[p[1]] @ APEX_DIRECTION))
    chosen = np.linspace(0.15, 0.85, spec.stills) * (len(planes) - 1) if len(planes) > 1 \
        else np.zeros(spec.stills)
    out = np.stack([resample_slice(planes[round(i)][0], planes[round(i)][1], center,
                                   spec)[0] for i in chosen])
    return normalise(out, spec)


def clips_from_stacks(stacks: StudyStacks, spec: ClipSpec,
                      timings: dict[str, float] | None = None) -> StudyClips:
    """Clips of every view the study has (missing views stay zeros, marked absent).

    `timings` gains resample (s).
    """
    started = time.perf_counter()
    clips = empty_clips(stacks.study_instance_uid, spec)
    sax = stacks.sax
    if sax is not None:  # else the long-axis cines alone (absent slots stay zeros)
        n = sax.images.shape[0]
        for slot, level in SAX_LEVELS.items():
            at = CINE_SLOTS.index(slot)
            clips.cine[at] = _cine_clip(sax, round(level * (n - 1)), stacks.sax_center, spec)
            clips.cine_present[at] = True
    cines = [sax] if sax is not None else [v.stacks[0] for view, v in stacks.views.items()
                                           if view in LAX_VIEWS]
    clips.frame_interval_ms = cines[0].rr_ms / spec.frames if cines else 0.0
    for view, (slot, _) in LAX_VIEWS.items():
        if view in stacks.views:
            lax = stacks.views[view]
            clips.cine[CINE_SLOTS.index(slot)] = _cine_clip(lax.stacks[0], 0, lax.center, spec)
            clips.cine_present[CINE_SLOTS.index(slot)] = True
    for view, (slot, _) in LGE_VIEWS.items():
        if view not in stacks.views:
            continue
        ordered = view is View.LGE_SAX  # short-axis LGE planes run base to apex
        stills = _stills(stacks.views[view].stacks, spec, stacks.sax_center, ordered)
        if stills is not None:
            clips.stills[STILL_SLOTS.index(slot)] = stills
            clips.stills_present[STILL_SLOTS.index(slot)] = True
    clips.notes.extend(stacks.notes)
    clips.cine = clips.cine.astype(np.float16)
    clips.stills = clips.stills.astype(np.float16)
    if timings is not None:
        timings["resample"] = timings.get("resample", 0.0) + time.perf_counter() - started
    return clips


@dataclass(frozen=True)
class Preprocess:
    """The preprocessing a model's input needs: its clip spec, applied to decoded views."""

    spec: ClipSpec

    def __call__(self, stacks: StudyStacks,
                 timings: dict[str, float] | None = None) -> StudyClips:
        return clips_from_stacks(stacks, self.spec, timings)
