"""Index generations for the embedded store: build aside, publish atomically, read the newest.

Qdrant Edge lets one process open a shard. So an index run never writes into the shard the web
server is reading: it builds a complete new generation in its own folder, optimises it, and then
replaces the one-line `CURRENT` pointer (an atomic rename). Readers check the pointer and reopen
when it moves; a run killed at any moment leaves the published generation untouched, and its
half-built folder is removed by the next run.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cmr_search import locks
from vectorstore.base import StoreError
from vectorstore.edge import EdgeStore
from vectorstore.edge_parts import EdgeParts, open_edge
from vectorstore.types import Filter, Hit, Query, Search, StorePoint, StoreSchema

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
_LOCK = "indexer.lock"
_PREFIX = "gen-"


class Generations:
    """The generations of one embedded index under `root` (DATA_DIR/index)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def current(self) -> Path | None:
        try:
            name = json.loads((self.root / CURRENT).read_text(encoding="utf-8"))["generation"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError) as error:
            raise StoreError(f"{self.root / CURRENT}: unreadable ({error})") from error
        folder = self.root / str(name)
        if not folder.is_dir():
            raise StoreError(f"{self.root / CURRENT}: points at missing {folder.name}")
        return folder

    def new(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        folder = self.root / f"{_PREFIX}{stamp}-{os.getpid()}"
        folder.mkdir(parents=True)
        return folder

    def publish(self, folder: Path) -> None:
        tmp = self.root / f"{CURRENT}.partial"
        with tmp.open("w", encoding="utf-8") as f:
            json.dump({"generation": folder.name, "published": time.time()}, f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.root / CURRENT)
        logger.info("published index generation %s", folder.name)

    def prune(self, keep_previous: int = 1) -> list[str]:
        """Remove half-built and old generations (call only while holding the index lock).

        The newest `keep_previous` older generations stay, so a reader that has not yet
        noticed the new pointer keeps working.
        """
        current = self.current()
        folders = sorted(p for p in self.root.glob(f"{_PREFIX}*") if p.is_dir())
        if current is None:
            doomed = folders
        else:
            older = [p for p in folders if p.name < current.name]
            newer = [p for p in folders if p.name > current.name]  # unpublished builds
            doomed = older[:max(len(older) - keep_previous, 0)] + newer
        for folder in doomed:
            shutil.rmtree(folder, ignore_errors=True)
        return [p.name for p in doomed]

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One index run at a time; the lock dies with its process (even on kill -9), the
        run's forked workers holding no copy."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / _LOCK).open("a+") as handle, locks.parent_only(handle.fileno()):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"{self.root}: another index run is in progress") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class LiveEdgeStore:
    """A read-only view of the published generation that follows the pointer as it moves.

    A replaced generation is closed `retire_after_s` later, not at once: a search or a scroll
    that started on it (another thread of the web server) finishes where it started."""

    def __init__(self, root: Path, check_every_s: float = 1.0,
                 part_processes: bool = False, retire_after_s: float = 10.0) -> None:
        self.generations = Generations(root)
        self.check_every_s = check_every_s
        self.part_processes = part_processes  # an index in parts: a process per part
        self.retire_after_s = retire_after_s
        self._store: EdgeStore | EdgeParts | None = None
        self._retired: list[tuple[float, EdgeStore | EdgeParts]] = []  # (since, store)
        self._checked = 0.0
        self._lock = threading.Lock()

    def _open(self) -> EdgeStore | EdgeParts:
        with self._lock:  # the web server's threads share one reader
            return self._follow()

    def _follow(self) -> EdgeStore | EdgeParts:
        now = time.monotonic()
        if self._store is not None and now - self._checked < self.check_every_s:
            return self._store
        self._checked = now
        self._close_retired(now - self.retire_after_s)
        folder = self.generations.current()
        if folder is None:
            raise StoreError(f"{self.generations.root}: no index yet; run `cmr-search index`")
        if self._store is None or self._store.folder != folder:
            old, self._store = self._store, open_edge(folder, processes=self.part_processes)
            if old is not None:
                self._retired.append((now, old))
        return self._store

    def _close_retired(self, before: float) -> None:
        """Close the generations replaced before `before` (monotonic seconds)."""
        keep = []
        for since, store in self._retired:
            if since <= before:
                store.close()
            else:
                keep.append((since, store))
        self._retired = keep

    @property
    def generation(self) -> str:
        return self._open().folder.name

    def metadata(self) -> dict[str, Any] | None:
        try:
            return self._open().metadata()
        except StoreError:
            if self.generations.current() is None:
                return None
            raise

    def ensure(self, schema: StoreSchema, metadata: dict[str, Any]) -> dict[str, Any]:
        raise StoreError("the published index is read-only; index runs build a new generation")

    def upsert(self, points: Sequence[StorePoint]) -> None:
        raise StoreError("the published index is read-only")

    def delete(self, ids: Sequence[str]) -> None:
        raise StoreError("the published index is read-only")

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[Hit]:
        return self._open().retrieve(ids, vectors)

    def scroll(self, fields: Sequence[str] | None = None, where: Filter | None = None,
               batch: int = 1000) -> Iterator[Hit]:
        return self._open().scroll(fields, where, batch)

    def count(self, where: Filter | None = None) -> int:
        return self._open().count(where)

    def query(self, query: Query, limit: int = 10, offset: int = 0,
              where: Filter | None = None, fields: Sequence[str] | None = None) -> list[Hit]:
        return self._open().query(query, limit, offset, where, fields)

    def query_batch(self, searches: Sequence[Search]) -> list[list[Hit]]:
        return self._open().query_batch(searches)

    def facet(self, key: str, where: Filter | None = None, limit: int = 50) -> dict[Any, int]:
        return self._open().facet(key, where, limit)

    def optimize(self) -> None:
        """Published generations are optimised before they are published."""

    def close(self) -> None:
        with self._lock:
            self._close_retired(float("inf"))
            if self._store is not None:
                self._store.close()
                self._store = None
