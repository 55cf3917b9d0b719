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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from catalog import StudyPayload

logger = logging.getLogger(__name__)

_SEP = "__"


@dataclass
class EmbeddingRecord:
    study_instance_uid: str
    fingerprint: str
    vectors: dict[str, np.ndarray]  # name -> float32 (dim,), L2-normalised
    payload: StudyPayload
    raw_scores: dict[str, float] = field(default_factory=dict)  # finding -> pos-neg cosine

    def __post_init__(self) -> None:
        if not self.study_instance_uid or _SEP in self.study_instance_uid:
            raise ValueError(f"invalid Study Instance UID {self.study_instance_uid!r}")
        if not self.fingerprint.isalnum():
            raise ValueError(f"invalid fingerprint {self.fingerprint!r}")


class RecordStore:
    """Records of one model (its identity key) under DATA_DIR/embeddings/<key>/."""

    def __init__(self, root: Path, model_key: str) -> None:
        self.folder = root / model_key

    def _path(self, uid: str, fingerprint: str) -> Path:
        return self.folder / uid[-2:] / f"{uid}{_SEP}{fingerprint}.npz"

    def fingerprints(self) -> dict[str, str]:
        """Study UID -> fingerprint of every record on disk."""
        out: dict[str, str] = {}
        if not self.folder.is_dir():
            return out
        for entry in self.folder.glob(f"*/*{_SEP}*.npz"):
            if entry.name.endswith(".partial.npz"):
                continue
            uid, fingerprint = entry.name[:-4].rsplit(_SEP, 1)
            out[uid] = fingerprint
        return out

    def put(self, record: EmbeddingRecord) -> None:
        path = self._path(record.study_instance_uid, record.fingerprint)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial.npz")
        meta = {"payload": record.payload.as_payload(), "raw_scores": record.raw_scores}
        with tmp.open("wb") as handle:
            arrays: dict[str, Any] = {f"v_{k}": v.astype(np.float32)
                                      for k, v in record.vectors.items()}
            np.savez(handle, meta=np.array(json.dumps(meta)), **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
        for stale in path.parent.glob(f"{record.study_instance_uid}{_SEP}*.npz"):
            if stale != path:  # an older version of a changed study
                stale.unlink(missing_ok=True)

    def get(self, uid: str, fingerprint: str) -> EmbeddingRecord:
        path = self._path(uid, fingerprint)
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            vectors = {k[2:]: np.asarray(data[k]) for k in data.files if k.startswith("v_")}
        return EmbeddingRecord(uid, fingerprint, vectors,
                               StudyPayload.model_validate(meta["payload"]), meta["raw_scores"])

    def all(self, uids: dict[str, str] | None = None) -> Iterator[EmbeddingRecord]:
        """Every record (or those of `uids`: uid -> fingerprint); unreadable ones are skipped."""
        for uid, fingerprint in sorted((uids or self.fingerprints()).items()):
            try:
                yield self.get(uid, fingerprint)
            except (OSError, ValueError, KeyError) as error:  # pydantic's errors are ValueErrors
                logger.warning("embedding record of %s unreadable (%s); re-run to rebuild it",
                               uid, error)

    def drop(self, uid: str) -> None:
        for path in self.folder.glob(f"{uid[-2:]}/{uid}{_SEP}*.npz"):
            path.unlink(missing_ok=True)
