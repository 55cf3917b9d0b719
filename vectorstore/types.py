"""The vector store's vocabulary: schema, points, filters, queries and hits.

Kept independent of any Qdrant client so the indexer and search speak one language, and each
backend translates it to its own API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np


class FieldType(StrEnum):
    """Payload index kinds (what a filter on the field needs)."""

    KEYWORD = "keyword"
    INTEGER = "integer"
    FLOAT = "float"
    BOOL = "bool"
    DATETIME = "datetime"
    TEXT = "text"


@dataclass(frozen=True)
class StoreSchema:
    """Named dense vectors (name -> size, cosine distance), sparse vectors and payload indexes."""

    dense: dict[str, int]
    sparse: tuple[str, ...] = ()
    indexes: dict[str, FieldType] = field(default_factory=dict)
    # searched rarely (per-view similarity): no HNSW graph, float16 storage, exact scan
    exact: tuple[str, ...] = ()
    # searched by most queries: their float32 originals, which rescore every search's int8
    # candidates, are read into memory when the index opens instead of from disk per search
    cached: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.dense:
            raise ValueError("a store needs at least one dense vector")
        if any(size < 1 for size in self.dense.values()):
            raise ValueError(f"vector sizes must be positive: {self.dense}")
        if set(self.dense) & set(self.sparse):
            raise ValueError("dense and sparse vector names must differ")
        if not set(self.cached) <= set(self.dense) - set(self.exact):
            raise ValueError(f"cached vectors must be graph-searched dense ones: {self.cached}")


@dataclass(frozen=True)
class SparseVector:
    """Token id -> weight (BM25 term frequencies; the store applies IDF at query time)."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.indices) != len(self.values):
            raise ValueError("sparse vector: indices and values differ in length")


@dataclass
class StorePoint:
    """One point: an id (UUID string), any subset of the schema's vectors, and a payload."""

    id: str
    dense: dict[str, np.ndarray]
    sparse: dict[str, SparseVector] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)


def _plain_key(condition: Any) -> None:
    """Keys as plain strings (callers may name them with a StrEnum), for the clients' bindings."""
    object.__setattr__(condition, "key", str(condition.key))


@dataclass(frozen=True)
class Match:
    """`key` equals `value`, or (for a list payload) contains it."""

    key: str
    value: str | int

    def __post_init__(self) -> None:
        _plain_key(self)
        if isinstance(self.value, bool):  # Qdrant Edge 0.9 never matches booleans
            raise TypeError(f"{self.key}: match booleans through a keyword field instead")


@dataclass(frozen=True)
class MatchAny:
    key: str
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        _plain_key(self)


@dataclass(frozen=True)
class Range:
    """Numeric range (inclusive bounds); None leaves that side open."""

    key: str
    gte: float | None = None
    lte: float | None = None

    def __post_init__(self) -> None:
        _plain_key(self)


@dataclass(frozen=True)
class DateRange:
    """RFC 3339 datetimes, inclusive."""

    key: str
    gte: str | None = None
    lte: str | None = None

    def __post_init__(self) -> None:
        _plain_key(self)


@dataclass(frozen=True)
class Filter:
    """All of `must`, none of `must_not`; a Filter nests as a condition (for "A and B" inside
    `must_not`, or "A or B" written as must_not of all the negations)."""

    must: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.must or self.must_not)

    def and_(self, other: Filter | None) -> Filter:
        if other is None:
            return self
        return Filter(self.must + other.must, self.must_not + other.must_not)


Condition = Match | MatchAny | Range | DateRange | Filter


def both(a: Filter | None, b: Filter | None) -> Filter | None:
    """The conjunction of two optional filters."""
    return b if a is None else a.and_(b)


def any_of(filters: list[Filter]) -> Filter:
    """Points passing at least one of `filters`: none of them failing all."""
    return filters[0] if len(filters) == 1 else Filter(must_not=(Filter(must_not=tuple(filters)),))


@dataclass(frozen=True)
class Nearest:
    """Nearest neighbours of a dense or sparse query vector in the named vector `using`."""

    using: str
    vector: np.ndarray | SparseVector
    where: Filter | None = None  # only among these points (on top of the query's filter)


@dataclass(frozen=True)
class Recommend:
    """More like the positive points (ids or vectors), less like the negatives, in `using`."""

    using: str
    positive: tuple[str | np.ndarray, ...]
    negative: tuple[str | np.ndarray, ...] = ()
    where: Filter | None = None


@dataclass(frozen=True)
class Fused:
    """Reciprocal rank fusion of several searches, each with its weight and candidate limit."""

    parts: tuple[Nearest | Recommend, ...]
    weights: tuple[float, ...]
    candidates: int = 100
    k: int = 60

    def __post_init__(self) -> None:
        if len(self.parts) != len(self.weights) or not self.parts:
            raise ValueError("fusion needs one weight per part, and at least one part")


Query = Nearest | Recommend | Fused


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int,
        ) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion exactly as Qdrant scores it (`Fusion.Rrf` with weights):
    the point at zero-based position p of a ranking with weight w adds 1 / ((p + 1) / w + k - 1),
    a weight of 0 adds nothing. Best first; equal scores in id order (Qdrant leaves them in any
    order), so a search fused here or in the store ranks alike."""
    fused: dict[str, float] = {}
    for ids, weight in zip(rankings, weights, strict=True):
        for position, pid in enumerate(ids):
            share = 1.0 / ((position + 1) / weight + k - 1) if weight > 0 else 0.0
            fused[pid] = fused.get(pid, 0.0) + share
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True)
class Search:
    """One query of a batch (`VectorStore.query_batch`): the arguments of `query`."""

    query: Query
    limit: int = 10
    where: Filter | None = None
    fields: tuple[str, ...] | None = None  # payload keys (None = all of it)


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    payload: dict[str, Any]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
