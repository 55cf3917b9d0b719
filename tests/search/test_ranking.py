"""Ranking depth, fusion weights from the settings, and store errors as query errors."""

from __future__ import annotations

import pytest

from cmr_search.settings import Settings
from search import Page, QueryError
from search.models import MAX_DEPTH, Signal
from search.ranking import Part, Weights, depth, rank
from vectorstore import Filter, MemoryStore, Recommend, StoreSchema


def test_the_defaults_are_the_settings() -> None:
    weights = Weights()
    assert weights == Weights.from_settings() == Weights.from_settings(Settings())
    defaults = Settings.model_construct()
    assert (weights.images, weights.reports, weights.rrf_k) == (
        defaults.weight_images, defaults.weight_reports, defaults.rrf_k)
    assert Weights.from_settings(Settings(weight_images=0.9)).images == 0.9


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
