"""The query engine: free text, find-similar and query-by-study over one vector store."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.embed import KEYWORDS, REPORT, STUDY, VIEW_SLOTS, VIEW_VECTORS, TextVectors
from indexer.points import INDEX_VERSION, keyword_query, point_id
from indexer.store import (
    Filter,
    Fused,
    Hit,
    MatchAny,
    Nearest,
    Recommend,
    StoreError,
    VectorStore,
)
from search.encoder import QueryEncoder
from search.errors import NotFoundError, NotReadyError, QueryError
from search.explain import explanation, view_scores
from search.facets import facet_counts
from search.filters import SearchFilters
from search.models import (
    MAX_DEPTH,
    FacetsResponse,
    Interpretation,
    Mode,
    OtherStudy,
    Page,
    Result,
    SearchRequest,
    SearchResponse,
    Signal,
    SimilarRequest,
    Sort,
    StudyDetail,
    Versions,
)
from search.understand import (
    QueryIntent,
    intent_filter,
    interpretation,
    stated_filter,
    understand,
)

logger = logging.getLogger(__name__)

_RESULT_FIELDS = ("study_instance_uid", "study_date", "age", "sex", "vendor", "field_strength",
                  "views", "impression", "report", "has_report", "report_findings",
                  "report_sentences", "image_findings", "image_scores", "report_diagnoses",
                  "previews", "patient_key")
_RANKING_FIELDS = ("patient_key", "study_date")
_VIEW_NAMES = tuple(VIEW_VECTORS.values())
_TEXT_CACHE = 512
_FACET_CACHE = 256


@dataclass(frozen=True)
class Weights:
    """Reciprocal rank fusion weights, and how far a finding named in the query moves the image
    query towards its positive prompts (or away, when ruled out)."""

    images: float = 0.3
    reports: float = 1.0
    keywords: float = 0.5
    labels: float = 2.0
    contrast: float = 0.5
    candidates: int = 50  # per signal, before fusion (query cost grows with it)
    rrf_k: int = 10  # rank damping: 1 / (k + rank); smaller trusts each signal's top more


@dataclass
class _Ranked:
    hits: list[Hit]
    ranks: dict[Signal, dict[str, tuple[int, float]]]


class SearchEngine:
    """Searches a store built by `cmr-search index` with the model that built it."""

    def __init__(self, store: VectorStore, encoder: QueryEncoder,
                 weights: Weights | None = None) -> None:
        self.store = store
        self.encoder = encoder
        self.weights = weights or Weights()
        self._texts: OrderedDict[str, TextVectors] = OrderedDict()
        self._facets: OrderedDict[tuple[str | None, Filter], FacetsResponse] = OrderedDict()
        self._cache_lock = threading.Lock()

    # ---- readiness and versions -------------------------------------------------------------

    def versions(self) -> Versions:
        generation = getattr(self.store, "generation", None)
        return Versions(model=self.encoder.key, index=INDEX_VERSION,
                        generation=generation if isinstance(generation, str) else None)

    def check_ready(self) -> None:
        try:
            metadata = self.store.metadata()
        except StoreError as error:
            raise NotReadyError(str(error)) from None
        if metadata is None:
            raise NotReadyError("no index yet; run `cmr-search index ARCHIVE`")
        if (metadata.get("model") != self.encoder.identity.as_dict()
                or metadata.get("index_version") != INDEX_VERSION):
            raise NotReadyError("the index was built by another model or index version; "
                                "re-index with `cmr-search index ARCHIVE --rebuild`")

    # ---- free text ----------------------------------------------------------------------------

    def text_vectors(self, text: str) -> TextVectors:
        with self._cache_lock:
            cached = self._texts.get(text)
        if cached is None:
            cached = self.encoder.encode_texts([text])
            with self._cache_lock:
                self._texts[text] = cached
                if len(self._texts) > _TEXT_CACHE:
                    self._texts.popitem(last=False)
        return cached

    def image_query(self, intent: QueryIntent) -> np.ndarray:
        """The CLIP text embedding, pushed towards wanted findings and away from ruled-out ones."""
        vector = self.text_vectors(intent.text).joint[0].astype(np.float32)
        directions = self.encoder.finding_directions()
        for sign, findings in ((1.0, intent.image_findings_wanted),
                               (-1.0, intent.image_findings_ruled_out)):
            for finding in findings:
                d = directions[finding.value]
                vector = vector + sign * self.weights.contrast * d / (np.linalg.norm(d) or 1.0)
        return np.asarray(vector / (np.linalg.norm(vector) or 1.0), dtype=np.float32)

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        text = request.q.strip()
        if not text:
            raise QueryError("empty query: type what to look for")
        self.check_ready()
        intent = understand(text)
        use_images = request.mode is not Mode.REPORTS
        use_reports = request.mode is not Mode.IMAGES
        parts: list[tuple[Signal, Nearest | Recommend, float]] = []
        unlike = self._examples(request.unlike) if request.unlike else {}
        image_vector = self.image_query(intent) if use_images else None
        if image_vector is not None:
            image_vector = self._away_from(image_vector, unlike, STUDY)
            parts.append((Signal.IMAGES, Nearest(STUDY, image_vector), self.weights.images))
        if use_reports:
            report_vector = self._away_from(self.text_vectors(text).own[0], unlike, REPORT)
            parts.append((Signal.REPORTS, Nearest(REPORT, report_vector), self.weights.reports))
            stated = stated_filter(intent)
            if stated is not None:
                parts.append((Signal.REPORT_LABELS, Nearest(REPORT, report_vector, where=stated),
                              self.weights.labels))
            keywords = keyword_query(intent.keyword_text) if intent.terms() else None
            if keywords is not None and keywords.indices:
                parts.append((Signal.KEYWORDS, Nearest(KEYWORDS, keywords),
                               self.weights.keywords))
        where = request.filters.to_store().and_(intent_filter(intent, use_reports, use_images))
        if request.unlike:
            where = where.and_(Filter(must_not=(MatchAny("study_instance_uid",
                                                         tuple(request.unlike)),)))
        ranked = self._rank(parts, where, request.page)
        results = self._page(ranked, request.page, intent, image_vector)
        return self._response(request.model_dump(mode="json"), results, request.page, ranked,
                              started, interpretation(intent))

    def _away_from(self, vector: np.ndarray, examples: dict[str, dict[str, Any]],
                   using: str) -> np.ndarray:
        """Rocchio's negative feedback: subtract the mean of the unwanted studies' vectors."""
        unwanted = [e[using] for e in examples.values() if using in e]
        if not unwanted:
            return vector
        moved = vector - self.weights.contrast * np.mean(unwanted, axis=0)
        return np.asarray(moved / (np.linalg.norm(moved) or 1.0), dtype=np.float32)

    # ---- find similar -------------------------------------------------------------------------

    def similar(self, request: SimilarRequest) -> SearchResponse:
        started = time.perf_counter()
        self.check_ready()
        using = self._view_vector(request.view)
        examples = self._examples([*request.positive, *request.negative])
        pos = tuple(point_id(uid) for uid in request.positive)
        neg = tuple(point_id(uid) for uid in request.negative)
        parts: list[tuple[Signal, Nearest | Recommend, float]] = []
        if request.mode is not Mode.REPORTS:
            self._require(examples, using, request.view or "study")
            parts.append((Signal.EXAMPLES, Recommend(using, pos, neg), self.weights.images))
        if request.mode is not Mode.IMAGES and request.view is None:
            with_report = all(REPORT in examples[p] for p in pos)
            if request.mode is Mode.REPORTS or with_report:
                self._require(examples, REPORT, "report")
                parts.append((Signal.REPORT_EXAMPLES, Recommend(REPORT, pos, neg),
                              self.weights.reports))
        if not parts:
            raise QueryError("a report-based comparison needs no view; drop `view`")
        keys = sorted({str(examples[i]["__patient_key"]) for i in pos + neg})
        exclude = Filter(must_not=(MatchAny("patient_key", tuple(keys)),))
        where = request.filters.to_store().and_(exclude)
        ranked = self._rank(parts, where, request.page)
        reference = {name: examples[pos[0]][name] for name in _VIEW_NAMES
                     if name in examples[pos[0]]}
        results = self._page(ranked, request.page, None, reference)
        return self._response(request.model_dump(mode="json"), results, request.page, ranked,
                              started, None)

    def near_vectors(self, vectors: dict[str, np.ndarray], filters: SearchFilters,
                     page: Page, view: str | None = None) -> SearchResponse:
        """Studies nearest to vectors computed elsewhere (a study that is not in the index)."""
        started = time.perf_counter()
        self.check_ready()
        using = self._view_vector(view)
        if using not in vectors:
            raise QueryError(f"the uploaded study has no {view or 'cine'} view to compare")
        parts: list[tuple[Signal, Nearest | Recommend, float]] = [
            (Signal.EXAMPLES, Nearest(using, vectors[using]), self.weights.images)]
        if REPORT in vectors and view is None:
            parts.append((Signal.REPORT_EXAMPLES, Nearest(REPORT, vectors[REPORT]),
                          self.weights.reports))
        ranked = self._rank(parts, filters.to_store(), page)
        reference = {n: v for n, v in vectors.items() if n in _VIEW_NAMES}
        results = self._page(ranked, page, None, reference)
        query = {"upload": True, "view": view, "filters": filters.active(), **page.model_dump()}
        return self._response(query, results, page, ranked, started, None)

    def facets(self, filters: SearchFilters, q: str | None = None,
               mode: Mode = Mode.BOTH) -> FacetsResponse:
        """Counts per field value among the studies the query may return."""
        self.check_ready()
        where = filters.to_store()
        if q and q.strip():
            where = where.and_(intent_filter(understand(q.strip()), mode is not Mode.IMAGES,
                                             mode is not Mode.REPORTS))
        versions = self.versions()
        key = (versions.generation, where)  # counts change only with a new generation
        with self._cache_lock:
            cached = self._facets.get(key)
        if cached is None:
            cached = FacetsResponse(facets=facet_counts(self.store, where),
                                    total=self.store.count(where if where else None),
                                    versions=versions)
            with self._cache_lock:
                self._facets[key] = cached
                if len(self._facets) > _FACET_CACHE:
                    self._facets.popitem(last=False)
        return cached

    # ---- one study ----------------------------------------------------------------------------

    def study(self, study_instance_uid: str) -> StudyDetail:
        self.check_ready()
        hits = self.store.retrieve([point_id(study_instance_uid)])
        if not hits:
            raise NotFoundError(f"study {study_instance_uid} is not in the index")
        payload = hits[0].payload
        others = self._same_patient([str(payload.get("patient_key", ""))])
        same = [o for o in others.get(str(payload.get("patient_key", "")), [])
                if o.study_instance_uid != study_instance_uid]
        return StudyDetail(study_instance_uid=study_instance_uid, payload=payload,
                           same_patient=same, versions=self.versions())

    # ---- internals ----------------------------------------------------------------------------

    def _view_vector(self, view: str | None) -> str:
        if view is None:
            return STUDY
        if view not in VIEW_VECTORS:
            raise QueryError(f"unknown view {view!r} (known: {', '.join(VIEW_SLOTS)})")
        return VIEW_VECTORS[view]

    def _examples(self, uids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Point id -> its vectors (and patient key) for every example, or NotFoundError."""
        ids = [point_id(uid) for uid in uids]
        hits = {h.id: h for h in self.store.retrieve(ids, [STUDY, REPORT, *_VIEW_NAMES])}
        out: dict[str, dict[str, Any]] = {}
        for uid, pid in zip(uids, ids, strict=True):
            if pid not in hits:
                raise NotFoundError(f"study {uid} is not in the index")
            out[pid] = {**hits[pid].vectors, "__uid": uid,
                        "__patient_key": hits[pid].payload.get("patient_key", pid)}
        return out

    @staticmethod
    def _require(examples: dict[str, dict[str, Any]], using: str, what: str) -> None:
        for example in examples.values():
            if using not in example:
                raise QueryError(f"study {example['__uid']} has no {what} vector to compare")

    def _rank(self, parts: list[tuple[Signal, Nearest | Recommend, float]], where: Filter,
              page: Page) -> _Ranked:
        if page.offset + page.limit > MAX_DEPTH:
            raise QueryError(f"pages reach the first {MAX_DEPTH} results only")
        spread = 4 if page.per_patient else 1  # room for a patient's other studies
        depth = min(MAX_DEPTH, max(self.weights.candidates, (page.offset + page.limit) * spread))
        ranks: dict[Signal, dict[str, tuple[int, float]]] = {}
        try:
            for signal, part, _ in parts:
                if signal is Signal.REPORT_LABELS and len(parts) > 1:
                    continue  # explained by findings_matched; its own ranking costs ~10 ms
                found = self.store.query(part, limit=depth, where=where, fields=())
                ranks[signal] = {h.id: (i + 1, h.score) for i, h in enumerate(found)}
            # the ranking carries what grouping and sorting need; the page loads the rest
            if len(parts) == 1:
                hits = self.store.query(parts[0][1], limit=depth, where=where,
                                        fields=_RANKING_FIELDS)
            else:
                fused = Fused(tuple(p for _, p, _ in parts), tuple(w for _, _, w in parts),
                              candidates=depth, k=self.weights.rrf_k)
                hits = self.store.query(fused, limit=depth, where=where,
                                        fields=_RANKING_FIELDS)
        except StoreError as error:
            raise QueryError(str(error)) from None
        return _Ranked(hits, ranks)

    def _page(self, ranked: _Ranked, page: Page, intent: QueryIntent | None,
              reference: np.ndarray | dict[str, np.ndarray] | None) -> list[Result]:
        hits = ranked.hits
        if page.per_patient:
            seen: set[str] = set()
            kept = []
            for hit in hits:
                key = str(hit.payload.get("patient_key") or hit.id)
                if key not in seen:
                    seen.add(key)
                    kept.append(hit)
            hits = kept
        if page.sort is Sort.DATE:
            hits = sorted(hits, key=lambda h: str(h.payload.get("study_date") or ""),
                          reverse=True)
        ranked.hits = hits
        shown = self._with_payload(hits[page.offset: page.offset + page.limit])
        views = self._view_scores(shown, reference)
        others = (self._same_patient([str(h.payload.get("patient_key", "")) for h in shown])
                  if page.per_patient else {})
        return [_result(hit, page.offset + i + 1, explanation(
                    hit.id, hit.payload, ranked.ranks, views.get(hit.id, {}), intent),
                    others.get(str(hit.payload.get("patient_key", "")), []))
                for i, hit in enumerate(shown)]

    def _with_payload(self, hits: list[Hit]) -> list[Hit]:
        """The page's hits with the payload a result shows (and their fused scores)."""
        loaded = {h.id: h for h in self.store.retrieve([h.id for h in hits])}
        return [Hit(h.id, h.score, {k: v for k, v in loaded[h.id].payload.items()
                                    if k in _RESULT_FIELDS})
                for h in hits if h.id in loaded]

    def _view_scores(self, hits: list[Hit], reference: np.ndarray | dict[str, np.ndarray] | None,
                     ) -> dict[str, dict[str, float]]:
        if reference is None or not hits:
            return {}
        found = self.store.retrieve([h.id for h in hits], list(_VIEW_NAMES))
        return {h.id: view_scores(h.vectors, reference) for h in found}

    def _same_patient(self, keys: list[str]) -> dict[str, list[OtherStudy]]:
        keys = [k for k in keys if k]
        if not keys:
            return {}
        out: dict[str, list[OtherStudy]] = {}
        where = Filter((MatchAny("patient_key", tuple(sorted(set(keys)))),))
        for hit in self.store.scroll(["patient_key", "study_instance_uid", "study_date"], where):
            out.setdefault(str(hit.payload["patient_key"]), []).append(OtherStudy(
                study_instance_uid=str(hit.payload["study_instance_uid"]),
                study_date=hit.payload.get("study_date")))
        for studies in out.values():
            studies.sort(key=lambda s: s.study_date or "", reverse=True)
        return out

    def _response(self, query: dict[str, Any], results: list[Result], page: Page,
                  ranked: _Ranked, started: float,
                  interpretation: Interpretation | None) -> SearchResponse:
        total = len(ranked.hits)
        return SearchResponse(query=query, results=results, total=total, page=page.page,
                              limit=page.limit, has_more=page.offset + page.limit < total,
                              interpretation=interpretation, versions=self.versions(),
                              took_ms=round((time.perf_counter() - started) * 1000, 2))


def _result(hit: Hit, rank: int, why: Any, others: list[OtherStudy]) -> Result:
    p = hit.payload
    uid = str(p.get("study_instance_uid", ""))
    return Result(
        study_instance_uid=uid, score=round(hit.score, 6), rank=rank,
        study_date=p.get("study_date"), age=p.get("age"), sex=p.get("sex"),
        vendor=p.get("vendor"), field_strength=p.get("field_strength"),
        views=list(p.get("views") or []), impression=str(p.get("impression") or ""),
        has_report=bool(p.get("has_report")),
        report_findings=list(p.get("report_findings") or []),
        image_findings=list(p.get("image_findings") or []),
        image_scores=dict(p.get("image_scores") or {}),
        diagnoses=list(p.get("report_diagnoses") or []),
        previews=dict(p.get("previews") or {}), patient_key=str(p.get("patient_key") or ""),
        other_studies=[o for o in others if o.study_instance_uid != uid], explanation=why)
