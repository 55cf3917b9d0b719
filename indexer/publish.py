"""The publish stage: records become points in a store, with the model identity recorded.

Embedded (Qdrant Edge): a new generation is built, optimised and published atomically.
Server (Qdrant by URL): points are upserted in place; each point is complete when it appears.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalog import (
    FOREIGN_HINT,
    HeldArchives,
    IndexMismatchError,
    PayloadField,
    archives_after,
    check_compatible,
    shown_archive,
    store_schema,
)
from catalog.identity import REBUILD_HINT
from indexer.payload import report_version
from indexer.points import Platt, calibration_digest, to_point
from indexer.publish_why import content_parts, why_edge, why_server
from indexer.records import EmbeddingRecord, MeasurementRecord, MeasurementStore
from vectorstore import GenerationTarget, StoreError, VectorStore

if TYPE_CHECKING:  # each backend's client loads only when it is the target
    from vectorstore.server import ServerStore

logger = logging.getLogger(__name__)

_BATCH = 256
_SERVER_PARALLEL = 4  # upsert requests in flight to a Qdrant server or cluster


def content_digest(fingerprints: dict[str, str], calibration: dict[str, Platt],
                   measured: str = "") -> str:
    """What a generation holds: the studies, the calibration, the report labeler's version,
    and which measurements (`measured`: the segmentation model and the studies it measured)."""
    h = hashlib.sha256(calibration_digest(calibration).encode())
    h.update(report_version().encode())
    h.update(measured.encode())
    for uid, fingerprint in sorted(fingerprints.items()):
        h.update(f"{uid}:{fingerprint}\n".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Measured:
    """A measurement store and which studies it holds, listed once for a whole publish (the
    listing walks every record file: a large archive's store is not walked twice)."""

    store: MeasurementStore
    fingerprints: dict[str, str]

    @classmethod
    def read(cls, store: MeasurementStore) -> Measured:
        return cls(store, store.fingerprints())

    @property
    def model(self) -> str:
        """The segmentation model and measurement version the records were made with."""
        return self.store.folder.name

    def holds(self, uid: str, fingerprint: str) -> bool:
        return self.fingerprints.get(uid) == fingerprint


def measured_digest(measured: Measured | None, fingerprints: dict[str, str]) -> str:
    if measured is None:
        return ""
    done = sorted(uid for uid, fp in fingerprints.items() if measured.holds(uid, fp))
    return hashlib.sha256("\n".join([measured.model, *done]).encode()).hexdigest()


def _measured(measured: Measured | None, record: EmbeddingRecord) -> MeasurementRecord | None:
    if measured is None:
        return None
    return measured.store.find(record.study_instance_uid, record.fingerprint, overlays=False)


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
    # why it changed: a run that indexed nothing new said "published" and no more
    why: str = ""


# room a build needs beyond its points: Qdrant Edge's segments are mapped files of several MB
# (6 points: 3.7 MB published, 6.4 MB half-built); a mapped write to a full disk is SIGBUS,
# which no handler catches (the run died with "Bus error" and no message)
_BUILD_FLOOR_BYTES = 32 * 2**20


_BUILD_BYTES_PER_POINT = 20_000  # twice a published point's share (about 9 KB), as it builds


def _unchanged(published: bool) -> str:
    """What a build that failed leaves: "the published index is unchanged" was said on a
    fresh data folder, where none was published yet."""
    return "the published index is unchanged" if published else "no index was published yet"


def _check_space(root: Path, points: int, published: bool) -> None:
    needed = _BUILD_FLOOR_BYTES + _BUILD_BYTES_PER_POINT * points
    probe = root
    while not probe.exists() and probe != probe.parent:  # the first run makes the folder
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed:
        raise StoreError(f"{root}: about {needed / 2**20:.0f} MB free needed to build the "
                         f"index of {points} studies, {free / 2**20:.0f} MB free; "
                         f"{_unchanged(published)}")


def publish_edge(generations: GenerationTarget, identity: dict[str, Any],
                 records: Iterable[EmbeddingRecord], fingerprints: dict[str, str],
                 calibration: dict[str, Platt], extra: dict[str, Any], rebuild: bool,
                 progress: Callable[[int], None] | None = None,
                 measured: Measured | None = None,
                 on_live: Callable[[Published], None] | None = None) -> Published:
    """Build a complete new generation and publish it; skip when nothing would change.

    `identity` is the model's `catalog.index_identity`, recorded with the generation;
    `on_live` is told what was published as soon as it is, before older ones are pruned."""
    from vectorstore.edge import EdgeStore, read_metadata, write_metadata
    from vectorstore.edge_parts import create_edge

    _not_empty(rebuild, fingerprints)
    measured_now = measured_digest(measured, fingerprints)
    digest = content_digest(fingerprints, calibration, measured_now)
    parts = content_parts(fingerprints, calibration_digest(calibration), report_version(),
                          measured_now)
    current = generations.current()
    meta = None
    if current is not None:
        meta = EdgeStore(current).metadata() or {}
        if not rebuild:
            _ours(meta, identity, str(current))
        if meta.get("content_digest") == digest and not rebuild:
            return Published(current.name, int(meta.get("studies", 0)), changed=False)
    extra = _with_archives(extra, meta, rebuild)
    generations.prune()  # a build a crash or a full disk left half-made: its space first
    _check_space(generations.root, len(fingerprints), current is not None)
    why = why_edge(meta, parts, rebuild)
    metadata = {**identity, **extra, "content_digest": digest, "content_parts": parts,
                "studies": len(fingerprints),
                "calibration": {k: vars(v) for k, v in calibration.items()},
                "built": datetime.now(UTC).isoformat(timespec="seconds")}
    held = HeldArchives(extra["archives"])
    folder = generations.new()
    with _dropped_if_unfinished(folder, current is not None):
        store = create_edge(folder, len(fingerprints))  # a large archive is built in parts
        store.ensure(store_schema(identity["vectors"]), metadata)
        count = _upsert_all(store, _told(records, held), calibration, progress, measured)
        started = time.perf_counter()
        store.optimize()
        optimize_s = time.perf_counter() - started
        store.close()
        if held.result() != extra["archives"]:  # known once every study is written
            write_metadata(folder, {**(read_metadata(folder) or {}),
                                    "archives": held.result()})
    generations.publish(folder)
    published = Published(folder.name, count, changed=True, seconds_optimize=optimize_s,
                          why=why)
    if on_live:
        on_live(published)
    generations.prune()
    return published


@contextmanager
def _dropped_if_unfinished(folder: Path, published: bool) -> Iterator[None]:
    """A build that fails or is stopped goes at once; the published index stays."""
    try:
        yield
    except OSError as error:  # the disk filled: the published index stays, this build goes
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError(f"{folder}: cannot build the new index ({error.strerror or error}); "
                         f"{_unchanged(published)}") from None
    except StoreError as error:  # the same, said by the store (`EdgeStore` writes)
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError(f"{error}; {_unchanged(published)}") from None
    except BaseException:  # Ctrl-C: the half-built generation was left to the next run
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _with_archives(extra: dict[str, Any], existing: dict[str, Any] | None,
                   rebuild: bool) -> dict[str, Any]:
    """`extra` with every archive the index may hold once published (`HeldArchives` keeps
    those its studies come from): only the last run's was recorded, and `stats` named it
    alone beside the studies of the others. Never an address's credentials."""
    archive = shown_archive(str(extra.get("archive") or ""))
    return {**extra, "archive": archive,
            "archives": archives_after(existing, archive, rebuild)}


def _told(records: Iterable[EmbeddingRecord], held: HeldArchives) -> Iterator[EmbeddingRecord]:
    """`records`, each one's origin told to `held` as it passes."""
    for record in records:
        held.see(record.payload.archive_path)
        yield record


def _upsert_all(store: VectorStore, records: Iterable[EmbeddingRecord],
                calibration: dict[str, Platt], progress: Callable[[int], None] | None,
                measured: Measured | None = None, parallel: int = 1) -> int:
    """Every record as a point, in batches; `parallel` batches in flight at once (a server
    or cluster takes them side by side; an embedded shard one at a time)."""
    count = 0

    def upsert(batch: list[EmbeddingRecord]) -> int:
        store.upsert([to_point(r, calibration, _measured(measured, r)) for r in batch])
        return len(batch)

    with ThreadPoolExecutor(parallel, thread_name_prefix="upsert") as pool:
        pending: set[Future[int]] = set()
        for batch in _batches(records, _BATCH):
            pending.add(pool.submit(upsert, batch))
            if len(pending) < 2 * parallel:  # a bounded window: memory stays flat
                continue
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                count += (n := future.result())
                if progress:
                    progress(n)
        for future in pending:
            count += (n := future.result())
            if progress:
                progress(n)
    return count


def _ours(metadata: dict[str, Any], identity: dict[str, Any], where: str) -> None:
    """An embedded generation of this model; one with no metadata is damaged, and a rebuild
    (a new generation beside it) is the fix, not another collection."""
    if "index_version" not in metadata:
        raise IndexMismatchError(f"{where}: holds no index metadata (damaged?); {REBUILD_HINT}")
    check_compatible(metadata, identity, where)


class NotPublishedError(ValueError):
    """A run whose index would lose what the live one holds: nothing is published."""


class EmptyRebuildError(NotPublishedError):
    """A rebuild with no study to publish (none found, or every one failed): it would
    replace the index with an empty one."""


class EmptyArchiveError(NotPublishedError):
    """A folder in which no study was found (empty, mistyped, unmounted): the index is left as
    it is, and the run fails, as a nightly job's monitoring must see it."""


def _not_empty(rebuild: bool, members: dict[str, str]) -> None:
    if rebuild and not members:
        raise EmptyRebuildError("no study of this run could be indexed, so the rebuilt index "
                                "would be empty; the index is left as it is")


def check_target(target: GenerationTarget | ServerStore, identity: dict[str, Any],
                 rebuild: bool) -> dict[str, Any] | None:
    """Before any study is embedded: the index is reachable, ours, and of this model (found
    at publishing, a mismatch cost a whole run of embedding; a Qdrant down, a traceback).
    `StoreError` / `IndexMismatchError`, one line. Returns the published index's metadata
    (None when there is none yet)."""
    if isinstance(target, GenerationTarget):
        from vectorstore.edge import EdgeStore

        current = target.current()
        existing = None if current is None else EdgeStore(current).metadata() or {}
        where = str(current)
        if existing is not None and not rebuild:
            _ours(existing, identity, where)
        return existing
    return _server_metadata(target, identity, rebuild)


def _server_metadata(store: ServerStore, identity: dict[str, Any],
                     rebuild: bool) -> dict[str, Any] | None:
    """The collection's metadata, None when there is none yet; refused when it is another
    application's (a rebuild deleted it) or, unless rebuilding, another model's."""
    existing = store.metadata()
    where = f"{store.url} collection {store.collection}"
    if existing is not None and "index_version" not in existing:
        raise IndexMismatchError(f"{where} {FOREIGN_HINT}")
    if existing is not None and not rebuild:
        check_compatible(existing, identity, where)
    return existing


def publish_server(store: ServerStore, identity: dict[str, Any],
                   records: Iterable[EmbeddingRecord], fingerprints: dict[str, str],
                   calibration: dict[str, Platt], extra: dict[str, Any], rebuild: bool,
                   progress: Callable[[int], None] | None = None,
                   measured: Measured | None = None,
                   on_live: Callable[[Published], None] | None = None) -> Published:
    """Upsert the points whose study or calibration changed since they were stored. A new
    index or a rebuild is built whole in a collection beside the live one and swapped in under
    its name (an alias) once complete: searches go on meanwhile, and a failed or stopped
    rebuild leaves the index as it was. `on_live`: told what was published, once it is."""
    existing = _server_metadata(store, identity, rebuild)
    _not_empty(rebuild, fingerprints)
    extra = _with_archives(extra, existing, rebuild)
    live = store
    if existing is not None and not rebuild:
        store.update_metadata(extra)  # this run's archive and measurement model, as on the edge
    else:
        store.drop_leftovers()
        store = live.fresh()
    held = HeldArchives(extra["archives"])
    try:
        store.ensure(store_schema(identity["vectors"]), {**identity, **extra})
        count, kinds = _upsert_changed(store, records, fingerprints, calibration, progress,
                                       measured, held)
        if held.result() != extra["archives"]:  # known once every study is written
            store.update_metadata({"archives": held.result()})
    except BaseException:
        if store is not live:  # the half-built collection, never the live one
            _drop_quietly(store)
        raise
    if store is not live:  # whole: from here on it may be the live one, never dropped
        live.swap_in(store)
    why = why_server(*kinds, fresh=store is not live, rebuild=rebuild) if count else ""
    published = Published(f"{live.url}/{live.collection}", count, changed=count > 0, why=why)
    if on_live:
        on_live(published)
    return published


def _drop_quietly(store: ServerStore) -> None:
    """Delete a half-built collection; a server that cannot is told by the error at hand (the
    next rebuild deletes it)."""
    try:
        store.drop()
    except StoreError as error:
        logger.warning("%s left in place: %s", store.collection, error)


def _upsert_changed(store: ServerStore, records: Iterable[EmbeddingRecord],
                    fingerprints: dict[str, str], calibration: dict[str, Platt],
                    progress: Callable[[int], None] | None,
                    measured: Measured | None, held: HeldArchives
                    ) -> tuple[int, tuple[int, int, int]]:
    """The points written, and how many were new, of a changed study, or stale otherwise."""
    # a point changes with its study, the calibration, the segmentation model's records and
    # the report labeler
    # the whole name: its last part is the measurement version, which changes the records
    def version_of(uid: str, fp: str) -> str:
        model = measured.model if measured is not None and measured.holds(uid, fp) else "-"
        return f"{fp}:{calibration_digest(calibration)}:{model}:{report_version()}"

    uid_key, version_key = PayloadField.STUDY_INSTANCE_UID, PayloadField.POINT_VERSION
    stored, origins = {}, {}
    for hit in store.scroll([uid_key, version_key, "archive_path"]):
        stored[hit.payload.get(uid_key)] = hit.payload.get(version_key)
        origins[hit.payload.get(uid_key)] = str(hit.payload.get("archive_path") or "")
    wanted = {uid: fp for uid, fp in fingerprints.items()
              if stored.get(uid) != version_of(uid, fp)}
    for uid in fingerprints.keys() - wanted.keys():  # the points left as they are
        held.see(origins.get(uid, ""))
    todo = _told((r for r in records if r.study_instance_uid in wanted), held)

    def stamped(batch_records: Iterable[EmbeddingRecord]) -> Iterator[EmbeddingRecord]:
        for r in batch_records:
            r.payload.point_version = version_of(r.study_instance_uid, r.fingerprint)
            yield r

    new = sum(uid not in stored for uid in wanted)
    changed = sum(uid in stored and not str(stored[uid] or "").startswith(f"{fp}:")
                  for uid, fp in wanted.items())
    count = _upsert_all(store, stamped(todo), calibration, progress, measured, _SERVER_PARALLEL)
    return count, (new, changed, len(wanted) - new - changed)
