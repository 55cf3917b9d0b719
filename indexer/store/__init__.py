"""Vector stores behind one narrow interface: Qdrant Edge in-process, or a Qdrant server."""

from indexer.store.base import StoreError, VectorStore
from indexer.store.edge import EdgeStore
from indexer.store.generations import Generations, LiveEdgeStore
from indexer.store.server import ServerStore
from indexer.store.types import (
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
    SparseVector,
    StorePoint,
    StoreSchema,
)

__all__ = [
    "Condition", "DateRange", "EdgeStore", "FieldType", "Filter", "Fused", "Generations", "Hit",
    "LiveEdgeStore", "Match", "MatchAny", "Nearest", "Query", "Range", "Recommend",
    "ServerStore", "SparseVector", "StoreError", "StorePoint", "StoreSchema", "VectorStore",
]
