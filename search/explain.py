"""Why a study matched: signal ranks, the best-matching view, the report sentences to read."""

from __future__ import annotations

import re

import numpy as np

from catalog import FILTERABLE, VIEW_VECTORS, StudyPayload
from cmr_search.qc import evidence_words
from reader.labeler import sentences
from search.models import Explanation, Sentence, Signal, SignalMatch
from search.numbers import SHORT, UNIT, Bound
from search.understand import QueryIntent

_MAX_SENTENCES = 3


def term_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """One regex for all query terms: long terms match by their first five letters (inflection:
    dilated ~ dilatation, amyloid ~ amyloidosis), short ones (LV, RV, LGE) as whole words."""
    if not terms:
        return None
    parts = sorted({re.escape(t[:5]) + r"\w*" if len(t) >= 5 else re.escape(t) for t in terms})
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


def matched_terms(text: str, terms: list[str] | re.Pattern[str] | None) -> list[str]:
    """The words of `text` that match a query term, as written in the text."""
    pattern = term_pattern(terms) if isinstance(terms, list) else terms
    if pattern is None:
        return []
    return sorted(set(pattern.findall(text)), key=str.lower)


def report_sentences(payload: StudyPayload, intent: QueryIntent | None) -> list[Sentence]:
    """Sentences stating the query's findings first, then those sharing most query words."""
    report = payload.report
    if not report or intent is None:
        return []
    terms = term_pattern(intent.terms())
    deciding = payload.report_sentences
    picked: list[Sentence] = []
    for finding in [*intent.wanted, *intent.ruled_out]:
        text = deciding.get(finding)
        if text and all(s.text != text for s in picked):
            picked.append(Sentence(text=text, terms=matched_terms(text, terms),
                                   finding=finding.value))
    scored = []
    for text in sentences(report):
        found = matched_terms(text, terms)
        if found and all(s.text != text for s in picked):
            scored.append((len({w.lower()[:5] for w in found}), text, found))
    scored.sort(key=lambda item: -item[0])
    picked += [Sentence(text=t, terms=f) for _, t, f in scored]
    return picked[:_MAX_SENTENCES]


def view_scores(vectors: dict[str, np.ndarray],
                reference: np.ndarray | dict[str, np.ndarray]) -> dict[str, float]:
    """Cosine of each view of the hit with the query (one vector, or one per view slot)."""
    out = {}
    for slot, name in VIEW_VECTORS.items():
        vector = vectors.get(name)
        ref = reference.get(name) if isinstance(reference, dict) else reference
        if vector is None or ref is None:
            continue
        denominator = float(np.linalg.norm(vector) * np.linalg.norm(ref)) or 1.0
        out[slot.value] = round(float(vector @ ref) / denominator, 4)
    return out


def _meets(payload: StudyPayload, bound: Bound) -> bool:
    value = payload.measurements.get(FILTERABLE[bound.name])
    return value is not None and (bound.low is None or value >= bound.low) \
        and (bound.high is None or value <= bound.high)


def measured_lines(payload: StudyPayload, intent: QueryIntent | None) -> list[str]:
    """The hit in numbers: each measurement the query bounds ("measured LVEF 28.1 %, asked
    < 35"), and the evidence of each wanted image finding the measurements decided."""
    if intent is None:
        return []
    lines = []
    # of an "or" of ranges, the ones the hit meets
    bounds = [*intent.bounds, *(b for g in intent.either_bounds for b in g if _meets(payload, b))]
    for bound in bounds:
        value = payload.measurements.get(FILTERABLE[bound.name])
        if value is not None:
            asked = bound.shown().removeprefix(SHORT[bound.name]).strip()
            lines.append(f"measured {SHORT[bound.name]} {value:g} {UNIT[bound.name]}, "
                         f"asked {asked}")
    for finding in intent.wanted:
        evidence = payload.finding_evidence.get(finding)
        if evidence:  # an older index's, its QC flags in lower case: said as a new one's
            lines.append(f"{finding.value}: {evidence_words(evidence)}")
    return lines


def explanation(hit_id: str, payload: StudyPayload,
                ranks: dict[Signal, dict[str, tuple[int, float]]], views: dict[str, float],
                intent: QueryIntent | None) -> Explanation:
    signals = [SignalMatch(signal=signal, rank=found[hit_id][0], score=round(found[hit_id][1], 4))
               for signal, found in ranks.items() if hit_id in found]
    matched = []
    if intent is not None:
        for finding in intent.wanted:
            if finding in payload.report_findings:
                matched.append(f"{finding.value} (report)")
            if finding in payload.image_findings:
                matched.append(f"{finding.value} (images)")
    return Explanation(signals=signals, view_scores=views,
                       best_view=max(views, key=lambda k: views[k]) if views else None,
                       sentences=report_sentences(payload, intent), findings_matched=matched,
                       measured=measured_lines(payload, intent))
