"""One contract, four stores: Qdrant Edge in-process (one shard, and an index in two parts),
qdrant-client (its in-memory mode, which speaks the server's API) and our own MemoryStore (the
fake the other tests use)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.points import SCHEMA, sample_points, unit
from fakes.server import memory_server

from catalog import point_id
from vectorstore import (
    DateRange,
    EdgeStore,
    Filter,
    Fused,
    Match,
    MatchAny,
    MemoryStore,
    Nearest,
    Range,
    Recommend,
    Search,
    ServerStore,
    StoreError,
    VectorStore,
    any_of,
    rrf,
)
from vectorstore.edge_parts import EdgeParts
from vectorstore.keywords import keyword_query
from vectorstore.translate import SearchTuning


def _empty(kind: str, folder: Path) -> VectorStore:
    if kind == "edge":
        return EdgeStore(folder)
    if kind == "parts":  # the five points fill parts of 3 + 2: every search merges the two
        return EdgeParts(folder, part_points=3)
    return memory_server("test") if kind == "server" else MemoryStore()


@pytest.fixture(params=["edge", "parts", "server", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    s = _empty(request.param, tmp_path / "gen")
    assert s.metadata() is None
    s.ensure(SCHEMA, {"model": {"architecture": "tiny"}, "index_version": "v"})
    s.upsert(sample_points())
    yield s
    s.close()


def _uids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.payload["uid"] for h in hits]


def test_metadata_is_kept_and_ensure_is_idempotent(store: VectorStore) -> None:
    assert store.metadata() == {"model": {"architecture": "tiny"}, "index_version": "v"}
    assert store.ensure(SCHEMA, {"other": 1})["index_version"] == "v"
    assert store.count() == 5


def test_upsert_is_keyed_by_id_so_reruns_do_not_duplicate(store: VectorStore) -> None:
    store.upsert(sample_points())
    assert store.count() == 5


def test_nearest_dense_ranks_the_closest_first(store: VectorStore) -> None:
    hits = store.query(Nearest("study", unit(1.0, 3, 0.5, 0.3)), limit=2)
    assert _uids(hits)[0] == "1.2.3.3"
    assert hits[0].score >= hits[1].score


def test_a_named_view_vector_finds_only_points_that_have_it(store: VectorStore) -> None:
    hits = store.query(Nearest("view_4ch", unit(1, 1, 0, 1)), limit=10)
    assert sorted(_uids(hits)) == ["1.2.3.0", "1.2.3.2", "1.2.3.4"]


def test_keywords_find_exact_rare_terms(store: VectorStore) -> None:
    assert _uids(store.query(Nearest("keywords", keyword_query("Fabry")), limit=3))[0] == "1.2.3.2"
    assert _uids(store.query(Nearest("keywords", keyword_query("amyloidosis")), limit=1)) \
        == ["1.2.3.0"]


def test_filters_on_keyword_integer_float_date_and_negation(store: VectorStore) -> None:
    q = Nearest("study", unit(1, 1, 1, 1))
    assert sorted(_uids(store.query(q, 10, where=Filter(must=(Match("sex", "F"),))))) \
        == ["1.2.3.1", "1.2.3.3"]
    assert _uids(store.query(q, 10, where=Filter(must=(Range("age", gte=65),)))) == ["1.2.3.4"]
    assert len(store.query(q, 10, where=Filter(must=(Range("score", lte=0.25),)))) == 2
    dated = Filter(must=(DateRange("study_date", gte="2022-01-01T00:00:00Z",
                                   lte="2023-06-01T00:00:00Z"),))
    assert sorted(_uids(store.query(q, 10, where=dated))) == ["1.2.3.2", "1.2.3.3"]
    assert store.count(Filter(must_not=(Match("findings", "lge"),))) == 4
    assert store.count(Filter(must=(MatchAny("sex", ("F", "M")),))) == 5
    # "A or B" (search/alternatives' sides): none of the two failing
    older_or_female = any_of([Filter(must=(Range("age", gte=65),)),
                              Filter(must=(Match("sex", "F"),))])
    assert sorted(_uids(store.query(q, 10, where=older_or_female))) == \
        ["1.2.3.1", "1.2.3.3", "1.2.3.4"]


def test_fusion_combines_dense_and_sparse(store: VectorStore) -> None:
    fused = Fused((Nearest("study", unit(1.0, 0, 0.5, 0)), Nearest("keywords",
                                                                    keyword_query("Fabry"))),
                  weights=(1.0, 1.0))
    uids = _uids(store.query(fused, limit=3))
    assert uids[0] in {"1.2.3.0", "1.2.3.2"} and "1.2.3.2" in uids[:2]


def test_nested_filters_and_a_filter_per_fused_part(store: VectorStore) -> None:
    # not (female and over 40): "A and B" inside must_not needs a nested filter
    nested = Filter(must_not=(Filter(must=(Match("sex", "F"), Range("age", gte=40))),))
    assert sorted(_uids(list(store.scroll(where=nested)))) == ["1.2.3.0", "1.2.3.2", "1.2.3.4"]
    only_lge = Filter(must=(Match("findings", "lge"),))
    q = Nearest("study", unit(1, 1, 1, 1), where=only_lge)
    assert _uids(store.query(q, 10)) == ["1.2.3.0"]
    fused = Fused((Nearest("study", unit(1.0, 4, 0.5, 0.4)), q), weights=(1.0, 1.0))
    assert set(_uids(store.query(fused, 10))) == {f"1.2.3.{i}" for i in range(5)}
    men = _uids(store.query(fused, 10, where=Filter(must=(Match("sex", "M"),))))
    assert sorted(men) == ["1.2.3.0", "1.2.3.2", "1.2.3.4"]


def test_recommend_by_ids_excludes_nothing_but_ranks_by_examples(store: VectorStore) -> None:
    hits = store.query(Recommend("study", (point_id("1.2.3.3"),), (point_id("1.2.3.0"),)),
                       limit=2)
    assert _uids(hits)[0] in {"1.2.3.3", "1.2.3.4"}
    with pytest.raises(StoreError):
        store.query(Recommend("view_4ch", (point_id("1.2.3.1"),)), limit=2)


def test_facets_count_matching_points(store: VectorStore) -> None:
    assert store.facet("sex") == {"M": 3, "F": 2}
    assert store.facet("sex", Filter(must=(Range("age", gte=50),))) == {"M": 2, "F": 1}


def test_retrieve_scroll_delete_and_payload_selection(store: VectorStore) -> None:
    hit = store.retrieve([point_id("1.2.3.2")], ["view_4ch"])[0]
    assert hit.payload["uid"] == "1.2.3.2" and hit.vectors["view_4ch"].shape == (4,)
    assert store.retrieve(["00000000-0000-0000-0000-000000000000"]) == []
    rows = list(store.scroll(["uid"], batch=2))
    assert sorted(r.payload["uid"] for r in rows) == [f"1.2.3.{i}" for i in range(5)]
    assert all(set(r.payload) == {"uid"} for r in rows)
    store.delete([point_id("1.2.3.2")])
    assert store.count() == 4
    selected = store.query(Nearest("study", unit(1, 1, 1, 1)), limit=1, fields=["sex"])
    assert set(selected[0].payload) == {"sex"}


def test_a_server_store_needs_an_http_url() -> None:
    with pytest.raises(StoreError, match="http"):
        ServerStore(":memory:", "studies")


def test_a_batch_answers_each_search_as_query_would(store: VectorStore) -> None:
    dense = Nearest("study", unit(1.0, 2.0, 0.5, 0.2))
    sparse = Nearest("keywords", keyword_query("amyloidosis LGE"))
    men = Filter(must=(Match("sex", "M"),))
    fused = Fused((dense, sparse), (1.0, 0.5), candidates=5, k=10)
    searches = [Search(dense, 3), Search(sparse, 5, men, ("uid",)), Search(fused, 4)]
    batch = store.query_batch(searches)
    alone = [store.query(s.query, s.limit, where=s.where, fields=s.fields) for s in searches]
    assert [[(h.id, round(h.score, 4), h.payload) for h in hits] for hits in batch] == \
        [[(h.id, round(h.score, 4), h.payload) for h in hits] for hits in alone]
    assert [len(hits) for hits in batch] == [3, 2, 4]
    assert store.query_batch([]) == []


def test_a_store_fuses_with_the_formula_search_fuses_with(store: VectorStore) -> None:
    # search.ranking fuses each signal's ranking itself; a store's fusion must score alike
    dense = Nearest("study", unit(1.0, 2.0, 0.5, 0.2))
    sparse = Nearest("keywords", keyword_query("amyloidosis LGE dilated"))
    weights = (0.3, 2.0)
    own = [[h.id for h in store.query(q, 5)] for q in (dense, sparse)]
    fused = store.query(Fused((dense, sparse), weights, candidates=5, k=10), 5)
    expected = rrf(own, weights, 10)
    assert sorted((h.id, round(h.score, 5)) for h in fused) == \
        sorted((pid, round(score, 5)) for pid, score in expected)
    assert [h.score for h in fused] == sorted((h.score for h in fused), reverse=True)


def test_rrf_weights_stretch_positions_and_zero_drops_a_ranking() -> None:
    # a weight of 2 makes position 1 count as position 0 would at weight 1 (k = 2 here)
    assert rrf([["a", "b"]], [2.0], 2) == [("a", 1 / 1.5), ("b", 1 / 2)]
    assert rrf([["a"], ["b"]], [1.0, 0.0], 2) == [("a", 0.5), ("b", 0.0)]
    assert rrf([["b", "a"], ["a", "b"]], [1.0, 1.0], 10) == [("a", 1 / 10 + 1 / 11),
                                                            ("b", 1 / 10 + 1 / 11)]


def test_the_beam_sent_follows_the_point_count(tmp_path: Path) -> None:
    # 5 points: over `large` here, so plain and filtered searches walk with their wide beams
    tuning = SearchTuning(hnsw_ef=16, large=5, hnsw_ef_large=64, hnsw_ef_large_filtered=32)
    men = Filter(must=(Match("sex", "M"),))
    edge = EdgeStore(tmp_path / "edge", tuning=tuning)
    edge.ensure(SCHEMA, {})
    edge.upsert(sample_points()[:4])
    assert edge._search_params(None).hnsw_ef == 16
    edge.upsert(sample_points())  # a fifth point: the beam is sized again
    assert (edge._search_params(None).hnsw_ef, edge._search_params(men).hnsw_ef) == (64, 32)
    assert len(edge.query(Nearest("study", unit(1, 1, 1, 1)), 5, where=men)) == 3
    edge.close()
    server = memory_server("beam")
    server.ensure(SCHEMA, {})
    server.upsert(sample_points())
    assert server._params(None) is None  # qdrant-client's local mode takes no parameters
    server.tuning = tuning
    params = server._params(men)
    assert params is not None and params.hnsw_ef == 32
