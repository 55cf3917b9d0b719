"""A Qdrant server stand-in for tests: qdrant-client's local mode (never used outside tests)."""

from __future__ import annotations

from qdrant_client import QdrantClient

from vectorstore.server import ServerStore


def memory_server(collection: str) -> ServerStore:
    return ServerStore.from_client(QdrantClient(location=":memory:"), collection, ":memory:")
