"""The signals of a free-text search: the image query and the report-side queries."""

from __future__ import annotations

from typing import Any

import numpy as np

from catalog import KEYWORDS, REPORT, STUDY, measured_severity_key, report_severity_key
from cmr_search.normals import MEASURED_ONLY
from cmr_search.vocab import Finding, Severity
from cmrclip.types import TextVectors
from search.measured import CINE_FINDINGS, measured_match
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
    # a grade asked ("mild LV dilation": mild or moderate) lists its own grade first, as for the
    # findings without a prompt (an "or" asks no grade of the whole: `understand._one_grade`)
    asked: dict[Finding, Severity | None] = {f: None if intent.any_of else g
                                             for f, g in intent.wanted.items()}
    graded = [f for f in intent.wanted if f in MEASURED_ONLY
              or (asked[f] not in (None, Severity.NONE) and f in CINE_FINDINGS)]
    tiers = () if not graded else tuple(
        Filter((MatchAny(measured_severity_key(graded[0]), (grade.value,)),))
        for grade in _grade_order(asked[graded[0]]))
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
                          weights.labels, _report_tiers(intent)))
    keywords = keyword_query(intent.keyword_text) if intent.terms() else None
    if keywords is not None and keywords.indices:
        parts.append(Part(Signal.KEYWORDS, Nearest(KEYWORDS, keywords), weights.keywords))
    return parts


def _report_tiers(intent: QueryIntent) -> tuple[Filter, ...]:
    """With a grade asked, the reports stating that grade first, then the others the query
    lets through (worse, or no grade said): "mild LV dysfunction" listed a severe one first."""
    for finding in intent.required:
        asked = None if intent.any_of else intent.wanted[finding]
        if asked is not None and asked is not Severity.NONE:
            same = MatchAny(report_severity_key(finding), (asked.value,))
            return Filter((same,)), Filter(must_not=(same,))
    return ()


def _grade_order(asked: Severity | None) -> list[Severity]:
    """Severe first; with a grade asked for ("mild regional hypokinesis"), that grade first,
    then the nearest ones (the worse of two equally near; the grades that do not answer it are
    left out by `understand.intent_filter`)."""
    grades = [Severity.SEVERE, Severity.MODERATE, Severity.MILD]
    if asked is None or asked not in grades:
        return grades
    return sorted(grades, key=lambda g: (abs(g.rank - asked.rank), -g.rank))
