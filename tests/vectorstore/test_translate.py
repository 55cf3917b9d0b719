"""One translation of our filters for both Qdrant clients, and one set of HNSW parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vectorstore import DateRange, Filter, Match, MatchAny, Range, StoreSchema
from vectorstore.translate import HNSW, SEARCH, Dialect, Hnsw, SearchTuning, to_filter

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
    # each graph-searched vector carries its own scan threshold, the same in both stores
    for size in (10, 384, 512):
        edge_vector, server_vector = edge._vector_params(size, False), server._vector_params(
            size, False)
        assert edge_vector.hnsw_config is not None and server_vector.hnsw_config is not None
        assert edge_vector.hnsw_config.full_scan_threshold \
            == server_vector.hnsw_config.full_scan_threshold \
            == HNSW.for_size(size).full_scan_threshold


def test_both_stores_keep_the_originals_of_a_cached_vector_in_memory(tmp_path: Path) -> None:
    import qdrant_edge as qe

    from vectorstore import EdgeStore, edge, server

    assert edge._vector_params(512, False, cached=True).memory == qe.Memory.Cached
    assert edge._vector_params(512, False).memory == qe.Memory.Cold
    assert server._vector_params(512, False, cached=True).on_disk is False
    assert server._vector_params(512, False).on_disk is True
    store = EdgeStore(tmp_path)
    store.ensure(StoreSchema(dense={"study": 4, "report": 4, "view": 4}, exact=("view",),
                             cached=("study",)), {})
    store.close()
    config = json.loads((tmp_path / "shard" / "edge_config.json").read_text())["vectors"]
    assert {name: v["memory"] for name, v in config.items()} == {
        "study": "cached", "report": "cold", "view": "cold"}
    with pytest.raises(ValueError, match="cached vectors must be graph-searched"):
        StoreSchema(dense={"study": 4, "view": 4}, exact=("view",), cached=("view",))


def test_a_filter_keeping_few_points_scans_them_whatever_the_vector_size() -> None:
    # Qdrant counts the threshold in kB of float32 vectors: 80,000 points of 512 floats
    graph = Hnsw(full_scan_threshold=10_000, scan_points=80_000)
    assert graph.for_size(512).full_scan_threshold == 160_000
    assert graph.for_size(384).full_scan_threshold == 120_000
    assert graph.for_size(500).full_scan_threshold * 1024 >= 80_000 * 500 * 4  # rounded up
    # a small vector never scans less than the plain threshold (40 bytes: 256,000 points)
    assert graph.for_size(10).full_scan_threshold == 10_000
    assert Hnsw(scan_points=0).for_size(512) == Hnsw(scan_points=0)
    assert HNSW.scan_points == 80_000


def test_the_search_beam_widens_with_the_graph() -> None:
    tuning = SearchTuning(hnsw_ef=16, large=1000, hnsw_ef_large=64, hnsw_ef_large_filtered=32)
    assert tuning.beam(999, filtered=False) == tuning.beam(999, filtered=True) == 16
    assert tuning.beam(1000, filtered=False) == 64 and tuning.beam(10**6, filtered=True) == 32
    # the product's own: measured at 1,000,000 points (docs/scaling.md)
    assert SEARCH.beam(100_000, False) == 256 and SEARCH.beam(1_000_000, False) == 1024
