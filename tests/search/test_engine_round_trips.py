"""A search costs few store requests: every ranking query in one batch, one retrieve for the
page (payloads and view vectors together), readiness checked once a second."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from fakes.encoder import FakeEncoder
from fakes.index import CASES, build

from search import SearchEngine, SearchRequest
from vectorstore import Hit, MemoryStore, Search


class CountingStore(MemoryStore):
    """The in-memory store, counting the requests a search makes of it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def metadata(self) -> dict[str, Any] | None:
        self.calls["metadata"] += 1
        return super().metadata()

    def query(self, *args: Any, **kwargs: Any) -> list[Hit]:
        self.calls["query"] += 1
        return super().query(*args, **kwargs)

    def query_batch(self, searches: Sequence[Search]) -> list[list[Hit]]:
        self.calls["query_batch"] += 1
        return [MemoryStore.query(self, s.query, s.limit, 0, s.where, s.fields)
                for s in searches]

    def scroll(self, *args: Any, **kwargs: Any) -> Iterator[Hit]:
        self.calls["scroll"] += 1
        return super().scroll(*args, **kwargs)

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[Hit]:
        self.calls["retrieve"] += 1
        return super().retrieve(ids, vectors)


def test_a_search_is_one_batch_one_retrieve_and_one_scroll() -> None:
    store = CountingStore()
    build(store, CASES)
    engine = SearchEngine(store, FakeEncoder())
    first = engine.search(SearchRequest(q="dilated LV with LGE"))
    store.calls.clear()
    second = engine.search(SearchRequest(q="dilated LV with LGE"))
    assert second.results and [r.study_instance_uid for r in second.results] == \
        [r.study_instance_uid for r in first.results]
    # readiness held a second; the scroll lists each shown patient's other studies
    assert store.calls == Counter(query_batch=1, retrieve=1, scroll=1)
    assert second.results[0].explanation.signals  # each signal's rank, from the same batch
