"""A Qdrant server or cluster by URL, through qdrant-client (or its in-memory mode in tests)."""

from __future__ import annotations

import copy
import logging
import re
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from vectorstore import types as st
from vectorstore.base import StoreError, dense_vectors, example_vectors
from vectorstore.guarded import GuardedClient
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

_RECOUNT_S = 600.0  # how long a collection's point count sizes the search beam

_FIELD_TYPES = {
    st.FieldType.KEYWORD: qm.PayloadSchemaType.KEYWORD,
    st.FieldType.INTEGER: qm.PayloadSchemaType.INTEGER,
    st.FieldType.FLOAT: qm.PayloadSchemaType.FLOAT,
    st.FieldType.BOOL: qm.PayloadSchemaType.BOOL,
    st.FieldType.DATETIME: qm.PayloadSchemaType.DATETIME,
    st.FieldType.TEXT: qm.PayloadSchemaType.TEXT,
}


_DIALECT: Dialect[qm.Filter] = Dialect(
    match=lambda key, value: qm.FieldCondition(key=key, match=qm.MatchValue(value=value)),
    match_any=lambda key, values: qm.FieldCondition(key=key, match=qm.MatchAny(any=values)),
    number_range=lambda key, gte, lte: qm.FieldCondition(key=key,
                                                         range=qm.Range(gte=gte, lte=lte)),
    date_range=lambda key, gte, lte: qm.FieldCondition(
        key=key, range=qm.DatetimeRange(gte=gte, lte=lte)),
    filter=lambda must, must_not: qm.Filter(must=must, must_not=must_not))


def _filter(where: st.Filter | None) -> qm.Filter | None:
    return to_filter(where, _DIALECT)


def _hnsw(params: Hnsw) -> qm.HnswConfigDiff:
    return qm.HnswConfigDiff(m=params.m, ef_construct=params.ef_construct,
                             full_scan_threshold=params.full_scan_threshold,
                             payload_m=params.payload_m)


def _vector(v: np.ndarray | st.SparseVector) -> list[float] | qm.SparseVector:
    if isinstance(v, st.SparseVector):
        return qm.SparseVector(indices=list(v.indices), values=list(v.values))
    return np.asarray(v, dtype=np.float32).tolist()  # type: ignore[no-any-return]


def _vector_params(size: int, exact: bool, quantization: Quantization | None = INT8,
                   cached: bool = False) -> qm.VectorParams:
    """As the embedded store: graph-searched vectors int8 in memory with float32 originals on
    disk (a `cached` vector's originals in memory too); per-view ones float16 on disk, scanned
    exactly."""
    if exact:
        return qm.VectorParams(size=size, distance=qm.Distance.COSINE,
                               hnsw_config=_hnsw(NO_GRAPH), on_disk=True,
                               datatype=qm.Datatype.FLOAT16)
    if quantization is None:
        return qm.VectorParams(size=size, distance=qm.Distance.COSINE,
                               hnsw_config=_hnsw(HNSW.for_size(size)))
    int8 = qm.ScalarQuantization(scalar=qm.ScalarQuantizationConfig(
        type=qm.ScalarType.INT8, quantile=quantization.quantile, always_ram=True))
    return qm.VectorParams(size=size, distance=qm.Distance.COSINE, on_disk=not cached,
                           hnsw_config=_hnsw(HNSW.for_size(size)),
                           quantization_config=int8)


def _search_params(tuning: SearchTuning, quantization: Quantization, points: int,
                   filtered: bool) -> qm.SearchParams:
    acorn = qm.AcornSearchParams(enable=tuning.acorn,
                                 max_selectivity=tuning.acorn_max_selectivity)
    return qm.SearchParams(hnsw_ef=tuning.beam(points, filtered),
                           quantization=qm.QuantizationSearchParams(
                               rescore=quantization.rescore,
                               oversampling=quantization.oversampling), acorn=acorn)


class ServerStore:
    """One collection on a Qdrant server or cluster at an http(s) URL."""

    def __init__(self, url: str, collection: str, api_key: str | None = None,
                 timeout_s: int = 30, quantization: Quantization | None = INT8,
                 tuning: SearchTuning = SEARCH, shards: int | None = None,
                 replicas: int | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise StoreError(f"Qdrant URL {url!r}: expected http:// or https://")
        self.collection = collection
        self.url = url
        self.client: Any = GuardedClient(QdrantClient(url=url, api_key=api_key,
                                                      timeout=timeout_s), url)
        self.layout = (shards, replicas)  # a new collection's shards and copies (a cluster)
        self._tune(quantization, tuning)

    def _tune(self, quantization: Quantization | None, tuning: SearchTuning | None) -> None:
        self.quantization = quantization  # for a collection this store creates
        self.tuning = tuning  # None: the server's own defaults
        self._sized: tuple[float, int] | None = None  # (when, points) the beam was sized for

    @classmethod
    def from_client(cls, client: QdrantClient, collection: str, label: str) -> ServerStore:
        """A store over a client built elsewhere (the tests pass qdrant-client's local mode,
        which speaks the server's API but searches exactly: no quantisation, no graph
        parameters; `label` names it in errors)."""
        store = cls.__new__(cls)
        store.collection, store.url = collection, label
        store.client = GuardedClient(client, label)
        store.layout = (None, None)
        store._tune(None, None)
        return store

    def metadata(self) -> dict[str, Any] | None:
        if not self.client.collection_exists(self.collection):
            return None
        info = self.client.get_collection(self.collection)
        return dict(info.config.metadata or {})

    def update_metadata(self, changes: dict[str, Any]) -> None:
        """Record `changes` in the collection's metadata, keeping its other keys."""
        merged = {**(self.metadata() or {}), **changes}
        self.client.update_collection(self.collection, metadata=merged)

    def ensure(self, schema: st.StoreSchema, metadata: dict[str, Any]) -> dict[str, Any]:
        existing = self.metadata()
        if existing is not None:
            return existing
        self.client.create_collection(
            self.collection,
            vectors_config={name: _vector_params(size, name in schema.exact, self.quantization,
                                                 name in schema.cached)
                            for name, size in schema.dense.items()},
            sparse_vectors_config={name: qm.SparseVectorParams(modifier=qm.Modifier.IDF)
                                   for name in schema.sparse},
            hnsw_config=_hnsw(HNSW), shard_number=self.layout[0],
            replication_factor=self.layout[1], metadata=metadata)
        if self.url != ":memory:":  # local mode has no payload indexes (and warns about them)
            for name, kind in schema.indexes.items():
                self.client.create_payload_index(self.collection, name, _FIELD_TYPES[kind])
        return metadata

    def upsert(self, points: Sequence[st.StorePoint]) -> None:
        if not points:
            return
        structs = []
        for p in points:
            vector: dict[str, Any] = {k: _vector(v) for k, v in p.dense.items()}
            vector.update({k: _vector(v) for k, v in p.sparse.items()})
            structs.append(qm.PointStruct(id=p.id, vector=vector, payload=p.payload))
        self.client.upsert(self.collection, structs, wait=True)

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self.client.delete(self.collection, qm.PointIdsList(points=list(ids)), wait=True)

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[st.Hit]:
        records = self.client.retrieve(self.collection, list(ids), with_payload=True,
                                       with_vectors=list(vectors) if vectors else False)
        return [st.Hit(str(r.id), 1.0, dict(r.payload or {}), dense_vectors(r.vector))
                for r in records]

    def scroll(self, fields: Sequence[str] | None = None, where: st.Filter | None = None,
               batch: int = 1000) -> Iterator[st.Hit]:
        offset: Any = None
        while True:
            records, offset = self.client.scroll(
                self.collection, scroll_filter=_filter(where), limit=batch, offset=offset,
                with_payload=list(fields) if fields is not None else True, with_vectors=False)
            yield from (st.Hit(str(r.id), 1.0, dict(r.payload or {})) for r in records)
            if offset is None:
                return

    def count(self, where: st.Filter | None = None) -> int:
        return int(self.client.count(self.collection, count_filter=_filter(where),
                                     exact=True).count)

    def _scoring(self, q: st.Nearest | st.Recommend) -> Any:
        if isinstance(q, st.Nearest):
            return _vector(q.vector)
        return qm.RecommendQuery(recommend=qm.RecommendInput(
            positive=[_vector(v) for v in example_vectors(self, q.using, q.positive)],
            negative=[_vector(v) for v in example_vectors(self, q.using, q.negative)] or None,
            strategy=qm.RecommendStrategy.BEST_SCORE))

    def _request(self, query: st.Query, limit: int, offset: int, where: st.Filter | None,
                 fields: Sequence[str] | None) -> qm.QueryRequest:
        payload: Any = list(fields) if fields is not None else True
        if isinstance(query, st.Fused):
            return qm.QueryRequest(
                limit=limit, offset=offset, filter=_filter(where), with_payload=payload,
                prefetch=[qm.Prefetch(query=self._scoring(p), using=p.using,
                                      limit=query.candidates,
                                      params=self._params(st.both(where, p.where)),
                                      filter=_filter(st.both(where, p.where)))
                          for p in query.parts],
                query=qm.RrfQuery(rrf=qm.Rrf(k=query.k, weights=list(query.weights))))
        return qm.QueryRequest(query=self._scoring(query), using=query.using, limit=limit,
                               offset=offset, filter=_filter(st.both(where, query.where)),
                               with_payload=payload,
                               params=self._params(st.both(where, query.where)))

    def _params(self, where: st.Filter | None) -> qm.SearchParams | None:
        """Search parameters for the collection's size (counted again every few minutes: a
        server collection grows in place)."""
        if self.tuning is None:
            return None
        now = time.monotonic()
        if self._sized is None or now - self._sized[0] > _RECOUNT_S:
            self._sized = (now, self.count())
        return _search_params(self.tuning, self.quantization or INT8, self._sized[1],
                              bool(where))

    def query(self, query: st.Query, limit: int = 10, offset: int = 0,
              where: st.Filter | None = None, fields: Sequence[str] | None = None) -> list[st.Hit]:
        return self.query_batch([st.Search(query, limit, where, None if fields is None
                                           else tuple(fields))], offset)[0]

    def query_batch(self, searches: Sequence[st.Search], offset: int = 0,
                    ) -> list[list[st.Hit]]:
        """Every search in one request (`/points/query/batch`)."""
        if not searches:
            return []
        responses = self.client.query_batch_points(
            self.collection, [self._request(s.query, s.limit, offset, s.where, s.fields)
                              for s in searches])
        return [[st.Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in r.points]
                for r in responses]

    def facet(self, key: str, where: st.Filter | None = None, limit: int = 50) -> dict[Any, int]:
        response = self.client.facet(self.collection, key=key, facet_filter=_filter(where),
                                     limit=limit, exact=True)
        return {h.value: int(h.count) for h in response.hits}

    def optimize(self) -> None:
        """The server builds its indexes in the background."""

    def alias_target(self) -> str | None:
        """The collection this name points to when it is an alias (an index built whole:
        `fresh` and `swap_in`), None when it is a collection itself or nothing."""
        for alias in self.client.get_aliases().aliases:
            if alias.alias_name == self.collection:
                return str(alias.collection_name)
        return None

    def fresh(self) -> ServerStore:
        """A store over a new collection beside this one (`<name>-<UTC time>`), to build a
        whole index into while searches go on reading this name; `swap_in` makes it live."""
        built = copy.copy(self)
        built.collection = f"{self.collection}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
        built._sized = None
        return built

    def swap_in(self, built: ServerStore) -> None:
        """Point this name at `built` in one step, then drop what it named before. A name
        that is still a collection (made before indexes were built whole) goes first: for
        that moment, once, searches find nothing."""
        old = self.alias_target()
        operations: list[Any] = []
        if old is None and self.client.collection_exists(self.collection):
            self.client.delete_collection(self.collection)
        elif old is not None:
            operations.append(qm.DeleteAliasOperation(
                delete_alias=qm.DeleteAlias(alias_name=self.collection)))
        operations.append(qm.CreateAliasOperation(create_alias=qm.CreateAlias(
            collection_name=built.collection, alias_name=self.collection)))
        try:
            self.client.update_collection_aliases(change_aliases_operations=operations)
        except StoreError as error:  # the build is whole: say where it is, keep it
            raise StoreError(f"{error}; the new index is whole in collection "
                                f"{built.collection}: point the alias {self.collection} at "
                                "it, or run the rebuild again") from None
        logger.info("collection %s now names %s", self.collection, built.collection)
        if old is not None and old != built.collection:
            try:  # the swap is done: an old collection left behind is only space
                self.client.delete_collection(old)
            except StoreError as error:
                logger.warning("%s left in place (delete it, or the next rebuild does): %s",
                               old, error)

    def drop(self) -> None:
        """Delete this store's collection (a build that did not finish), if it exists."""
        if self.client.collection_exists(self.collection):
            self.client.delete_collection(self.collection)

    def drop_leftovers(self) -> list[str]:
        """Delete the builds of this name an earlier run made and never swapped in (it was
        killed); never the live one, never another name's collection."""
        live = self.alias_target()
        made = re.compile(re.escape(self.collection) + r"-\d{8}T\d{12}")
        gone = [c.name for c in self.client.get_collections().collections
                if made.fullmatch(c.name) and c.name != live]
        for name in gone:
            self.client.delete_collection(name)
            logger.info("deleted %s, a build a stopped run left", name)
        return gone

    def close(self) -> None:
        self.client.close()
