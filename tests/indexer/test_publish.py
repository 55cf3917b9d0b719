"""Publishing to a Qdrant server (qdrant-client's local mode stands in): another
application's collection is never changed or deleted."""

from __future__ import annotations

import pytest
from fakes.server import memory_server
from qdrant_client import models

from catalog import FOREIGN_HINT, IndexMismatchError, mismatch
from indexer.publish import publish_server


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_collection_that_is_not_ours_is_refused_even_by_a_rebuild(rebuild: bool) -> None:
    """An audit pointed CMR_SEARCH_QDRANT_COLLECTION at a collection of another application;
    the refusal said to re-index with --rebuild, and the rebuild deleted its five points."""
    store = memory_server("theirs")
    store.client.create_collection("theirs", vectors_config={
        "study": models.VectorParams(size=4, distance=models.Distance.COSINE)})
    store.client.upsert("theirs", [models.PointStruct(id=i, vector={"study": [1.0, 0, 0, 0]})
                                   for i in range(5)])
    with pytest.raises(IndexMismatchError, match="holds no cmr-search index") as refused:
        publish_server(store, {"index_version": 1}, [], {}, {}, {}, rebuild=rebuild)
    assert "--rebuild" not in str(refused.value)
    assert store.client.count("theirs").count == 5


def test_serving_such_a_collection_names_it_foreign_without_a_rebuild() -> None:
    assert mismatch({}, {"index_version": 1}) == FOREIGN_HINT
    assert mismatch({"index_version": 1}, {"index_version": 1}) is None
