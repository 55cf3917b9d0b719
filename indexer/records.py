"""Embedding records: one file per study and model, the durable result of the expensive stages.

A record holds the study's vectors, its payload and its raw zero-shot scores. Records are written
atomically (temporary file, then rename) and named `<study uid>__<fingerprint>.npz`, so listing a
folder tells which studies are embedded and whether their files changed, without reading them.
Publishing an index only reads records; a crash loses at most the study being written.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from catalog import StudyPayload
from cmrclip.clips import UNREADABLE

# what a record holds that is not a record: a cut zip, bad JSON, a payload no release wrote
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError)

logger = logging.getLogger(__name__)
# TypeError: a record written with other fields than MeasurementRecord has now
_UNREADABLE_RECORD: tuple[type[Exception], ...] = (*UNREADABLE, TypeError)

_SEP = "__"


@dataclass
class EmbeddingRecord:
    study_instance_uid: str
    fingerprint: str
    vectors: dict[str, np.ndarray]  # name -> float32 (dim,), L2-normalised
    payload: StudyPayload
    raw_scores: dict[str, float] = field(default_factory=dict)  # finding -> pos - w x neg cosine
    # payload fields a newer release wrote, which this one does not know: written back as
    # they were (a rollback that rewrote a record lost them for good)
    unknown: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.study_instance_uid or _SEP in self.study_instance_uid:
            raise ValueError(f"invalid Study Instance UID {self.study_instance_uid!r}")
        if not self.fingerprint.isalnum():
            raise ValueError(f"invalid fingerprint {self.fingerprint!r}")


def _fingerprints(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for entry in folder.glob(f"*/*{_SEP}*.npz"):
        if entry.name.endswith(".partial.npz"):
            continue
        uid, fingerprint = entry.name[:-4].rsplit(_SEP, 1)
        out[uid] = fingerprint
    return out


class _RecordFolder:
    """Records of one model (its key) under a root, one `<uid>__<fingerprint>.npz` a study,
    written whole or not at all, the older version of a changed study removed."""

    def __init__(self, root: Path, model_key: str) -> None:
        self.folder = root / model_key

    def _path(self, uid: str, fingerprint: str) -> Path:
        return self.folder / uid[-2:] / f"{uid}{_SEP}{fingerprint}.npz"

    def fingerprints(self) -> dict[str, str]:
        """Study UID -> fingerprint of every record on disk."""
        return _fingerprints(self.folder)

    def _write(self, uid: str, fingerprint: str, meta: dict[str, Any],
               arrays: dict[str, Any], compressed: bool = False) -> None:
        path = self._path(uid, fingerprint)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial.npz")
        with tmp.open("wb") as handle:
            save = np.savez_compressed if compressed else np.savez
            save(handle, meta=np.array(json.dumps(meta)), **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
        for stale in path.parent.glob(f"{uid}{_SEP}*.npz"):
            if stale != path:  # an older version of a changed study
                stale.unlink(missing_ok=True)


class RecordStore(_RecordFolder):
    """Records of one model (its identity key) under DATA_DIR/embeddings/<key>/."""

    def __init__(self, root: Path, model_key: str) -> None:
        super().__init__(root, model_key)
        self.unreadable: list[str] = []  # the studies whose records `all` found damaged
        self._damaged: list[Path] = []

    def put(self, record: EmbeddingRecord) -> None:
        meta = {"payload": {**record.unknown, **record.payload.as_payload()},
                "raw_scores": record.raw_scores}
        self._write(record.study_instance_uid, record.fingerprint, meta,
                    {f"v_{k}": v.astype(np.float32) for k, v in record.vectors.items()})

    def get(self, uid: str, fingerprint: str) -> EmbeddingRecord:
        path = self._path(uid, fingerprint)
        with path.open("rb") as handle, np.load(handle) as data:  # closed if damaged too
            meta = json.loads(str(data["meta"]))
            vectors = {k[2:]: np.asarray(data[k]) for k in data.files if k.startswith("v_")}
        # a field a newer release added is left out, not a reason to refuse the record: a
        # release rolled back to found every record unreadable and published an empty index
        fields = StudyPayload.model_fields
        known = {k: v for k, v in meta["payload"].items() if k in fields}
        unknown = {k: v for k, v in meta["payload"].items() if k not in fields}
        return EmbeddingRecord(uid, fingerprint, vectors, StudyPayload.model_validate(known),
                               meta["raw_scores"], unknown)

    def all(self, uids: dict[str, str] | None = None) -> Iterator[EmbeddingRecord]:
        """Every record (or those of `uids`: uid -> fingerprint). A damaged one is skipped and
        listed in `unreadable` (`set_aside` then renames it). A file that cannot be read now
        (an I/O error, a permission) is no damage: OSError, and the run publishes nothing."""
        chosen = self.fingerprints() if uids is None else uids  # {} is none: it was all
        for uid, fingerprint in sorted(chosen.items()):
            try:
                yield self.get(uid, fingerprint)
            except _DAMAGED as error:  # pydantic's errors are ValueErrors
                logger.warning("embedding record of %s damaged (%s)", uid, type(error).__name__)
                if uid not in self.unreadable:
                    self.unreadable.append(uid)
                    self._damaged.append(self._path(uid, fingerprint))

    def set_aside(self, whole: Iterable[str] = ()) -> None:
        """The damaged records `all` found renamed `.damaged`: the next run of their archive
        embeds those studies again (left, each was "unchanged" for ever). Only once a run
        publishes without them: one that refuses to publish finds them again next time.

        The `.damaged` records earlier runs set aside of the studies in `whole` (those whose
        records `all` read whole in this run) are removed: such a study was embedded again,
        and left, each one stayed for good. One of a study not embedded again since (it
        failed, or left the archive) stays, for whoever looks into what damaged it."""
        for path in self._damaged:
            if path.is_file():
                path.replace(path.with_suffix(".damaged"))
        self._damaged.clear()
        mended = set(whole) - set(self.unreadable)
        stale = [path for path in self.folder.glob(f"*/*{_SEP}*.damaged")
                 if path.name.rsplit(_SEP, 1)[0] in mended] if mended else []
        for path in stale:
            path.unlink(missing_ok=True)
        if stale:
            logger.info("%d damaged embedding records set aside by earlier runs removed: "
                        "their studies are embedded again", len(stale))

    def drop(self, uid: str) -> None:
        for path in self.folder.glob(f"{uid[-2:]}/{uid}{_SEP}*.npz"):
            path.unlink(missing_ok=True)


@dataclass
class MeasurementRecord:
    """One study's segmentation result: measurements with QC flags, the LV and RV volume
    curves over the cycle, and label crops aligned with the cine player's frames.

    `status` is "measured", or "failed" with `error` saying why in one line (the study is
    indexed all the same, by its images and report). `values` hold the measurements by
    `cmr_search.vocab.Measure` name (None where not measurable); `flags` the QC flags of each;
    `overlays` player slot -> (frames, rows, cols) uint8 `Structure` codes.
    """

    study_instance_uid: str
    fingerprint: str
    model: str
    status: str = "measured"
    error: str = ""
    values: dict[str, float | None] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)
    study_flags: list[str] = field(default_factory=list)
    lv_curve_ml: list[float] = field(default_factory=list)
    rv_curve_ml: list[float] = field(default_factory=list)
    ed: int = 0
    es: int = 0
    interval_ms: float = 0.0
    seconds: float = 0.0
    overlays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.status == "measured"

    def meta(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "overlays"}


class MeasurementStore(_RecordFolder):
    """Measurement records of one segmentation model under DATA_DIR/measurements/<key>/,
    named and replaced like the embedding records (`<uid>__<fingerprint>.npz`)."""

    def put(self, record: MeasurementRecord) -> None:
        self._write(record.study_instance_uid, record.fingerprint, record.meta(),
                    {f"o_{k}": v.astype(np.uint8) for k, v in record.overlays.items()},
                    compressed=True)

    def get(self, uid: str, fingerprint: str, overlays: bool = True) -> MeasurementRecord:
        with self._path(uid, fingerprint).open("rb") as handle, np.load(handle) as data:
            meta = json.loads(str(data["meta"]))
            found = {k[2:]: np.asarray(data[k]) for k in data.files
                     if overlays and k.startswith("o_")}
        return MeasurementRecord(**meta, overlays=found)

    def find(self, uid: str, fingerprint: str | None = None,
             overlays: bool = True) -> MeasurementRecord | None:
        """The study's record (of that fingerprint, or whichever is on disk), or None."""
        if fingerprint is None:
            found = list(self.folder.glob(f"{uid[-2:]}/{uid}{_SEP}*.npz"))
            names = [p.name[:-4].rsplit(_SEP, 1) for p in found if ".partial" not in p.name]
            if not names:
                return None
            fingerprint = names[0][1]
        try:
            return self.get(uid, fingerprint, overlays)
        except _UNREADABLE_RECORD as error:
            logger.debug("measurement record of %s unreadable: %s", uid, error)
            return None
