"""The model's input: per-view clips over one cardiac cycle, and where they are cached.

`ClipSpec` is the versioned preprocessing contract, stored with the index; change any field and
the version (derived from the fields) changes, so old caches and indexes are not reused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from cmr_search.vocab import CINE_SLOTS, LAX_VIEWS, LGE_VIEWS, SAX_SLOTS, STILL_SLOTS, View

logger = logging.getLogger(__name__)


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
        with partial.open("wb") as handle:
            np.savez_compressed(handle, cine=self.cine, cine_present=self.cine_present,
                                stills=self.stills, stills_present=self.stills_present,
                                meta=np.array(json.dumps({
                                    "study_instance_uid": self.study_instance_uid,
                                    "spec_version": self.spec_version,
                                    "frame_interval_ms": self.frame_interval_ms,
                                    "notes": self.notes})))
            handle.flush()
            os.fsync(handle.fileno())  # a crash leaves the old entry or the new, never half
        partial.replace(path)  # never leave a half-written cache entry behind

    @classmethod
    def load(cls, path: Path) -> StudyClips:
        # our own handle: np.load leaves its file open when the zip is damaged
        with path.open("rb") as handle, np.load(handle) as data:
            meta = json.loads(str(data["meta"]))
            return cls(meta["study_instance_uid"], meta["spec_version"], data["cine"],
                       data["cine_present"], data["stills"], data["stills_present"],
                       meta["frame_interval_ms"], meta["notes"])

    def views_read(self) -> frozenset[View]:
        """The views whose pixels fill a slot: what the model (and a clinician) saw of the
        study. A series the header lists but that could not be decoded is not among them."""
        read = {View.SAX_CINE} if any(self.cine_present[CINE_SLOTS.index(s)]
                                      for s in SAX_SLOTS) else set()
        read |= {v for v, (slot, _) in LAX_VIEWS.items()
                 if self.cine_present[CINE_SLOTS.index(slot)]}
        read |= {v for v, (slot, _) in LGE_VIEWS.items()
                 if self.stills_present[STILL_SLOTS.index(slot)]}
        return frozenset(read)


def empty_clips(uid: str, spec: ClipSpec) -> StudyClips:
    s = spec.size
    return StudyClips(
        uid, spec.version,
        np.zeros((len(CINE_SLOTS), spec.frames, s, s), dtype=np.float16),
        np.zeros(len(CINE_SLOTS), dtype=bool),
        np.zeros((len(STILL_SLOTS), spec.stills, s, s), dtype=np.float16),
        np.zeros(len(STILL_SLOTS), dtype=bool))




# what np.load raises for a damaged .npz: a truncated file is no zip (BadZipFile), an empty
# one ends early (EOFError), a damaged member does not inflate (zlib.error)
UNREADABLE: tuple[type[Exception], ...] = (OSError, ValueError, KeyError, EOFError,
                                           zipfile.BadZipFile, zlib.error)


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
        except UNREADABLE as error:
            logger.warning("clip cache entry %s unreadable (%s); rebuilding", path.name, error)
            return None

    def put(self, clips: StudyClips) -> None:
        clips.save(self.path(clips.study_instance_uid))
