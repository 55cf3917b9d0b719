"""From embedding records to store points: calibrated image scores and keyword vectors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from catalog import KEYWORDS, point_id
from cmr_search.vocab import CMR_CLIP_FINDINGS, Finding, unseen_by
from indexer.findings import decide, measurement_fields, measurement_vectors
from indexer.records import EmbeddingRecord, MeasurementRecord
from vectorstore import SparseVector, StorePoint
from vectorstore.keywords import keyword_document

_MIN_PER_CLASS = 5  # fewer report-labelled positives (or negatives) than this: no calibration


@dataclass(frozen=True)
class Platt:
    """p = sigmoid(a * score + b), fitted on report-derived labels of the indexed archive."""

    a: float
    b: float
    positives: int = 0
    negatives: int = 0

    def __call__(self, score: float) -> float:
        return float(1.0 / (1.0 + np.exp(-(self.a * score + self.b))))

    @property
    def fitted(self) -> bool:
        return self.positives >= _MIN_PER_CLASS and self.negatives >= _MIN_PER_CLASS


def _fit(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    def loss(ab: np.ndarray) -> float:
        z = ab[0] * scores + ab[1]
        # log(1 + e^z) - y z, written stably; a little L2 keeps separable data finite
        return float(np.mean(np.logaddexp(0, z) - labels * z) + 1e-4 * ab[0] ** 2)

    scale = 1.0 / max(float(scores.std()), 1e-6)
    result = minimize(loss, np.array([scale, -scale * float(scores.mean())]), method="BFGS")
    return float(result.x[0]), float(result.x[1])


def seen_scores(record: EmbeddingRecord) -> dict[str, float]:
    """The raw zero-shot scores of the findings the study's images can show.

    Enhancement is seen on LGE images only, the aorta on a 3-chamber or LVOT cine, and nothing
    without a short-axis cine (`cmr_search.vocab.unseen_by`): a study without them (a
    cine-only research archive such as ACDC, a study without contrast, an aorta study) fills
    those slots with nothing, and the score would be noise shown to a clinician as a
    probability.
    """
    findings = {f.value for f in Finding}
    return {k: v for k, v in record.raw_scores.items()
            if k not in findings or unseen_by(Finding(k), record.payload.views) is None}


def calibrate(records: Iterable[EmbeddingRecord]) -> dict[str, Platt]:
    """One Platt scaling per finding, from studies whose report states it (or does not)."""
    rows: dict[str, list[tuple[float, int]]] = {f.value: [] for f in CMR_CLIP_FINDINGS}
    for record in records:
        if not record.payload.has_report:
            continue
        positive = set(record.payload.report_findings)
        uncertain = set(record.payload.report_uncertain)
        for name, score in seen_scores(record).items():
            if name in rows and name not in uncertain:
                rows[name].append((score, int(name in positive)))
    out = {}
    for name, pairs in rows.items():
        scores = np.array([s for s, _ in pairs], dtype=np.float64)
        labels = np.array([y for _, y in pairs], dtype=np.float64)
        n_pos, n_neg = int(labels.sum()), int(len(labels) - labels.sum())
        if min(n_pos, n_neg) < _MIN_PER_CLASS:
            # too few labelled studies: a fixed, steep squashing that keeps the order
            out[name] = Platt(20.0, 0.0, n_pos, n_neg)
            continue
        a, b = _fit(scores, labels)
        out[name] = Platt(round(a, 6), round(b, 6), n_pos, n_neg)
    return out


def to_point(record: EmbeddingRecord, calibration: dict[str, Platt],
             measured: MeasurementRecord | None = None) -> StorePoint:
    """A study point: its vectors and payload, the calibrated zero-shot scores, and (when the
    study was measured) its measurements, measurement vector and findings decided by them."""
    scores = {Finding(name): round(calibration[name](s), 4)
              for name, s in seen_scores(record).items() if name in calibration}
    calibrated = frozenset(Finding(n) for n, platt in calibration.items() if platt.fitted)
    sex = record.payload.sex
    payload = type(record.payload).model_validate({  # the updates, validated and typed
        **record.payload.model_dump(), "image_scores": scores,
        **measurement_fields(measured, sex), **decide(scores, measured, sex, calibrated)})
    sparse: dict[str, SparseVector] = {}
    if payload.report:
        sparse[KEYWORDS] = keyword_document(payload.report)
    vectors = {**record.vectors, **measurement_vectors(measured, sex)}
    return StorePoint(point_id(record.study_instance_uid), vectors, sparse,
                      payload.as_payload())


def calibration_digest(calibration: dict[str, Platt]) -> str:
    """What the published scores and findings depend on: the scalings and whether each is
    fitted (an unfitted one decides nothing), so an index whose studies did not change is
    republished when either does."""
    text = ";".join(f"{k}:{v.a}:{v.b}:{v.fitted}" for k, v in sorted(calibration.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
