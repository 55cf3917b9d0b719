"""A vector store in this process's memory: exact search, the same semantics as Qdrant's.

The fake at the store boundary that most tests use: fast, exact, and held to the same contract
tests as the real backends. Nothing is persisted.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from vectorstore import types as st
from vectorstore.base import StoreError, example_vectors, selected


def _field(payload: dict[str, Any], key: str) -> Any:
    """A payload value by dotted path ("image_scores.lge"); None when absent."""
    value: Any = payload
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _values(payload: dict[str, Any], key: str) -> list[Any]:
    value = _field(payload, key)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _in_range(values: list[Any], gte: Any, lte: Any) -> bool:
    return any(v is not None and not isinstance(v, bool) and (gte is None or v >= gte)
               and (lte is None or v <= lte) for v in values)


def matches(payload: dict[str, Any], where: st.Filter | None) -> bool:
    """Whether a payload passes a filter: every `must`, no `must_not`."""
    if not where:
        return True
    return (all(_holds(payload, c) for c in where.must)
            and not any(_holds(payload, c) for c in where.must_not))


def _holds(payload: dict[str, Any], c: st.Condition) -> bool:
    if isinstance(c, st.Filter):
        return matches(payload, c)
    values = _values(payload, c.key)
    if isinstance(c, st.Match):
        return c.value in values
    if isinstance(c, st.MatchAny):
        return any(v in c.values for v in values)
    if isinstance(c, st.Range):
        return _in_range([v for v in values if isinstance(v, int | float)], c.gte, c.lte)
    return _in_range([v for v in values if isinstance(v, str)], c.gte, c.lte)


def _unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32)
    return np.asarray(v / (np.linalg.norm(v) or 1.0), dtype=np.float32)


class MemoryStore:
    """Points in dictionaries; every search is exact (no graph), cosine for dense vectors."""

    def __init__(self) -> None:
        self._schema: st.StoreSchema | None = None
        self._metadata: dict[str, Any] | None = None
        self._points: dict[str, st.StorePoint] = {}
        self._lock = threading.Lock()

    def ensure(self, schema: st.StoreSchema, metadata: dict[str, Any]) -> dict[str, Any]:
        if self._metadata is None:
            self._schema, self._metadata = schema, dict(metadata)
        return dict(self._metadata)

    def metadata(self) -> dict[str, Any] | None:
        return None if self._metadata is None else dict(self._metadata)

    def _checked(self, p: st.StorePoint) -> st.StorePoint:
        if self._schema is None:
            raise StoreError("memory store: no collection; call ensure() first")
        for name, vector in p.dense.items():
            if self._schema.dense.get(name) != len(vector):
                raise StoreError(f"memory store: vector {name!r} of point {p.id} does not fit "
                                 f"the schema ({self._schema.dense.get(name)})")
        unknown = set(p.sparse) - set(self._schema.sparse)
        if unknown:
            raise StoreError(f"memory store: unknown sparse vectors {sorted(unknown)}")
        return st.StorePoint(p.id, {k: _unit(v) for k, v in p.dense.items()}, dict(p.sparse),
                             dict(p.payload))

    def upsert(self, points: Sequence[st.StorePoint]) -> None:
        checked = [self._checked(p) for p in points]
        with self._lock:
            self._points.update((p.id, p) for p in checked)

    def delete(self, ids: Sequence[str]) -> None:
        with self._lock:
            for i in ids:
                self._points.pop(i, None)

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[st.Hit]:
        found = [self._points[i] for i in ids if i in self._points]
        return [st.Hit(p.id, 1.0, dict(p.payload),
                       {k: v for k, v in p.dense.items() if k in vectors}) for p in found]

    def _where(self, where: st.Filter | None) -> list[st.StorePoint]:
        return [p for _, p in sorted(self._points.items()) if matches(p.payload, where)]

    def scroll(self, fields: Sequence[str] | None = None, where: st.Filter | None = None,
               batch: int = 1000) -> Iterator[st.Hit]:
        for p in self._where(where):
            yield st.Hit(p.id, 1.0, selected(p.payload, fields))

    def count(self, where: st.Filter | None = None) -> int:
        return len(self._where(where))

    def _idf(self, using: str) -> dict[int, float]:
        """Qdrant's BM25 IDF over the points that have the sparse vector."""
        docs = [p.sparse[using] for p in self._points.values() if using in p.sparse]
        frequency = Counter(i for d in docs for i in set(d.indices))
        n = len(docs)
        return {i: math.log((n - f + 0.5) / (f + 0.5) + 1.0) for i, f in frequency.items()}

    def _scores(self, q: st.Nearest | st.Recommend,
                candidates: list[st.StorePoint]) -> dict[str, float]:
        if isinstance(q, st.Nearest) and isinstance(q.vector, st.SparseVector):
            idf = self._idf(q.using)
            query = dict(zip(q.vector.indices, q.vector.values, strict=True))
            out = {}
            for p in candidates:
                doc = p.sparse.get(q.using)
                if doc is not None:
                    out[p.id] = sum(query.get(i, 0.0) * v * idf.get(i, 0.0)
                                    for i, v in zip(doc.indices, doc.values, strict=True))
            return {k: v for k, v in out.items() if v > 0}
        if isinstance(q, st.Nearest):
            vector = _unit(np.asarray(q.vector))
            return {p.id: float(p.dense[q.using] @ vector) for p in candidates
                    if q.using in p.dense}
        return self._recommend(q, candidates)

    def _recommend(self, q: st.Recommend, candidates: list[st.StorePoint]) -> dict[str, float]:
        """Qdrant's best-score strategy: the best positive wins unless a negative is closer."""
        positive = np.stack([_unit(v) for v in example_vectors(self, q.using, q.positive)])
        negatives = example_vectors(self, q.using, q.negative)
        negative = np.stack([_unit(v) for v in negatives]) if negatives else None
        out = {}
        for p in candidates:
            if q.using not in p.dense:
                continue
            best = float((positive @ p.dense[q.using]).max())
            worst = float((negative @ p.dense[q.using]).max()) if negative is not None else -2.0
            out[p.id] = best if best > worst else -(worst * worst)
        return out

    def _ranked(self, q: st.Nearest | st.Recommend, where: st.Filter | None,
                limit: int) -> list[tuple[str, float]]:
        scores = self._scores(q, self._where(st.both(where, q.where)))
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def query(self, query: st.Query, limit: int = 10, offset: int = 0,
              where: st.Filter | None = None, fields: Sequence[str] | None = None) -> list[st.Hit]:
        if isinstance(query, st.Fused):
            ranked = st.rrf([[pid for pid, _ in self._ranked(part, where, query.candidates)]
                             for part in query.parts], query.weights, query.k)
        else:
            ranked = self._ranked(query, where, offset + limit)
        return [st.Hit(pid, score, selected(self._points[pid].payload, fields))
                for pid, score in ranked[offset:offset + limit]]

    def query_batch(self, searches: Sequence[st.Search]) -> list[list[st.Hit]]:
        return [self.query(s.query, s.limit, 0, s.where, s.fields) for s in searches]

    def facet(self, key: str, where: st.Filter | None = None, limit: int = 50) -> dict[Any, int]:
        counts: Counter[Any] = Counter()
        for p in self._where(where):
            counts.update(set(_values(p.payload, key)))
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit])

    def optimize(self) -> None:
        """Nothing to build: every search is exact."""

    def close(self) -> None:
        """Nothing to release."""
