"""Vector stores behind one narrow interface: Qdrant Edge in-process, a Qdrant server, or memory.

The vocabulary (schemas, points, filters, queries, hits) and the `VectorStore` protocol import
no client; each backend's client loads when that backend is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from vectorstore.base import GenerationTarget, StoreError, VectorStore
from vectorstore.types import (
    Condition,
    DateRange,
    FieldType,
    Filter,
    Fused,
    Hit,
    Match,
    MatchAny,
    Nearest,
    Query,
    Range,
    Recommend,
    Search,
    SparseVector,
    StorePoint,
    StoreSchema,
    any_of,
    both,
    rrf,
)

if TYPE_CHECKING:
    from vectorstore.edge import EdgeStore
    from vectorstore.generations import Generations, LiveEdgeStore
    from vectorstore.memory import MemoryStore
    from vectorstore.server import ServerStore

_BACKENDS = {"EdgeStore": "vectorstore.edge", "Generations": "vectorstore.generations",
             "LiveEdgeStore": "vectorstore.generations", "MemoryStore": "vectorstore.memory",
             "ServerStore": "vectorstore.server"}


def __getattr__(name: str) -> Any:
    if name in _BACKENDS:
        return getattr(import_module(_BACKENDS[name]), name)
    raise AttributeError(f"module 'vectorstore' has no attribute {name!r}")


__all__ = [
    "Condition", "DateRange", "EdgeStore", "FieldType", "Filter", "Fused", "GenerationTarget",
    "Generations", "Hit",
    "LiveEdgeStore", "Match", "MatchAny", "MemoryStore", "Nearest", "Query", "Range",
    "Recommend", "Search", "ServerStore", "SparseVector", "StoreError", "StorePoint", "StoreSchema",
    "VectorStore", "any_of", "both", "rrf",
]
