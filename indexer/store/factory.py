"""Which store the settings name: the embedded generations, or a Qdrant server by URL."""

from __future__ import annotations

from cmr_search.settings import Settings
from indexer.store.base import VectorStore
from indexer.store.generations import Generations, LiveEdgeStore
from indexer.store.server import ServerStore


def _server(settings: Settings) -> ServerStore:
    assert settings.qdrant_url is not None
    key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return ServerStore(settings.qdrant_url, settings.qdrant_collection, key)


def index_target(settings: Settings) -> Generations | ServerStore:
    """Where an index run writes."""
    return _server(settings) if settings.qdrant_url else Generations(settings.index_dir)


def open_index(settings: Settings) -> VectorStore:
    """What search reads: follows newly published generations by itself."""
    return _server(settings) if settings.qdrant_url else LiveEdgeStore(settings.index_dir)


def describe(settings: Settings) -> str:
    if settings.qdrant_url:
        return f"Qdrant at {settings.qdrant_url}, collection {settings.qdrant_collection}"
    return f"embedded Qdrant Edge store in {settings.index_dir}"
