"""The model's input: per-view clips over one cardiac cycle, resampled, cropped and normalised.

`ClipSpec` is the versioned preprocessing contract, stored with the index; change any field and
the version (derived from the fields) changes, so old caches and indexes are not reused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter, map_coordinates

from indexer.stack import Stack

CINE_SLOTS = ("sax_basal", "sax_mid", "sax_apical", "2ch", "3ch", "4ch", "lvot")
STILL_SLOTS = ("lge_sax", "lge_lax")
# Where along the short-axis stack (fraction from base to apex) each SAX slot sits.
SAX_LEVELS = {"sax_basal": 0.2, "sax_mid": 0.5, "sax_apical": 0.8}


@dataclass(frozen=True)
class ClipSpec:
    """Preprocessing of a study into clips.

    frames: clip length over one cardiac cycle (resampled in time); size: clip width and height
    in pixels; pixel_mm: resampled pixel size (mm); stills: LGE images per still slot;
    percentiles: robust intensity window mapped to [0, 1].
    """

    frames: int = 16
    size: int = 96
    pixel_mm: float = 1.6
    stills: int = 3
    percentiles: tuple[float, float] = (1.0, 99.0)
    name: str = "cmr-clip-v1"

    def __post_init__(self) -> None:
        if self.frames < 2 or self.size < 16 or self.pixel_mm <= 0 or self.stills < 1:
            raise ValueError(f"invalid clip spec: {self}")
        if not 0 <= self.percentiles[0] < self.percentiles[1] <= 100:
            raise ValueError(f"percentiles must increase within [0, 100]: {self.percentiles}")

    @property
    def version(self) -> str:
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()
        return f"{self.name}-{digest[:10]}"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "version": self.version}


@dataclass
class StudyClips:
    """Clips of one study: cine (slot, T, H, W) and stills (slot, K, H, W), float16 in [0, 1].

    `cine_present` / `stills_present` mark which slots hold real data (missing views are zeros).
    """

    study_instance_uid: str
    spec_version: str
    cine: np.ndarray
    cine_present: np.ndarray
    stills: np.ndarray
    stills_present: np.ndarray
    frame_interval_ms: float = 0.0
    notes: list[str] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez_compressed(partial, cine=self.cine, cine_present=self.cine_present,
                            stills=self.stills, stills_present=self.stills_present,
                            meta=np.array(json.dumps({
                                "study_instance_uid": self.study_instance_uid,
                                "spec_version": self.spec_version,
                                "frame_interval_ms": self.frame_interval_ms,
                                "notes": self.notes})))
        partial.replace(path)  # never leave a half-written cache entry behind

    @classmethod
    def load(cls, path: Path) -> StudyClips:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            return cls(meta["study_instance_uid"], meta["spec_version"], data["cine"],
                       data["cine_present"], data["stills"], data["stills_present"],
                       meta["frame_interval_ms"], meta["notes"])


def empty_clips(uid: str, spec: ClipSpec) -> StudyClips:
    s = spec.size
    return StudyClips(
        uid, spec.version,
        np.zeros((len(CINE_SLOTS), spec.frames, s, s), dtype=np.float16),
        np.zeros(len(CINE_SLOTS), dtype=bool),
        np.zeros((len(STILL_SLOTS), spec.stills, s, s), dtype=np.float16),
        np.zeros(len(STILL_SLOTS), dtype=bool))


def heart_center(stack: Stack, slice_index: int) -> np.ndarray:
    """Patient position (mm) of the heart in one slice: where the image changes over the cycle.

    Falls back to the image centre for stills or when nothing moves.
    """
    images = stack.images[slice_index]
    rows, cols = images.shape[1:]
    if images.shape[0] > 1:
        scale = np.percentile(images, 99) + 1e-6
        motion = gaussian_filter(np.std(images / scale, axis=0), sigma=2.0)
        # the chest wall moves a little with breathing artefacts; the heart moves most
        threshold = np.percentile(motion, 98.5)
        r, c = np.nonzero(motion >= threshold)
        if r.size and motion.max() > 1e-3:
            weights = motion[r, c]
            return stack.to_patient(slice_index, float(np.average(r, weights=weights)),
                                    float(np.average(c, weights=weights)))
    return stack.to_patient(slice_index, (rows - 1) / 2, (cols - 1) / 2)


def _project(stack: Stack, slice_index: int, point: np.ndarray) -> np.ndarray:
    """`point` moved into the slice's plane."""
    origin = stack.positions[slice_index]
    n = stack.normal
    return np.asarray(point - float((point - origin) @ n) * n)


def resample_slice(stack: Stack, slice_index: int, center: np.ndarray,
                   spec: ClipSpec) -> np.ndarray:
    """(frames, size, size) crop of one slice around `center`, at `spec.pixel_mm`."""
    half = (spec.size - 1) / 2.0
    offsets = (np.arange(spec.size) - half) * spec.pixel_mm
    d = _project(stack, slice_index, center) - stack.positions[slice_index]
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
