"""One translation of our filters for both Qdrant clients, and one set of HNSW parameters."""

from __future__ import annotations

from typing import Any

from vectorstore import DateRange, Filter, Match, MatchAny, Range
from vectorstore.translate import HNSW, SEARCH, Dialect, SearchTuning, to_filter

# a dialect that writes plain tuples, to see the walk itself
PLAIN: Dialect[Any] = Dialect(
    match=lambda k, v: ("match", k, v), match_any=lambda k, v: ("any", k, tuple(v)),
    number_range=lambda k, a, b: ("range", k, a, b),
    date_range=lambda k, a, b: ("dates", k, a, b),
    filter=lambda must, must_not: ("filter", must, must_not))


def test_every_condition_kind_and_nesting_is_translated() -> None:
    where = Filter(must=(Match("sex", "F"), Range("age", 40, None),
                         DateRange("study_date", None, "2020-01-01T00:00:00Z")),
                   must_not=(Filter((Match("report_status", "missing"),
                                     MatchAny("views", ("lge_sax",)))),))
    assert to_filter(where, PLAIN) == (
        "filter", [("match", "sex", "F"), ("range", "age", 40, None),
                   ("dates", "study_date", None, "2020-01-01T00:00:00Z")],
        [("filter", [("match", "report_status", "missing"), ("any", "views", ("lge_sax",))],
          None)])
    assert to_filter(Filter(), PLAIN) is None and to_filter(None, PLAIN) is None


def test_both_stores_build_their_graphs_alike() -> None:
    from vectorstore import edge, server

    edge_graph, server_graph = edge._hnsw(HNSW), server._hnsw(HNSW)
    for name in ("m", "ef_construct", "full_scan_threshold", "payload_m"):
        assert getattr(edge_graph, name) == getattr(server_graph, name) == getattr(HNSW, name)


def test_the_search_beam_widens_with_the_graph() -> None:
    tuning = SearchTuning(hnsw_ef=16, large=1000, hnsw_ef_large=64, hnsw_ef_large_filtered=32)
    assert tuning.beam(999, filtered=False) == tuning.beam(999, filtered=True) == 16
    assert tuning.beam(1000, filtered=False) == 64 and tuning.beam(10**6, filtered=True) == 32
    # the product's own: measured at 1,000,000 points (docs/scaling.md)
    assert SEARCH.beam(100_000, False) == 256 and SEARCH.beam(1_000_000, False) == 1024
