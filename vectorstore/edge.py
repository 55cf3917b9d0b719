"""The embedded store: one Qdrant Edge shard in a folder, in this process, no server.

A shard can be open in one process only (its write-ahead log is locked), so the indexer never
writes into the shard a server is reading: see `generations.py`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe

from vectorstore import types as st
from vectorstore.base import StoreError, dense_vectors, example_vectors
from vectorstore.translate import (
    HNSW,
    INT8,
    NO_GRAPH,
    SEARCH,
    Dialect,
    Hnsw,
    Quantization,
    SearchTuning,
    to_filter,
)

logger = logging.getLogger(__name__)

SHARD = "shard"
METADATA = "collection.json"


def read_metadata(folder: Path) -> dict[str, Any] | None:
    """What the index in `folder` was created with (None: no index there)."""
    path = folder / METADATA
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as error:
        raise StoreError(f"{path}: unreadable ({error})") from error


def write_metadata(folder: Path, metadata: dict[str, Any]) -> None:
    """Written last, whole or not at all: a folder without it holds no index."""
    tmp = (folder / METADATA).with_suffix(".partial")
    tmp.write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    tmp.replace(folder / METADATA)


@contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """The binding's write failures (a full disk, a file-size limit) as one `StoreError` line
    naming the folder: it raises plain Exceptions, which a publish did not clean up after and
    which reached the terminal as a traceback."""
    try:
        yield
    except (StoreError, OSError):
        raise
    except Exception as error:  # the binding raises plain Exceptions
        said = " ".join(str(error).split())[:300] or type(error).__name__
        raise StoreError(f"{folder}: cannot write the index ({said})") from error


def _hnsw(params: Hnsw) -> qe.HnswIndexConfig:
    return qe.HnswIndexConfig(m=params.m, ef_construct=params.ef_construct,
                              full_scan_threshold=params.full_scan_threshold,
                              payload_m=params.payload_m)


def _vector_params(size: int, exact: bool, quantization: Quantization | None = INT8,
                   cached: bool = False) -> qe.EdgeVectorParams:
    """Graph-searched vectors: int8 copies in memory, float32 originals on disk (mmap), or
    for a `cached` vector read into the page cache when the shard loads; exact-scanned ones
    (per view): float16 on disk, read only when a view is compared."""
    if exact:
        return qe.EdgeVectorParams(size=size, distance=qe.Distance.Cosine,
                                   hnsw_config=_hnsw(NO_GRAPH), memory=qe.Memory.Cold,
                                   datatype=qe.VectorStorageDatatype.Float16)
    if quantization is None:
        return qe.EdgeVectorParams(size=size, distance=qe.Distance.Cosine,
                                   hnsw_config=_hnsw(HNSW.for_size(size)))
    int8 = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=quantization.quantile,
                                       memory=qe.Memory.Pinned)
    memory = qe.Memory.Cached if cached else qe.Memory.Cold
    return qe.EdgeVectorParams(size=size, distance=qe.Distance.Cosine, memory=memory,
                               hnsw_config=_hnsw(HNSW.for_size(size)),
                               quantization_config=int8)


def search_params(tuning: SearchTuning = SEARCH, quantization: Quantization = INT8,
                  points: int = 0, filtered: bool = False) -> qe.SearchParams:
    """What a search over a shard of `points` points sends (the beam grows with the graph)."""
    acorn = qe.AcornSearchParams(enable=tuning.acorn,
                                 max_selectivity=tuning.acorn_max_selectivity)
    return qe.SearchParams(hnsw_ef=tuning.beam(points, filtered),
                           quantization=qe.QuantizationSearchParams(
                               rescore=quantization.rescore,
                               oversampling=quantization.oversampling), acorn=acorn)


_FIELD_TYPES = {
    st.FieldType.KEYWORD: qe.PayloadSchemaType.Keyword,
    st.FieldType.INTEGER: qe.PayloadSchemaType.Integer,
    st.FieldType.FLOAT: qe.PayloadSchemaType.Float,
    st.FieldType.BOOL: qe.PayloadSchemaType.Bool,
    st.FieldType.DATETIME: qe.PayloadSchemaType.Datetime,
    st.FieldType.TEXT: qe.PayloadSchemaType.Text,
}

_DIALECT: Dialect[qe.Filter] = Dialect(
    match=lambda key, value: qe.FieldCondition(key=key, match=qe.MatchValue(value)),
    match_any=lambda key, values: qe.FieldCondition(key=key, match=qe.MatchAny(values)),
    number_range=lambda key, gte, lte: qe.FieldCondition(key=key,
                                                         range=qe.RangeFloat(gte=gte, lte=lte)),
    date_range=lambda key, gte, lte: qe.FieldCondition(key=key,
                                                       range=qe.RangeDateTime(gte=gte, lte=lte)),
    filter=lambda must, must_not: qe.Filter(must=must, must_not=must_not))


def _filter(where: st.Filter | None) -> qe.Filter | None:
    return to_filter(where, _DIALECT)


def _vector(v: np.ndarray | st.SparseVector) -> list[float] | qe.SparseVector:
    if isinstance(v, st.SparseVector):
        return qe.SparseVector(list(v.indices), list(v.values))
    return np.asarray(v, dtype=np.float32).tolist()  # type: ignore[no-any-return]


def _hits(points: Sequence[Any]) -> list[st.Hit]:
    return [st.Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in points]


class EdgeStore:
    """A Qdrant Edge shard under `folder` (the shard itself in `folder/shard`)."""

    def __init__(self, folder: Path, tuning: SearchTuning = SEARCH,
                 quantization: Quantization | None = INT8) -> None:
        self.folder = folder
        self.quantization = quantization  # for collections this store creates
        self.tuning = tuning
        # the point count that sizes the beam: this shard's, or the whole index's when the
        # shard is one part of several (`edge_parts`): a part's graph is the smaller, so the
        # index's beam errs toward recall, and every part walks alike
        self.sized_by: Callable[[], int] = self.count
        self._params: dict[bool, qe.SearchParams] = {}  # filtered? -> what searches send
        self._shard: qe.EdgeShard | None = None
        self._opening = threading.Lock()

    def metadata(self) -> dict[str, Any] | None:
        return read_metadata(self.folder)

    @property
    def shard(self) -> qe.EdgeShard:
        with self._opening:  # a shard loads once: a second load in one process is refused
            return self._load()

    def _load(self) -> qe.EdgeShard:
        if self._shard is None:
            if self.metadata() is None:
                raise StoreError(f"{self.folder}: no index here")
            try:
                self._shard = qe.EdgeShard.load(str(self.folder / SHARD))
            except Exception as error:  # the binding raises plain Exceptions
                if "WouldBlock" in str(error):
                    raise StoreError(f"{self.folder / SHARD}: open in another process (a running "
                                     "`cmr-search serve`?); stop it, or search through its "
                                     "API: /api/v1/search?q=...") from error
                raise StoreError(f"{self.folder / SHARD}: cannot open ({error})") from error
        return self._shard

    def ensure(self, schema: st.StoreSchema, metadata: dict[str, Any]) -> dict[str, Any]:
        existing = self.metadata()
        if existing is not None:
            return existing
        config = qe.EdgeConfig(
            vectors={name: _vector_params(size, name in schema.exact, self.quantization,
                                          name in schema.cached)
                     for name, size in schema.dense.items()},
            sparse_vectors={name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)
                            for name in schema.sparse},
            hnsw_config=_hnsw(HNSW),
            # a generation is built aside and published only after it is flushed, so a log
            # of every upsert (as large as the points) buys nothing; a crash rebuilds it
            wal_enabled=False)
        self.folder.mkdir(parents=True, exist_ok=True)
        with _writing(self.folder):
            self._shard = qe.EdgeShard.create(str(self.folder / SHARD), config)
            for name, kind in schema.indexes.items():
                self._shard.update(qe.UpdateOperation.create_field_index(name,
                                                                         _FIELD_TYPES[kind]))
        write_metadata(self.folder, metadata)
        return metadata

    def upsert(self, points: Sequence[st.StorePoint]) -> None:
        if not points:
            return
        edge_points = []
        for p in points:
            vectors: dict[str, Any] = {k: _vector(v) for k, v in p.dense.items()}
            vectors.update({k: _vector(v) for k, v in p.sparse.items()})
            edge_points.append(qe.Point(p.id, vectors, p.payload))
        with _writing(self.folder):
            self.shard.update(qe.UpdateOperation.upsert_points(edge_points))
        self._params.clear()  # the beam follows the point count

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            with _writing(self.folder):
                self.shard.update(qe.UpdateOperation.delete_points(list(ids)))
            self._params.clear()  # the beam follows the point count

    def holding(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` this shard holds (no payload read)."""
        if not ids:
            return set()
        return {str(r.id) for r in self.shard.retrieve(list(ids), with_payload=False,
                                                        with_vector=False)}

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[st.Hit]:
        records = self.shard.retrieve(list(ids), with_payload=True,
                                      with_vector=list(vectors) if vectors else False)
        return [st.Hit(str(r.id), 1.0, dict(r.payload or {}), dense_vectors(r.vector))
                for r in records]

    def scroll(self, fields: Sequence[str] | None = None, where: st.Filter | None = None,
               batch: int = 1000) -> Iterator[st.Hit]:
        offset: Any = None
        while True:
            hits, offset = self.scroll_page(fields, where, batch, offset)
            yield from hits
            if offset is None:
                return

    def scroll_page(self, fields: Sequence[str] | None, where: st.Filter | None, batch: int,
                    offset: Any) -> tuple[list[st.Hit], Any]:
        """`batch` points in id order from `offset` (None: the first), and the next offset
        (None: no more)."""
        records, after = self.shard.scroll(qe.ScrollRequest(
            offset=offset, limit=batch, filter=_filter(where),
            with_payload=list(fields) if fields is not None else True, with_vector=False))
        return [st.Hit(str(r.id), 1.0, dict(r.payload or {})) for r in records], after

    def count(self, where: st.Filter | None = None) -> int:
        return self.shard.count(qe.CountRequest(filter=_filter(where), exact=True))

    def _scoring(self, q: st.Nearest | st.Recommend) -> qe.Query:
        if isinstance(q, st.Nearest):
            return qe.Query.Nearest(_vector(q.vector), using=q.using)
        positive: list[Any] = [_vector(v) for v in example_vectors(self, q.using, q.positive)]
        negative: list[Any] = [_vector(v) for v in example_vectors(self, q.using, q.negative)]
        return qe.Query.RecommendBestScore(qe.RecommendQuery(positive, negative), using=q.using)

    def _request(self, query: st.Query, limit: int, offset: int, where: st.Filter | None,
                 fields: Sequence[str] | None) -> qe.QueryRequest:
        payload: Any = list(fields) if fields is not None else True
        if isinstance(query, st.Fused):
            return qe.QueryRequest(
                limit=limit, offset=offset, filter=_filter(where), with_payload=payload,
                prefetches=[qe.Prefetch(limit=query.candidates, query=self._scoring(p),
                                        filter=_filter(st.both(where, p.where)),
                                        params=self._search_params(st.both(where, p.where)))
                            for p in query.parts],
                # the stubs omit Fusion's variants from the accepted types
                query=qe.Fusion.Rrf(k=query.k, weights=list(query.weights)))  # type: ignore[arg-type]
        return qe.QueryRequest(limit=limit, offset=offset,
                               filter=_filter(st.both(where, query.where)),
                               query=self._scoring(query), with_payload=payload,
                               params=self._search_params(st.both(where, query.where)))

    def _search_params(self, where: st.Filter | None) -> qe.SearchParams:
        """This shard's search parameters for a search with or without a filter; the point
        count that sizes the beam is read once (a published generation does not change)."""
        filtered = bool(where)
        if filtered not in self._params:
            self._params[filtered] = search_params(self.tuning, self.quantization or INT8,
                                                   self.sized_by(), filtered)
        return self._params[filtered]

    def query(self, query: st.Query, limit: int = 10, offset: int = 0,
              where: st.Filter | None = None, fields: Sequence[str] | None = None) -> list[st.Hit]:
        return _hits(self.shard.query(self._request(query, limit, offset, where, fields)))

    def query_batch(self, searches: Sequence[st.Search]) -> list[list[st.Hit]]:
        """Several queries planned as one batch (one pass over the segments)."""
        if not searches:
            return []
        batch = qe.QueryBatchRequest([self._request(s.query, s.limit, 0, s.where, s.fields)
                                      for s in searches])
        return [_hits(points) for points in self.shard.query_batch(batch)]

    def facet(self, key: str, where: st.Filter | None = None, limit: int = 50) -> dict[Any, int]:
        response = self.shard.facet(qe.FacetRequest(key=key, limit=limit, exact=True,
                                                    filter=_filter(where)))
        return {h.value: int(h.count) for h in response.hits}

    def optimize(self) -> None:
        with _writing(self.folder):
            self.shard.optimize()
            self.shard.flush()

    def close(self) -> None:
        if self._shard is not None:
            shard, self._shard = self._shard, None
            try:
                with _writing(self.folder):
                    shard.flush()
            finally:
                shard.close()

