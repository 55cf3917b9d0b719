"""Which store the settings name: the embedded generations, or a Qdrant server by URL.

Each backend's client is imported only when it is chosen, so a deployment on a Qdrant server
never opens the embedded engine and the reverse. (Keyword search on any store tokenizes with
Qdrant Edge's BM25, `vectorstore.keywords`: that module of the wheel is always installed.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmr_search.settings import Settings
from vectorstore.base import VectorStore

if TYPE_CHECKING:
    from vectorstore.generations import Generations
    from vectorstore.server import ServerStore


def _server(settings: Settings) -> ServerStore:
    from vectorstore.server import ServerStore

    assert settings.qdrant_url is not None
    key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return ServerStore(settings.qdrant_url, settings.qdrant_collection, key,
                       shards=settings.qdrant_shards, replicas=settings.qdrant_replicas)


def index_target(settings: Settings) -> Generations | ServerStore:
    """Where an index run writes."""
    if settings.qdrant_url:
        return _server(settings)
    from vectorstore.generations import Generations

    return Generations(settings.layout.index)


def open_index(settings: Settings) -> VectorStore:
    """What search reads: follows newly published generations by itself."""
    if settings.qdrant_url:
        return _server(settings)
    from vectorstore.generations import LiveEdgeStore

    return LiveEdgeStore(settings.layout.index, part_processes=settings.part_processes)


def describe(settings: Settings) -> str:
    if settings.qdrant_url:
        return f"Qdrant at {settings.qdrant_url}, collection {settings.qdrant_collection}"
    return f"embedded Qdrant Edge store in {settings.layout.index}"
