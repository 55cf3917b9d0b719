"""An embedded index too large to build as one graph: several Qdrant Edge shards ("parts").

Building one shard holds its appendable segment (the upserted points' ids, payload indexes and
sparse vectors) and, while it optimises, the new segment's graphs, quantised copies and payload
indexes in memory at once, and that grows faster than the points: 1.8 GB of anonymous memory
at 200,000 studies, 9.2 GB at 1,000,000 (`bench/index_speed.py`). So a large index is filled
one part after the other: new points go to the last part until it holds `POINTS_PER_PART`,
then that part is optimised and closed (its memory given back) before the next one starts. A
build holds one part's points and graphs at a time.

A search runs in every part at once and the hits merge by score. The engine keeps Python's
interpreter lock while it searches, so parts in threads of one process take turns; a published
index is therefore opened with a process per part (`edge_process`, `processes=True`), and only
the index being built keeps its parts in this process. The float32 originals rescore every
candidate, so dense scores of different parts compare exactly; keyword (BM25) scores use each
part's own document frequencies, which parts of a few hundred thousand studies keep nearly
equal. A point already in a part is updated in place, so a re-run never duplicates it;
recommendation examples are looked up in whichever part holds them, and fusion is computed
here with Qdrant's own formula (`vectorstore.rrf`).
"""

from __future__ import annotations

import heapq
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from vectorstore import types as st
from vectorstore.base import StoreError, example_vectors, selected
from vectorstore.edge import EdgeStore, read_metadata, write_metadata
from vectorstore.edge_process import PartProcess
from vectorstore.translate import INT8, SEARCH, Quantization, SearchTuning

logger = logging.getLogger(__name__)

PARTS = "parts"
# the most points a part is built with: 1,000,000 studies in two parts build within 5 GB of
# anonymous memory (docs/scaling.md), but every search walks both graphs (one core each when
# served by a process per part), so parts are only for a machine too small for one shard
POINTS_PER_PART = 500_000
# anonymous memory of a one-shard build per point (9.2 GB at 1,000,000 studies, measured), and
# the share of the machine's memory a build may take before it goes into parts
BUILD_BYTES_PER_POINT = 9_200
BUILD_SHARE = 0.75
_THREADS = 4  # searches in flight at once, one part each

T = TypeVar("T")


def open_edge(folder: Path, tuning: SearchTuning = SEARCH,
              processes: bool = False) -> EdgeStore | EdgeParts:
    """The embedded index in `folder`, whichever layout it was built in; `processes`: an
    index in parts is read-only and searches each part from a process of its own."""
    if (folder / PARTS).is_dir():
        return EdgeParts(folder, tuning=tuning, processes=processes)
    return EdgeStore(folder, tuning)


def create_edge(folder: Path, points: int, memory_bytes: int = 0) -> EdgeStore | EdgeParts:
    """A new embedded index for about `points` points: one shard (the fastest to search), or
    parts where building one shard would not fit this machine's memory (`memory_bytes`, or
    what the machine or its container's memory limit allows)."""
    memory = memory_bytes or machine_memory_bytes()
    if points > POINTS_PER_PART and points * BUILD_BYTES_PER_POINT > BUILD_SHARE * memory:
        logger.info("building the index in parts of %d studies: one shard of %d would need "
                    "~%.1f GB, more than this machine allows", POINTS_PER_PART, points,
                    points * BUILD_BYTES_PER_POINT / 1e9)
        return EdgeParts(folder)
    return EdgeStore(folder)


def machine_memory_bytes() -> int:
    """This machine's memory, or this process's container (cgroup) limit where that is lower."""
    limits = []
    try:
        meminfo = Path("/proc/meminfo").read_text()
        limits += [int(x.split()[1]) * 1024 for x in meminfo.splitlines()
                   if x.startswith("MemTotal:")]
        groups = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        groups = []
    # a container sees its own group at the root of the mount; a host process, under its path
    candidates = [Path("/sys/fs/cgroup/memory.max"),
                  Path("/sys/fs/cgroup/memory/memory.limit_in_bytes")]
    for line in groups:  # "0::/path" (v2) or "4:memory:/path" (v1)
        _, controllers, where = line.split(":", 2)
        if controllers == "":
            candidates.append(Path("/sys/fs/cgroup", where.lstrip("/"), "memory.max"))
        elif "memory" in controllers.split(","):
            candidates.append(Path("/sys/fs/cgroup/memory", where.lstrip("/"),
                                   "memory.limit_in_bytes"))
    for limit in candidates:
        try:
            text = limit.read_text().strip()
        except OSError:
            continue
        if text.isdigit():  # "max": no limit
            limits.append(int(text))
    return min(limits, default=8 * 2**30)


def _best(hit_lists: Sequence[list[st.Hit]], offset: int, limit: int) -> list[st.Hit]:
    """The parts' hits as one ranking: best score first, equal scores in id order."""
    merged = sorted((h for hits in hit_lists for h in hits), key=lambda h: (-h.score, h.id))
    return merged[offset:offset + limit]


class EdgeParts:
    """Qdrant Edge shards under `folder/parts/NN`, filled in turn; one metadata file for all."""

    def __init__(self, folder: Path, tuning: SearchTuning = SEARCH,
                 quantization: Quantization | None = INT8, part_points: int = 0,
                 processes: bool = False) -> None:
        self.folder, self.tuning, self.quantization = folder, tuning, quantization
        self.part_points = part_points or POINTS_PER_PART
        found = sorted(p.name for p in (folder / PARTS).glob("[0-9][0-9]") if p.is_dir())
        if found != [f"{k:02d}" for k in range(len(found))]:
            raise StoreError(f"{folder / PARTS}: parts {', '.join(found)} are not 00, 01, ...")
        self.processes = processes and len(found) > 1
        # in this process (built, or opened to write), or else searched from their own
        self.parts = [] if self.processes else [self._part(k) for k in range(len(found))]
        self.served = [PartProcess(folder / PARTS / f"{k:02d}", tuning, quantization)
                       for k in range(len(found))] if self.processes else []
        self._schema: st.StoreSchema | None = None  # what a new part is created with
        self._metadata: dict[str, Any] = {}
        self._filling, self._room = -1, 0  # the part new points go to, and its room left
        # a search asks every part at once
        self._pool = ThreadPoolExecutor(max(_THREADS, len(found)),
                                        thread_name_prefix="edge-part")
        if self.processes:
            self._start_processes()

    def _start_processes(self) -> None:
        """Each part opened in its process, sized to walk with the whole index's beam."""
        try:
            points = sum(self._each(lambda p: p.count()))
            beams = [part.size_beams(points) for part in self.served]
        except BaseException:  # no part's process outlives a failed open
            self.close()
            raise
        logger.info("index %s: %d parts searched from their own processes, beams %s",
                    self.folder.name, len(self.served), beams[0])

    def _part(self, k: int) -> EdgeStore:
        part = EdgeStore(self.folder / PARTS / f"{k:02d}", self.tuning, self.quantization)
        # not through the pool: a part asks from inside a pool thread
        part.sized_by = lambda: sum(p.count() for p in self.parts)
        return part

    def _each(self, call: Callable[[EdgeStore | PartProcess], T]) -> list[T]:
        """`call` on every part at once, results in part order."""
        return list(self._pool.map(call, self.served or self.parts))

    def _writable(self) -> list[EdgeStore]:
        """The parts, where this process may write them."""
        if self.processes:
            raise StoreError(f"{self.folder}: opened for searching (a process per part); "
                             "index runs build a new generation")
        return self.parts

    def metadata(self) -> dict[str, Any] | None:
        return read_metadata(self.folder)

    def ensure(self, schema: st.StoreSchema, metadata: dict[str, Any]) -> dict[str, Any]:
        existing = self.metadata()
        if existing is not None:
            return existing
        self._schema, self._metadata = schema, metadata
        self._add_part()
        write_metadata(self.folder, metadata)
        return metadata

    def _add_part(self) -> None:
        if self._schema is None or self.processes:
            raise StoreError(f"{self.folder}: an index opened from disk takes no new points")
        part = self._part(len(self.parts))
        part.ensure(self._schema, self._metadata)
        self.parts.append(part)

    def _located(self, ids: Sequence[str]) -> dict[str, int]:
        """The part that holds each of `ids` already (absent ones left out)."""
        held = self._each(lambda p: p.holding(ids))
        return {i: k for k, found in enumerate(held) for i in found}

    def upsert(self, points: Sequence[st.StorePoint]) -> None:
        parts = self._writable()
        where = self._located([p.id for p in points])
        for k, part in enumerate(parts):
            part.upsert([p for p in points if where.get(p.id) == k])
        new = [p for p in points if p.id not in where]
        if self._filling < 0 and new:
            self._filling = len(self.parts) - 1
            self._room = self.part_points - self.parts[self._filling].count()
        while new:
            if self._room <= 0:
                self._seal(parts[self._filling])
                self._add_part()
                parts = self._writable()
                self._filling, self._room = len(self.parts) - 1, self.part_points
            batch, new = new[:self._room], new[self._room:]
            parts[self._filling].upsert(batch)
            self._room -= len(batch)

    def _seal(self, part: EdgeStore) -> None:
        """Build a full part's graphs and let go of it: its next use maps it from disk."""
        logger.info("building index part %s of %s", part.folder.name, self.folder.name)
        part.optimize()
        part.close()

    def delete(self, ids: Sequence[str]) -> None:
        parts = self._writable()
        where = self._located(ids)
        for k, part in enumerate(parts):
            part.delete([i for i in ids if where.get(i) == k])

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[st.Hit]:
        if not ids:
            return []
        found = {h.id: h for hits in self._each(lambda p: p.retrieve(ids, vectors))
                 for h in hits}
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    def scroll(self, fields: Sequence[str] | None = None, where: st.Filter | None = None,
               batch: int = 1000) -> Iterator[st.Hit]:
        # each part scrolls in id order (UUIDs order as their text does), so a merge keeps it
        yield from heapq.merge(*(p.scroll(fields, where, batch)
                                 for p in self.served or self.parts),
                               key=lambda h: h.id)

    def count(self, where: st.Filter | None = None) -> int:
        return sum(self._each(lambda p: p.count(where)))

    def _resolved(self, query: st.Nearest | st.Recommend) -> st.Nearest | st.Recommend:
        """A recommendation's example ids as vectors: each part knows only its own points."""
        if isinstance(query, st.Nearest):
            return query
        positive = tuple(example_vectors(self, query.using, query.positive))
        negative = tuple(example_vectors(self, query.using, query.negative))
        return st.Recommend(query.using, positive, negative, query.where)

    def query(self, query: st.Query, limit: int = 10, offset: int = 0,
              where: st.Filter | None = None, fields: Sequence[str] | None = None) -> list[st.Hit]:
        if isinstance(query, st.Fused):
            return self._fused(query, limit, offset, where, fields)
        asked = self._resolved(query)
        return _best(self._each(lambda p: p.query(asked, offset + limit, 0, where, fields)),
                     offset, limit)

    def _fused(self, query: st.Fused, limit: int, offset: int, where: st.Filter | None,
               fields: Sequence[str] | None) -> list[st.Hit]:
        rankings = [[h.id for h in self.query(part, query.candidates, 0, where, [])]
                    for part in query.parts]
        ranked = st.rrf(rankings, query.weights, query.k)[offset:offset + limit]
        payloads = {h.id: h.payload for h in self.retrieve([pid for pid, _ in ranked])}
        return [st.Hit(pid, score, selected(payloads.get(pid, {}), fields))
                for pid, score in ranked]

    def query_batch(self, searches: Sequence[st.Search]) -> list[list[st.Hit]]:
        if any(isinstance(s.query, st.Fused) for s in searches):
            return [self.query(s.query, s.limit, 0, s.where, s.fields) for s in searches]
        asked = [st.Search(self._resolved(s.query), s.limit, s.where, s.fields)  # type: ignore[arg-type]
                 for s in searches]
        per_part = self._each(lambda p: p.query_batch(asked))
        return [_best([hits[i] for hits in per_part], 0, s.limit) for i, s in enumerate(asked)]

    def facet(self, key: str, where: st.Filter | None = None, limit: int = 50) -> dict[Any, int]:
        # a value among the `limit` largest overall is among each part's `limit` largest
        # unless it sits at the cut, hence the margin; counts are exact sums
        counts: Counter[Any] = Counter()
        for part_counts in self._each(lambda p: p.facet(key, where, 2 * limit)):
            counts.update(part_counts)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit])

    def optimize(self) -> None:
        """The graphs of every part not built yet (a part built already has nothing to do)."""
        for part in self._writable():
            self._seal(part)

    def close(self) -> None:
        self._each(lambda p: p.close())  # every part flushed or its process stopped, at once
        self._pool.shutdown(wait=True)


__all__ = ["PARTS", "POINTS_PER_PART", "EdgeParts", "create_edge", "open_edge"]
