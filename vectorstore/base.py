"""The narrow interface every vector store implements (Qdrant Edge, a Qdrant server, fakes)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from vectorstore.types import Filter, Hit, Query, Search, StorePoint, StoreSchema


class StoreError(RuntimeError):
    """The store cannot be used as asked; the message says which store and why."""


class VectorStore(Protocol):
    """Points with named vectors and a payload; searches, filters and facets over them."""

    def ensure(self, schema: StoreSchema, metadata: dict[str, Any]) -> dict[str, Any]:
        """Create the collection if missing; return the metadata it was created with."""
        ...

    def metadata(self) -> dict[str, Any] | None:
        """What the collection was created with (None if it does not exist)."""
        ...

    def upsert(self, points: Sequence[StorePoint]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[Hit]:
        """Points by id (missing ids are left out), with the named vectors asked for."""
        ...

    def scroll(self, fields: Sequence[str] | None = None, where: Filter | None = None,
               batch: int = 1000) -> Iterator[Hit]:
        """Every point (payload `fields` only, or all of it when None), in id order."""
        ...

    def count(self, where: Filter | None = None) -> int: ...

    def query(self, query: Query, limit: int = 10, offset: int = 0,
              where: Filter | None = None, fields: Sequence[str] | None = None) -> list[Hit]:
        """Best hits first; `fields` selects payload keys (None = all)."""
        ...

    def query_batch(self, searches: Sequence[Search]) -> list[list[Hit]]:
        """Several queries in one round trip (a server) or one planned pass (embedded): one
        list of hits per search, in order, each as `query` would answer it."""
        ...

    def facet(self, key: str, where: Filter | None = None, limit: int = 50) -> dict[Any, int]:
        """Exact count of points per value of `key` among those matching `where`."""
        ...

    def optimize(self) -> None:
        """Build search indexes now (HNSW); a no-op where the server does it by itself."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class GenerationTarget(Protocol):
    """An embedded index built aside and published whole (`vectorstore.generations`): index
    runs tell it from a server store by this shape, without loading the embedded engine."""

    root: Path

    def current(self) -> Path | None: ...

    def new(self) -> Path: ...

    def publish(self, folder: Path) -> None: ...

    def prune(self, keep_previous: int = 1) -> list[str]: ...

    def lock(self) -> AbstractContextManager[None]: ...


def example_vectors(store: VectorStore, using: str,
                    examples: tuple[str | np.ndarray, ...]) -> list[np.ndarray]:
    """Recommendation examples as vectors: point ids are looked up in `using`."""
    ids = [e for e in examples if isinstance(e, str)]
    found = {h.id: h.vectors.get(using) for h in store.retrieve(ids, [using])} if ids else {}
    out: list[np.ndarray] = []
    for e in examples:
        vector = found.get(e) if isinstance(e, str) else e
        if vector is None:
            raise StoreError(f"point {e} has no vector {using!r}")
        out.append(vector)
    return out


def dense_vectors(raw: Any) -> dict[str, np.ndarray]:
    """The dense named vectors of a client's record (sparse ones are left out)."""
    if not isinstance(raw, dict):
        return {}
    return {k: np.asarray(v, dtype=np.float32) for k, v in raw.items() if isinstance(v, list)}


def selected(payload: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """The payload keys a query asked for (all of them when `fields` is None)."""
    return dict(payload) if fields is None else {k: payload[k] for k in fields if k in payload}
