"""One translation of our filters and index settings into a Qdrant client's types.

Qdrant Edge and qdrant-client spell the same filter with different classes; each backend hands
`to_filter` a `Dialect` of constructors, so the walk over conditions is written once and both
stores read a filter the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from vectorstore import types as st

F = TypeVar("F")  # the client's filter class


@dataclass(frozen=True)
class Dialect(Generic[F]):
    """Constructors of one client: a condition per kind, and a filter of conditions."""

    match: Callable[[str, str | int], Any]
    match_any: Callable[[str, list[str]], Any]
    number_range: Callable[[str, float | None, float | None], Any]
    date_range: Callable[[str, str | None, str | None], Any]
    filter: Callable[[list[Any] | None, list[Any] | None], F]


def to_filter(where: st.Filter | None, dialect: Dialect[F]) -> F | None:
    """The client's filter for `where`, or None when it constrains nothing."""
    if not where:
        return None
    return dialect.filter([_condition(c, dialect) for c in where.must] or None,
                          [_condition(c, dialect) for c in where.must_not] or None)


def _condition(c: st.Condition, dialect: Dialect[F]) -> Any:
    if isinstance(c, st.Filter):
        return to_filter(c, dialect) or dialect.filter(None, None)
    if isinstance(c, st.Match):
        return dialect.match(c.key, c.value)
    if isinstance(c, st.MatchAny):
        return dialect.match_any(c.key, list(c.values))
    if isinstance(c, st.Range):
        return dialect.number_range(c.key, c.gte, c.lte)
    return dialect.date_range(c.key, c.gte, c.lte)


@dataclass(frozen=True)
class Hnsw:
    """HNSW graph parameters, the same for the embedded and the server collection.

    Measured on 2 cores: ef_construct 100 builds 3x faster than the default with no loss of
    recall at our sizes; payload_m 0 skips per-payload graphs (filters use the payload
    indexes); m 0 on rarely searched vectors (per-view similarity) means exact scan only.

    `scan_points`: a search whose filter keeps fewer points than this (or any search of a
    segment that small) scores every kept point's int8 copy instead of walking the graph:
    exact ranking, and cheaper than a filtered graph walk. At 200,000 points, one vendor
    and an age band (20,000 kept): 10.1 ms and recall@10 1.00 scanned, 18.9 ms and 0.99
    with ACORN (docs/scaling.md). Qdrant counts the threshold in kB of float32 vectors, so it
    is set per vector from its size (`for_size`), never below `full_scan_threshold`.
    """

    m: int = 16
    ef_construct: int = 100
    full_scan_threshold: int = 10000  # kB of vectors below which a search scans exactly
    payload_m: int = 0
    scan_points: int = 0

    def for_size(self, size: int) -> Hnsw:
        """These parameters for one vector of `size` float32 values."""
        scan_kb = -(-self.scan_points * size * 4 // 1024)  # rounded up
        return replace(self, full_scan_threshold=max(self.full_scan_threshold, scan_kb))


HNSW = Hnsw(scan_points=80_000)
NO_GRAPH = Hnsw(m=0)


@dataclass(frozen=True)
class Quantization:
    """int8 scalar quantisation of the graph-searched vectors, and how searches use it.

    The int8 copies (a quarter of float32) stay in memory and are what the graph walks; the
    float32 originals live on disk (memory-mapped) and only rescore the `oversampling` times
    `limit` best candidates, so the ranking is the originals' ranking. At 1,000,000 studies
    that is 1.4 GB of int8 in memory instead of 5.6 GB of float32 (bench/index_speed.py).
    """

    quantile: float = 0.99  # the int8 range covers this fraction of the values (outliers clip)
    oversampling: float = 2.0
    rescore: bool = True


@dataclass(frozen=True)
class SearchTuning:
    """Search-time settings: `hnsw_ef` is the graph walk's beam (at least the limit asked
    for); chosen with bench/index_speed.py (recall@10 against exact search).

    The beam a fixed recall needs grows with the graph: from `large` points on, plain
    searches walk with `hnsw_ef_large` and filtered ones (ACORN, dearer per step) with
    `hnsw_ef_large_filtered`. Measured at 1,000,000 points: plain recall@10 0.71 / 0.85 / 0.95
    at beams 256 / 512 / 1024 (4.4 ms at 1024); filtered 0.90 / 0.98 / 1.00 at 24 / 43 / 71 ms
    (docs/scaling.md). Below `large` the 256 beam costs a search ~1 ms and keeps 0.97 to 0.98.

    `acorn`: a filter that keeps under `acorn_max_selectivity` of the points walks the graph
    with ACORN (neighbours of neighbours that pass the filter), not the plain walk that loses
    its way when most neighbours are filtered out: at 100,000 points, one vendor and an age
    band (~10 % of the points), recall@10 0.31 without it and 1.00 with it (docs/scaling.md).
    Unfiltered searches are not affected, nor filters that keep fewer than `Hnsw.scan_points`
    points (those are scanned, not walked).
    """

    hnsw_ef: int = 256  # recall@10 0.90 -> 0.97 at 300,000 points for ~1 ms (docs/scaling.md)
    large: int = 500_000
    hnsw_ef_large: int = 1024
    hnsw_ef_large_filtered: int = 512
    acorn: bool = True
    acorn_max_selectivity: float = 0.4  # Qdrant's default

    def beam(self, points: int, filtered: bool) -> int:
        """The hnsw_ef for a search over `points` points, with or without a filter."""
        if points < self.large:
            return self.hnsw_ef
        return self.hnsw_ef_large_filtered if filtered else self.hnsw_ef_large


INT8 = Quantization()
SEARCH = SearchTuning()
