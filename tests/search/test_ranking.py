"""Ranking depth, fusion weights from the settings, and store errors as query errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from cmr_search.settings import Settings
from search import Page, QueryError
from search.models import MAX_DEPTH, Signal
from search.ranking import Part, Weights, depth, rank
from vectorstore import (
    Filter,
    Fused,
    Hit,
    Match,
    MemoryStore,
    Nearest,
    Recommend,
    Search,
    StorePoint,
    StoreSchema,
)


def test_the_defaults_are_the_settings() -> None:
    weights = Weights()
    assert weights == Weights.from_settings() == Weights.from_settings(Settings())
    defaults = Settings.model_construct()
    assert (weights.images, weights.reports, weights.rrf_k) == (
        defaults.weight_images, defaults.weight_reports, defaults.rrf_k)
    assert Weights.from_settings(Settings(weight_images=0.9)).images == 0.9
    assert Weights.from_settings(Settings(weight_examples=0.4)).examples == 0.4
    assert Weights.from_settings(Settings(weight_measured_findings=0.5)).measured_findings == 0.5


def test_depth_leaves_room_for_grouping_and_stops_at_the_limit() -> None:
    assert depth(Page(limit=10), candidates=50) == 50
    assert depth(Page(limit=100, page=2), candidates=50) == 800
    assert depth(Page(limit=10, per_patient=False, page=3), candidates=5) == 30
    with pytest.raises(QueryError, match=str(MAX_DEPTH)):
        depth(Page(limit=100, page=11), candidates=50)


def test_a_store_error_is_a_query_error() -> None:
    store = MemoryStore()
    store.ensure(StoreSchema(dense={"study": 4}), {})
    part = Part(Signal.EXAMPLES, Recommend("study", ("no-such-point",)), 1.0)
    with pytest.raises(QueryError, match="no-such-point"):
        rank(store, [part], Filter(), Page(), 10, 10)


def _scattered_store(n: int = 40) -> MemoryStore:
    rng = np.random.default_rng(3)
    store = MemoryStore()
    store.ensure(StoreSchema(dense={"study": 8, "report": 8}), {})
    store.upsert([StorePoint(f"00000000-0000-0000-0000-{i:012d}",
                             {k: rng.normal(size=8).astype(np.float32)
                              for k in ("study", "report")},
                             payload={"patient_key": f"p{i // 2}",
                                      "study_date": f"2020-{i % 12 + 1:02d}-01"})
                  for i in range(n)])
    return store


def test_each_signal_is_queried_once_and_fused_as_the_store_would() -> None:
    store = _scattered_store()
    queries = [Nearest("study", np.ones(8, np.float32)),
               Nearest("report", np.arange(8, dtype=np.float32)),
               Nearest("report", -np.ones(8, np.float32),
                       where=Filter(must=(Match("patient_key", "p3"),)))]
    parts = [Part(Signal.IMAGES, queries[0], 0.3), Part(Signal.REPORTS, queries[1], 1.0),
             Part(Signal.REPORT_LABELS, queries[2], 2.0)]
    batches: list[list[Search]] = []
    query_batch = store.query_batch

    def recorded(searches: Sequence[Search]) -> list[list[Hit]]:
        batches.append(list(searches))
        return query_batch(searches)

    store.query_batch = recorded  # type: ignore[method-assign]
    ranked = rank(store, parts, Filter(), Page(limit=5), candidates=12, rrf_k=10)
    assert [[s.query for s in b] for b in batches] == [queries]  # one batch, nothing twice
    reach = depth(Page(limit=5), 12)  # 20: room for grouping per patient
    own = store.query(Fused(tuple(queries), (0.3, 1.0, 2.0), candidates=reach, k=10), reach)
    assert [(h.id, h.score) for h in ranked.hits] == [(h.id, h.score) for h in own]
    assert all(set(h.payload) == {"patient_key", "study_date"} for h in ranked.hits)
    # the labels signal is explained by the findings it matched, not by a rank of its own
    assert set(ranked.ranks) == {Signal.IMAGES, Signal.REPORTS}
    assert ranked.ranks[Signal.REPORTS] == {h.id: (i + 1, h.score) for i, h in
                                            enumerate(store.query(queries[1], reach))}


def test_a_tiered_part_ranks_each_tier_before_the_next() -> None:
    rng = np.random.default_rng(5)
    store = MemoryStore()
    store.ensure(StoreSchema(dense={"study": 8}), {})
    grade = {f"00000000-0000-0000-0000-{i:012d}": "severe" if i % 5 == 0 else "mild"
             for i in range(40)}
    store.upsert([StorePoint(pid, {"study": rng.normal(size=8).astype(np.float32)},
                             payload={"grade": g, "patient_key": pid, "study_date": "2020-01-01"})
                  for pid, g in grade.items()])
    query = Nearest("study", np.ones(8, np.float32))
    tiers = (Filter(must=(Match("grade", "severe"),)), Filter(must=(Match("grade", "mild"),)))
    ranked = rank(store, [Part(Signal.MEASURED_FINDINGS, query, 1.0, tiers)], Filter(),
                  Page(limit=10, per_patient=False), candidates=12, rrf_k=10)
    assert [grade[h.id] for h in ranked.hits] == ["severe"] * 8 + ["mild"] * 4
    severe = store.query(Nearest("study", query.vector, where=tiers[0]), 12)
    assert [h.id for h in ranked.hits[:8]] == [h.id for h in severe]  # the vector within a tier
    assert sorted(r for r, _ in ranked.ranks[Signal.MEASURED_FINDINGS].values()) == \
        list(range(1, 13))
