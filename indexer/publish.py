"""The publish stage: records become points in a store, with the model identity recorded.

Embedded (Qdrant Edge): a new generation is built, optimised and published atomically.
Server (Qdrant by URL): points are upserted in place; each point is complete when it appears.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from indexer.embed import Embedder
from indexer.points import INDEX_VERSION, Platt, calibration_digest, store_schema, to_point
from indexer.records import EmbeddingRecord
from indexer.store import EdgeStore, Generations, ServerStore, StoreError, VectorStore

logger = logging.getLogger(__name__)

_BATCH = 256


class IndexMismatchError(StoreError):
    """The index was built by another model or index version; it must be rebuilt."""


def index_identity(embedder: Embedder) -> dict[str, Any]:
    """What must match between an index and the model that queries it."""
    return {"index_version": INDEX_VERSION, "model": embedder.identity.as_dict(),
            "vectors": embedder.dense_sizes(), "clip_spec": embedder.spec.as_dict()}


def check_compatible(metadata: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    for key in ("index_version", "model", "vectors"):
        if metadata.get(key) != expected[key]:
            built = metadata.get("model", {})
            raise IndexMismatchError(
                f"{where}: index was built with {key} "
                f"{_describe(metadata.get(key), built)}, this model has "
                f"{_describe(expected[key], expected['model'])}; re-index with "
                "`cmr-search index ARCHIVE --rebuild`")


def _describe(value: Any, model: Any) -> str:
    if isinstance(model, dict) and value is model:
        return f"{model.get('architecture')} {str(model.get('weights_sha256', ''))[:12]}"
    return str(value)[:80]


def content_digest(fingerprints: dict[str, str], calibration: dict[str, Platt]) -> str:
    h = hashlib.sha256(calibration_digest(calibration).encode())
    for uid, fingerprint in sorted(fingerprints.items()):
        h.update(f"{uid}:{fingerprint}\n".encode())
    return h.hexdigest()[:16]


def _batches(items: Iterable[EmbeddingRecord], size: int) -> Iterator[list[EmbeddingRecord]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


@dataclass
class Published:
    target: str
    points: int
    changed: bool
    seconds_optimize: float = 0.0


def publish_edge(generations: Generations, embedder: Embedder, records: Iterable[EmbeddingRecord],
                 fingerprints: dict[str, str], calibration: dict[str, Platt],
                 extra: dict[str, Any], rebuild: bool,
                 progress: Callable[[int], None] | None = None) -> Published:
    """Build a complete new generation and publish it; skip when nothing would change."""
    import time

    identity = index_identity(embedder)
    digest = content_digest(fingerprints, calibration)
    current = generations.current()
    if current is not None:
        meta = EdgeStore(current).metadata() or {}
        if not rebuild:
            check_compatible(meta, identity, str(current))
        if meta.get("content_digest") == digest and not rebuild:
            return Published(current.name, int(meta.get("studies", 0)), changed=False)
    folder = generations.new()
    store = EdgeStore(folder)
    metadata = {**identity, **extra, "content_digest": digest, "studies": len(fingerprints),
                "calibration": {k: vars(v) for k, v in calibration.items()},
                "built": datetime.now(UTC).isoformat(timespec="seconds")}
    store.ensure(store_schema(embedder.dense_sizes()), metadata)
    count = _upsert_all(store, records, calibration, progress)
    started = time.perf_counter()
    store.optimize()
    optimize_s = time.perf_counter() - started
    store.close()
    generations.publish(folder)
    generations.prune()
    return Published(folder.name, count, changed=True, seconds_optimize=optimize_s)


def _upsert_all(store: VectorStore, records: Iterable[EmbeddingRecord],
                calibration: dict[str, Platt], progress: Callable[[int], None] | None) -> int:
    count = 0
    for batch in _batches(records, _BATCH):
        store.upsert([to_point(r, calibration) for r in batch])
        count += len(batch)
        if progress:
            progress(len(batch))
    return count


def publish_server(store: ServerStore, embedder: Embedder, records: Iterable[EmbeddingRecord],
                   fingerprints: dict[str, str], calibration: dict[str, Platt],
                   extra: dict[str, Any], rebuild: bool,
                   progress: Callable[[int], None] | None = None) -> Published:
    """Upsert the points whose study or calibration changed since they were stored."""
    identity = index_identity(embedder)
    existing = store.metadata()
    if existing is not None and rebuild:
        store.client.delete_collection(store.collection)
        existing = None
    if existing is not None:
        check_compatible(existing, identity, f"{store.url} collection {store.collection}")
    store.ensure(store_schema(embedder.dense_sizes()), {**identity, **extra})
    version = calibration_digest(calibration)
    stored = {h.payload.get("study_instance_uid"): h.payload.get("point_version")
              for h in store.scroll(["study_instance_uid", "point_version"])}
    wanted = {uid: fp for uid, fp in fingerprints.items()
              if stored.get(uid) != f"{fp}:{version}"}
    todo = (r for r in records if r.study_instance_uid in wanted)

    def stamped(batch_records: Iterable[EmbeddingRecord]) -> Iterator[EmbeddingRecord]:
        for r in batch_records:
            r.payload["point_version"] = f"{r.fingerprint}:{version}"
            yield r

    count = _upsert_all(store, stamped(todo), calibration, progress)
    return Published(f"{store.url}/{store.collection}", count, changed=count > 0)
