"""One translation of our filters for both Qdrant clients, and one set of HNSW parameters."""

from __future__ import annotations

from typing import Any

from vectorstore import DateRange, Filter, Match, MatchAny, Range
from vectorstore.translate import HNSW, Dialect, to_filter

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
