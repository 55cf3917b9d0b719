"""The query engine: free text, find-similar and query-by-study over one vector store.

A thin facade: it reads the query (`understand`), builds one query per signal (`vectors`),
ranks and fuses them (`ranking`) and turns the ranking into explained results (`results`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from cachetools import LRUCache, cached

from catalog import MEASURES, REPORT, STUDY, VIEW_VECTORS, PayloadField, ReportStatus, point_id
from cmr_search.vocab import LAX_VIEWS, LGE_VIEWS, SAX_SLOTS, ClipSlot, View
from cmrclip.types import TextVectors
from search import readiness
from search.encoder import QueryEncoder
from search.errors import NotFoundError, QueryError
from search.facets import facet_counts
from search.filters import SearchFilters
from search.measured import query_filter
from search.models import (
    FacetsResponse,
    Mode,
    Page,
    SearchRequest,
    SearchResponse,
    Signal,
    SimilarRequest,
    StudyDetail,
    Versions,
)
from search.notices import example_notices, search_notices
from search.ranking import Part, Weights, rank
from search.results import VIEW_NAMES, given_payload, page_results, response, same_patient
from search.signals import image_query, measured_part, text_parts
from search.understand import QueryIntent, interpretation, spelled_out, understand
from vectorstore import Filter, Match, MatchAny, Nearest, Recommend, VectorStore

_TEXT_CACHE = 512
_FACET_CACHE = 256
_READY_S = 1.0  # a passed readiness check holds this long for the same generation
# the view (payload `views`) whose series fills each slot a search by example may compare
_SLOT_VIEWS: dict[ClipSlot, View] = {
    **dict.fromkeys(SAX_SLOTS, View.SAX_CINE),
    **{slot: view for view, (slot, _) in (*LAX_VIEWS.items(), *LGE_VIEWS.items())}}


class SearchEngine:
    """Searches a store built by `cmr-search index` with the model that built it."""

    def __init__(self, store: VectorStore, encoder: QueryEncoder,
                 weights: Weights | None = None) -> None:
        self.store = store
        self.encoder = encoder
        self.weights = weights or Weights()
        self.text_vectors = cached(LRUCache(_TEXT_CACHE), lock=threading.Lock())(
            self._encode_text)
        self._facets = cached(LRUCache(_FACET_CACHE), lock=threading.Lock(),
                              key=lambda where, generation: (generation, where))(
            self._count_facets)
        self._ready: tuple[str | None, float] | None = None

    def _encode_text(self, text: str) -> TextVectors:
        return self.encoder.encode_texts([text])

    # ---- readiness and versions -------------------------------------------------------------

    def versions(self) -> Versions:
        return readiness.versions(self.store, self.encoder.key)

    def check_ready(self) -> None:
        """NotReadyError unless the index answers this model; a check that passed is reused
        for a second on the same generation (a server's collection is one request away)."""
        generation, now = self.versions().generation, time.monotonic()
        if self._ready is not None and self._ready[0] == generation and \
                now - self._ready[1] < _READY_S:
            return
        readiness.check_ready(self.store, self.encoder.identity.as_dict())
        self._ready = (generation, now)

    # ---- free text ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        text = request.q.strip()
        if not text:
            raise QueryError("empty query: type what to look for")
        self.check_ready()
        intent = understand(text)
        unlike = self._examples(request.unlike) if request.unlike else {}
        image_vector = None
        parts: list[Part] = []
        if request.mode is not Mode.REPORTS:
            image_vector = image_query(self.text_vectors(spelled_out(text)), intent, unlike,
                                       self.encoder.finding_directions(), self.weights.contrast)
            parts.append(Part(Signal.IMAGES, Nearest(STUDY, image_vector), self.weights.images))
            measured = measured_part(image_vector, intent, self.weights)
            parts += [measured] if measured is not None else []
        if request.mode is not Mode.IMAGES:
            parts += text_parts(self.text_vectors(spelled_out(text)), intent, unlike,
                                self.weights)
        where = _where(intent, request.filters, request)
        ranked = rank(self.store, parts, where, request.page, self.weights.candidates,
                      self.weights.rrf_k)
        results = page_results(self.store, ranked, request.page, intent, image_vector)
        notices = search_notices(self.store, intent, request,
                                 lambda i, f: _where(i, f, request), self._vendors(request.filters))
        return response(request.model_dump(mode="json"), results, request.page, ranked,
                        started, self.versions(), interpretation(intent), notices)

    # ---- find similar -------------------------------------------------------------------------

    def similar(self, request: SimilarRequest) -> SearchResponse:
        started = time.perf_counter()
        self.check_ready()
        both = sorted(set(request.positive) & set(request.negative))
        if both:  # liked and unliked at once: every score came out negative, the order noise
            raise QueryError(f"study {both[0]} is both 'more like' and 'less like': keep one")
        using = self._view_vector(request.view)
        self._require_views(request.view)
        examples = self._examples([*request.positive, *request.negative])
        pos = tuple(point_id(uid) for uid in request.positive)
        neg = tuple(point_id(uid) for uid in request.negative)
        parts: list[Part] = []
        if request.mode is not Mode.REPORTS:
            _require(examples, using, request.view or "study")
            parts.append(Part(Signal.EXAMPLES, Recommend(using, pos, neg),
                              self.weights.examples))
            parts += self._measures_part(request, examples, pos, neg)
        with_report = request.mode is Mode.REPORTS or all(REPORT in examples[p] for p in pos)
        if request.mode is not Mode.IMAGES and request.view is None and with_report:
            _require(examples, REPORT, "report")
            parts.append(Part(Signal.REPORT_EXAMPLES, Recommend(REPORT, pos, neg),
                              self.weights.reports))
        if not parts:
            raise QueryError("a report-based comparison needs no view; drop `view`")
        parts = [p for p in parts if p.weight > 0] or parts  # a zero weight: that signal off
        keys = sorted({str(examples[i]["__patient_key"]) for i in pos + neg})
        others = Filter(must_not=(MatchAny(PayloadField.PATIENT_KEY, tuple(keys)),))
        where = request.filters.to_store().and_(others)
        ranked = rank(self.store, parts, where, request.page, self.weights.candidates,
                      self.weights.rrf_k)
        reference = {n: examples[pos[0]][n] for n in VIEW_NAMES if n in examples[pos[0]]}
        results = page_results(self.store, ranked, request.page, None, reference)
        notices = example_notices(self.store, request.filters,
                                  others.and_(_findable(request.view, request.mode)),
                                  request.page, self._vendors(request.filters))
        return response(request.model_dump(mode="json"), results, request.page, ranked,
                        started, self.versions(), None, notices)

    def _measures_part(self, request: SimilarRequest, examples: dict[str, dict[str, Any]],
                       pos: tuple[str, ...], neg: tuple[str, ...]) -> list[Part]:
        """Hearts that measure alike: when the examples were measured and the whole study
        is compared (a view alone compares pictures)."""
        if request.view is not None or self.weights.measures <= 0 or \
                not all(MEASURES in examples[p] for p in pos):
            return []
        neg = tuple(n for n in neg if MEASURES in examples[n])
        return [Part(Signal.MEASURES, Recommend(MEASURES, pos, neg), self.weights.measures)]

    def check_view(self, view: str | None) -> None:
        """QueryError for a view this index cannot compare by (before an upload is embedded:
        it was refused after ten seconds of work)."""
        self._view_vector(view)
        self._require_views(view)

    def near_vectors(self, vectors: dict[str, np.ndarray], filters: SearchFilters,
                     page: Page, view: str | None = None,
                     study_instance_uid: str | None = None,
                     patient_key: str | None = None) -> SearchResponse:
        """Studies nearest to vectors computed elsewhere (a study that is not in the index; one
        that is, `study_instance_uid`, is not its own first hit); other patients' only when its
        `patient_key` is given, as "more like this" lists them."""
        started = time.perf_counter()
        self.check_ready()
        using = self._view_vector(view)
        self.check_view(view)
        if using not in vectors:
            raise QueryError(f"the uploaded study has no {view or 'cine'} view to compare")
        parts = [Part(Signal.EXAMPLES, Nearest(using, vectors[using]), self.weights.examples)]
        if REPORT in vectors and view is None:
            parts.append(Part(Signal.REPORT_EXAMPLES, Nearest(REPORT, vectors[REPORT]),
                              self.weights.reports))
        if MEASURES in vectors and view is None and self.weights.measures > 0:
            # hearts that measure alike, as "more like this" fuses them for indexed studies
            parts.append(Part(Signal.MEASURES, Nearest(MEASURES, vectors[MEASURES]),
                              self.weights.measures))
        others = Filter()  # what the filters' studies leave out besides
        if study_instance_uid:
            others = others.and_(Filter(must_not=(MatchAny(PayloadField.STUDY_INSTANCE_UID,
                                                           (study_instance_uid,)),)))
        if patient_key:
            others = others.and_(Filter(must_not=(Match(PayloadField.PATIENT_KEY,
                                                        patient_key),)))
        where = filters.to_store().and_(others)
        ranked = rank(self.store, parts, where, page, self.weights.candidates,
                      self.weights.rrf_k)
        reference = {n: v for n, v in vectors.items() if n in VIEW_NAMES}
        results = page_results(self.store, ranked, page, None, reference)
        query = {"upload": True, "view": view, "filters": filters.active(), **page.model_dump()}
        notices = example_notices(self.store, filters, others.and_(_findable(view)), page,
                                  self._vendors(filters))
        return response(query, results, page, ranked, started, self.versions(), None, notices)

    def facets(self, filters: SearchFilters, q: str | None = None,
               mode: Mode = Mode.BOTH) -> FacetsResponse:
        """Counts per field value among the studies the query may return."""
        self.check_ready()
        where = filters.to_store()
        if mode is Mode.REPORTS:  # what a reports-only search can return: studies with one
            where = where.and_(Filter(must_not=(Match(PayloadField.REPORT_STATUS,
                                                      ReportStatus.MISSING.value),)))
        if q and q.strip():
            where = where.and_(query_filter(understand(q.strip()), mode is not Mode.IMAGES,
                                             mode is not Mode.REPORTS))
        # counts change only with a new generation of the embedded index; a server's collection
        # changes in place, so its counts are kept a minute at most
        generation = self.versions().generation or f"minute-{int(time.time() // 60)}"
        return self._facets(where, generation)

    def _count_facets(self, where: Filter, generation: str | None) -> FacetsResponse:
        return FacetsResponse(facets=facet_counts(self.store, where),
                              total=self.store.count(where if where else None),
                              versions=self.versions())

    # ---- one study ----------------------------------------------------------------------------

    def study(self, study_instance_uid: str) -> StudyDetail:
        self.check_ready()
        hits = self.store.retrieve([point_id(study_instance_uid)])
        if not hits:
            raise NotFoundError(f"study {study_instance_uid} is not in the index")
        payload = given_payload(hits[0].payload)
        key = str(payload.get(PayloadField.PATIENT_KEY, ""))
        same = [o for o in same_patient(self.store, [key]).get(key, [])
                if o.study_instance_uid != study_instance_uid]
        return StudyDetail(study_instance_uid=study_instance_uid, payload=payload,
                           same_patient=same, versions=self.versions())

    # ---- internals ----------------------------------------------------------------------------

    def _vendors(self, filters: SearchFilters) -> list[str]:
        """The whole index's vendors (counted once per generation), where a filter names one."""
        return list(self.facets(SearchFilters()).facets.get("vendor", {})) \
            if filters.vendor else []

    def _require_views(self, view: str | None) -> None:
        if view is not None and not self.encoder.per_view:
            raise QueryError(f"the model of this index ({self.encoder.identity.architecture}) "
                             "sees each study as one video and keeps no per-view vectors; "
                             "compare whole studies (leave out `view`)")

    @staticmethod
    def _view_vector(view: str | None) -> str:
        if view is None:
            return STUDY
        try:
            return VIEW_VECTORS[ClipSlot(view)]
        except ValueError:
            known = ", ".join(s.value for s in VIEW_VECTORS)
            raise QueryError(f"unknown view {view!r} (known: {known})") from None

    def _examples(self, uids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Point id -> its vectors (and patient key) for every example, or NotFoundError."""
        ids = [point_id(uid) for uid in uids]
        hits = {h.id: h for h in self.store.retrieve(ids, [STUDY, REPORT, MEASURES,
                                                          *VIEW_NAMES])}
        out: dict[str, dict[str, Any]] = {}
        for uid, pid in zip(uids, ids, strict=True):
            if pid not in hits:
                raise NotFoundError(f"study {uid} is not in the index")
            out[pid] = {**hits[pid].vectors, "__uid": uid,
                        "__patient_key": hits[pid].payload.get(PayloadField.PATIENT_KEY, pid)}
        return out


def _where(intent: QueryIntent, filters: SearchFilters, request: SearchRequest) -> Filter:
    """The studies a free-text search may return: the form's filters, what the query's words
    and numbers exclude, and the studies to see less of."""
    where = filters.to_store().and_(query_filter(
        intent, request.mode is not Mode.IMAGES, request.mode is not Mode.REPORTS))
    if request.unlike:
        where = where.and_(Filter(must_not=(MatchAny(PayloadField.STUDY_INSTANCE_UID,
                                                     tuple(request.unlike)),)))
    return where


def _findable(view: str | None, mode: Mode = Mode.BOTH) -> Filter:
    """The studies a search by example can return at all: with the view it compares (its
    vector; the payload's views say which a study has), with a report where reports alone
    compare. Its notices count no other ("3 more studies have a QC-flagged LVEF" of a
    search by LGE, one of them without LGE images)."""
    where = Filter()
    if view is not None:
        where = Filter((Match(PayloadField.VIEWS, _SLOT_VIEWS[ClipSlot(view)].value),))
    if mode is Mode.REPORTS:
        where = where.and_(Filter((Match(PayloadField.REPORT_STATUS,
                                         ReportStatus.PRESENT.value),)))
    return where


def _require(examples: dict[str, dict[str, Any]], using: str, what: str) -> None:
    for example in examples.values():
        if using not in example:
            raise QueryError(f"study {example['__uid']} has no {what} vector to compare")


__all__ = ["SearchEngine", "Weights"]
