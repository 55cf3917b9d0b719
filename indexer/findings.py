"""A study's measurements in its payload, and its image findings decided by the measurements
where they are trustworthy and by the model's zero-shot probability elsewhere.

A measurement a QC check doubts never decides a finding and never passes a filter silently:
it is listed in `flagged_measurements`, and the finding falls back to the model, saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from catalog import (
    IMAGE_FINDING_THRESHOLD,
    MEASURES,
    STORED,
    FindingSource,
    MeasurementStatus,
    VolumeCurves,
    measurement_vector,
)
from cmr_search.normals import LABELS, MEASURED_ONLY, RULES, Grade, grade, impossible, sex_of
from cmr_search.qc import qc_words
from cmr_search.vocab import CMR_CLIP_FINDINGS, Finding, Measure, Severity
from indexer.records import MeasurementRecord


def _values(record: MeasurementRecord) -> dict[Measure, float]:
    known = {m.value for m in STORED}
    return {Measure(k): float(v) for k, v in record.values.items()
            if k in known and v is not None and np.isfinite(v)}


def _flagged(record: MeasurementRecord) -> set[Measure]:
    """The measures a QC check doubts, and those no heart has (`impossible`) though none did
    (a record measured before its check, a measure with none): an unflagged RVEF of -8.4 %
    graded severe RV dysfunction and passed filters, its page saying "not measurable"."""
    known = {m.value for m in STORED}
    return {Measure(k) for k, flags in record.flags.items() if k in known and flags} | \
        {m for m, v in _values(record).items() if impossible(m, v)}


def grades(record: MeasurementRecord, sex: str) -> tuple[dict[Finding, Grade],
                                                         dict[Finding, Grade]]:
    """Findings graded from trustworthy measurements, and those only doubted ones could grade."""
    values, flagged = _values(record), _flagged(record)
    clean = {m: v for m, v in values.items() if m not in flagged}
    trusted, doubted = {}, {}
    for finding in RULES:
        found = grade(finding, clean, sex_of(sex))
        if found is not None:
            trusted[finding] = found
            continue
        found = grade(finding, values, sex_of(sex))
        if found is not None:
            doubted[finding] = found
    return trusted, doubted


def measurement_fields(record: MeasurementRecord | None, sex: str) -> dict[str, Any]:
    """The measure stage's part of a payload (its defaults for a study never measured)."""
    if record is None:
        return {}
    if not record.measured:
        return {"measurement_status": MeasurementStatus.FAILED,
                "measurement_error": record.error, "segmentation_model": record.model}
    values, flagged = _values(record), _flagged(record)
    trusted, _ = grades(record, sex)
    shown = {f: g.severity for f, g in trusted.items() if g.severity is not Severity.NONE}
    return {
        "measurement_status": MeasurementStatus.MEASURED,
        "segmentation_model": record.model,
        "measurements": {m.value: round(v, 1 if m is not Measure.BSA else 2)
                         for m, v in values.items()},
        "measurement_flags": {k: v for k, v in record.flags.items()
                              if v and k in {m.value for m in STORED}},
        "flagged_measurements": sorted(m.value for m in flagged),
        "qc_flags": list(record.study_flags),
        "measured_findings": sorted(f.value for f in shown),
        "measured_severity": {f.value: s.value for f, s in shown.items()},
        "volume_curves": VolumeCurves(lv_ml=record.lv_curve_ml, rv_ml=record.rv_curve_ml,
                                      ed=record.ed, es=record.es,
                                      interval_ms=record.interval_ms),
    }


def _doubt(found: Grade, record: MeasurementRecord) -> str:
    """What a doubted measurement would have graded: "measured RVEF 35 %, below 40
    (moderate) but QC-flagged"; a value no heart has (`impossible`) is not stated as a number
    nor graded ("measured RVEF -8.4 %, below 30 (severe) but QC-flagged" read as a severe
    finding): "RVEF not measurable (EF out of range)", its flags said as the pages say them."""
    if not impossible(found.measure, found.value):
        return f"{found.explain()} but QC-flagged"
    flags = ", ".join(qc_words(f) for f in record.flags.get(found.measure.value, []))
    return (f"{LABELS.get(found.measure, found.measure.value)} not measurable "
            f"({flags or 'no heart has this value'})")


def decide(scores: dict[Finding, float], record: MeasurementRecord | None, sex: str,
           calibrated: frozenset[Finding] | None = None) -> dict[str, Any]:
    """Image findings, which source decided each, and the evidence in numbers.

    `calibrated`: the findings whose scores are probabilities (None: all). Without reports
    (a research archive) a score is a fixed squashing of the model's raw score: shown as a
    probability, it called hypertrophic hearts with an LVEF of 82 % dysfunctional.
    """
    trusted, doubted = grades(record, sex) if record is not None and record.measured else ({},
                                                                                         {})
    shown, source, evidence = [], {}, {}
    for finding in (*CMR_CLIP_FINDINGS, *MEASURED_ONLY):
        measured = trusted.get(finding)
        if measured is not None:
            source[finding.value] = FindingSource.MEASUREMENTS
            evidence[finding.value] = measured.explain()
            if measured.severity is not Severity.NONE:
                shown.append(finding.value)
            continue
        probability = scores.get(finding)
        doubt = _doubt(doubted[finding], record) if finding in doubted and record else ""
        if probability is None:
            if doubt:  # a measured-only finding read "not modelled"
                evidence[finding.value] = f"{doubt}: not decided"
            continue
        if calibrated is not None and finding not in calibrated:
            source[finding.value] = FindingSource.UNCALIBRATED
            evidence[finding.value] = "; ".join(x for x in (
                "not decided: too few reports in this archive say whether it is present to "
                "calibrate the score", doubt)
                if x)
            continue
        source[finding.value] = FindingSource.MODEL
        evidence[finding.value] = "; ".join(x for x in (f"model probability {probability:.2f}",
                                                        doubt) if x)
        if probability >= IMAGE_FINDING_THRESHOLD:
            shown.append(finding.value)
    return {"image_findings": sorted(shown), "image_finding_source": source,
            "finding_evidence": evidence}


def measurement_vectors(record: MeasurementRecord | None, sex: str) -> dict[str, np.ndarray]:
    """The study's measurement vector under its index name (none when not measured)."""
    if record is None or not record.measured:
        return {}
    vector = measurement_vector(_values(record), sex)
    return {} if vector is None else {MEASURES: vector}
