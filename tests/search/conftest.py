"""The fake-encoder index every engine test starts from, in the embedded store and in memory."""

from __future__ import annotations

import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build

from search import SearchEngine
from vectorstore import EdgeStore, MemoryStore, VectorStore


@pytest.fixture(scope="module", params=["edge", "memory"])
def store(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> VectorStore:
    """Built once per module and store kind: the engine only reads it."""
    empty: VectorStore = EdgeStore(tmp_path_factory.mktemp("index")) \
        if request.param == "edge" else MemoryStore()
    return build(empty, CASES)


@pytest.fixture
def engine(store: VectorStore) -> SearchEngine:
    return SearchEngine(store, FakeEncoder())
