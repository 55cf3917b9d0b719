"""A ranking becomes a page of results: grouped per patient, sorted, loaded and explained."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import ValidationError

from catalog import VIEW_VECTORS, FindingSource, PayloadField, StudyPayload
from cmr_search.normals import impossible
from cmr_search.vocab import Measure
from search.explain import explanation, view_scores
from search.models import (
    Interpretation,
    Notice,
    OtherStudy,
    Page,
    Result,
    SearchResponse,
    Sort,
    Versions,
)
from search.ranking import Ranked
from search.understand import QueryIntent
from vectorstore import Filter, Hit, MatchAny, VectorStore

_F = PayloadField
# the payload a result shows and explains itself with (the report: for the sentences to read)
RESULT_FIELDS = frozenset(f.value for f in (
    _F.STUDY_INSTANCE_UID, _F.STUDY_DATE, _F.AGE, _F.SEX, _F.VENDOR, _F.FIELD_STRENGTH, _F.VIEWS,
    _F.IMPRESSION, _F.REPORT, _F.HAS_REPORT, _F.REPORT_FINDINGS, _F.REPORT_SENTENCES,
    _F.IMAGE_FINDINGS, _F.IMAGE_SCORES, _F.REPORT_DIAGNOSES, _F.PREVIEWS, _F.PATIENT_KEY,
    _F.MEASUREMENTS, _F.FLAGGED_MEASUREMENTS, _F.FINDING_EVIDENCE, _F.IMAGE_FINDING_SOURCE))
VIEW_NAMES = tuple(VIEW_VECTORS.values())
logger = logging.getLogger(__name__)
Reference = np.ndarray | dict[str, np.ndarray] | None


def given_measurements(values: Mapping[str, float]) -> dict[str, float | None]:
    """The measurements as a search gives them out: a value no heart has (`normals.impossible`:
    ACDC patient083's RVEF -8.4 %, its RV drawn larger at end-systole) is null, never a
    number a client might take for a severe finding; the page says "not measurable". The
    index keeps the number (and QC's flags on it) for whoever re-measures."""
    known = {m.value for m in Measure}
    return {str(name): None if name in known and impossible(Measure(name), value) else value
            for name, value in values.items()}


def given_flagged(values: Mapping[str, float | None], flagged: list[str]) -> list[str]:
    """The QC-flagged measurements, and any nulled as impossible (flagged or not by QC)."""
    return sorted({*flagged, *(name for name, value in values.items() if value is None)})


def given_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """A study's record as a search gives it out: impossible measurements null and flagged;
    `measurement_flags` (QC's reasons) as stored."""
    values = payload.get(_F.MEASUREMENTS)
    if not values:
        return payload
    shown = given_measurements(values)
    flagged = given_flagged(shown, list(payload.get(_F.FLAGGED_MEASUREMENTS) or []))
    return {**payload, _F.MEASUREMENTS.value: shown, _F.FLAGGED_MEASUREMENTS.value: flagged}


def _grouped(hits: list[Hit], page: Page) -> list[Hit]:
    if page.per_patient:
        seen: set[str] = set()
        kept = []
        for hit in hits:
            key = str(hit.payload.get(PayloadField.PATIENT_KEY) or hit.id)
            if key not in seen:
                seen.add(key)
                kept.append(hit)
        hits = kept
    if page.sort is Sort.DATE:
        hits = sorted(hits, key=lambda h: str(h.payload.get(PayloadField.STUDY_DATE) or ""),
                      reverse=True)
    return hits


def _loaded(store: VectorStore, hits: list[Hit], reference: Reference,
            ) -> tuple[list[tuple[Hit, StudyPayload]], dict[str, dict[str, float]]]:
    """The page's hits with the payload a result shows (their fused scores kept), and
    their per-view scores against `reference`, in one request. A point whose payload does not
    read (written by hand, or by another version) is left out and logged, so one bad point
    never fails the page."""
    found = store.retrieve([h.id for h in hits], list(VIEW_NAMES) if reference is not None
                           else ())
    loaded = {h.id: h for h in found}
    views = ({h.id: view_scores(h.vectors, reference) for h in found}
             if reference is not None else {})
    out = []
    for hit in hits:
        if hit.id not in loaded:
            continue
        try:
            payload = StudyPayload.model_validate({k: v for k, v in loaded[hit.id].payload.items()
                                                   if k in RESULT_FIELDS})
        except ValidationError as error:
            logger.warning("point %s left out: its payload does not read (%s)", hit.id,
                           error.errors()[0]["loc"])
            continue
        out.append((hit, payload))
    return out, views


def same_patient(store: VectorStore, keys: list[str]) -> dict[str, list[OtherStudy]]:
    """Every study of each patient key, newest first."""
    keys = [k for k in keys if k]
    if not keys:
        return {}
    out: dict[str, list[OtherStudy]] = {}
    uid, key, date = (PayloadField.STUDY_INSTANCE_UID, PayloadField.PATIENT_KEY,
                      PayloadField.STUDY_DATE)
    for hit in store.scroll([key, uid, date], Filter((MatchAny(key, tuple(sorted(set(keys)))),))):
        out.setdefault(str(hit.payload[key]), []).append(OtherStudy(
            study_instance_uid=str(hit.payload[uid]), study_date=hit.payload.get(date)))
    for studies in out.values():
        studies.sort(key=lambda s: s.study_date or "", reverse=True)
    return out


def page_results(store: VectorStore, ranked: Ranked, page: Page, intent: QueryIntent | None,
                 reference: Reference) -> list[Result]:
    """The requested page; `ranked.hits` becomes the grouped, sorted list it was cut from."""
    ranked.hits = _grouped(ranked.hits, page)
    shown, views = _loaded(store, ranked.hits[page.offset: page.offset + page.limit],
                           reference)
    others = (same_patient(store, [p.patient_key for _, p in shown])
              if page.per_patient else {})
    return [_result(hit, p, page.offset + i + 1,
                    explanation(hit.id, p, ranked.ranks, views.get(hit.id, {}), intent),
                    others.get(p.patient_key, []))
            for i, (hit, p) in enumerate(shown)]


def _result(hit: Hit, p: StudyPayload, rank: int, why: Any, others: list[OtherStudy]) -> Result:
    uid = p.study_instance_uid
    measured = given_measurements({m.value: v for m, v in p.measurements.items()})
    return Result(
        study_instance_uid=uid, score=round(hit.score, 6), rank=rank,
        study_date=p.study_date, age=p.age, sex=p.sex, vendor=p.vendor,
        field_strength=p.field_strength,
        views=[v.value for v in p.views], impression=p.impression, has_report=p.has_report,
        report_findings=[f.value for f in p.report_findings],
        image_findings=[f.value for f in p.image_findings],
        # the probabilities that decided a finding only. Where the measurements decided, the
        # payload does not say whether the score is calibrated (on ACDC, calibrated on no
        # reports, LVH read 0.99 beside a 9.7 mm wall), and a score filter passes the study by
        # its measurements, not by the number (which read 0.42 under image_score_min=0.9): the
        # source says which decided, as the study page does ("measured")
        image_scores={f.value: s for f, s in p.image_scores.items()
                      if p.image_finding_source.get(f) is FindingSource.MODEL},
        image_finding_source={f.value: s.value for f, s in p.image_finding_source.items()},
        measurements=measured,
        flagged_measurements=given_flagged(measured, [m.value for m in p.flagged_measurements]),
        diagnoses=[d.value for d in p.report_diagnoses], previews=dict(p.previews),
        patient_key=p.patient_key,
        other_studies=[o for o in others if o.study_instance_uid != uid], explanation=why)


def response(query: dict[str, Any], results: list[Result], page: Page, ranked: Ranked,
             started: float, versions: Versions,
             interpretation: Interpretation | None,
             notices: list[Notice] | None = None) -> SearchResponse:
    total = len(ranked.hits)
    return SearchResponse(query=query, results=results, total=total, page=page.page,
                          limit=page.limit, has_more=page.offset + page.limit < total,
                          interpretation=interpretation, notices=notices or [],
                          versions=versions,
                          took_ms=round((time.perf_counter() - started) * 1000, 2))
