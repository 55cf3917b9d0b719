"""The signals of a free-text search: the image query and the report-side queries."""

from __future__ import annotations

from typing import Any

import numpy as np

from catalog import KEYWORDS, REPORT, STUDY, measured_severity_key
from cmr_search.normals import MEASURED_ONLY
from cmr_search.vocab import Severity
from cmrclip.types import TextVectors
from search.measured import measured_match
from search.models import Signal
from search.ranking import Part, Weights
from search.understand import QueryIntent, stated_filter
from search.vectors import away_from, steer
from vectorstore import Filter, MatchAny, Nearest
from vectorstore.keywords import keyword_query

Examples = dict[str, dict[str, Any]]  # point id -> vector name -> vector (and metadata)


def _unwanted(unlike: Examples, using: str) -> list[np.ndarray]:
    return [e[using] for e in unlike.values() if using in e]


def image_query(text: TextVectors, intent: QueryIntent, unlike: Examples,
                directions: dict[str, np.ndarray], contrast: float) -> np.ndarray:
    """The CLIP text embedding, pushed towards wanted findings and away from ruled-out ones
    and from the studies the user wants less of."""
    vector = steer(text.joint[0], directions, intent.image_findings_wanted,
                   intent.image_findings_ruled_out, contrast)
    return away_from(vector, _unwanted(unlike, STUDY), contrast)


def measured_part(image_vector: np.ndarray, intent: QueryIntent,
                  weights: Weights) -> Part | None:
    """Studies whose measurements show what the query names, in the image query's order:
    the findings a real study's pixels give reliably, where the video vector may not. For a
    finding the video model has no prompt for, that order is close to noise, so the measured
    grade orders them first (severe, moderate, mild), the image query within a grade."""
    where = measured_match(intent)
    if where is None:
        return None
    graded = [f for f in intent.wanted if f in MEASURED_ONLY]
    tiers = () if not graded else tuple(
        Filter((MatchAny(measured_severity_key(graded[0]), (grade.value,)),))
        for grade in _grade_order(intent.wanted[graded[0]]))
    return Part(Signal.MEASURED_FINDINGS, Nearest(STUDY, image_vector, where=where),
                weights.measured_findings, tiers)


def text_parts(text: TextVectors, intent: QueryIntent, unlike: Examples,
               weights: Weights) -> list[Part]:
    """Reports (dense), reports stating what the query names (filtered), keywords (BM25)."""
    report = away_from(text.own[0], _unwanted(unlike, REPORT), weights.contrast)
    parts = [Part(Signal.REPORTS, Nearest(REPORT, report), weights.reports)]
    stated = stated_filter(intent)
    if stated is not None:
        parts.append(Part(Signal.REPORT_LABELS, Nearest(REPORT, report, where=stated),
                          weights.labels))
    keywords = keyword_query(intent.keyword_text) if intent.terms() else None
    if keywords is not None and keywords.indices:
        parts.append(Part(Signal.KEYWORDS, Nearest(KEYWORDS, keywords), weights.keywords))
    return parts


def _grade_order(asked: Severity | None) -> list[Severity]:
    """Severe first; with a grade asked for ("mild regional hypokinesis"), that grade first,
    then the nearest ones (the worse of two equally near)."""
    grades = [Severity.SEVERE, Severity.MODERATE, Severity.MILD]
    if asked is None or asked not in grades:
        return grades
    return sorted(grades, key=lambda g: (abs(g.rank - asked.rank), -g.rank))
