"""From embedding records to store points: schema, calibrated image scores, keyword vectors."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import qdrant_edge as qe
from scipy.optimize import minimize

from cmr_search.vocab import CMR_CLIP_FINDINGS, Finding
from indexer.embed import KEYWORDS, VIEW_VECTORS
from indexer.records import EmbeddingRecord
from indexer.store import FieldType, SparseVector, StorePoint, StoreSchema

INDEX_VERSION = "cmr-index-2"  # bump when the point layout or payload meaning changes
_NAMESPACE = uuid.UUID("5d0b7a52-4b1e-4c55-9a0e-1c2f6b8f7c01")
_MIN_PER_CLASS = 5  # fewer report-labelled positives (or negatives) than this: no calibration
IMAGE_FINDING_THRESHOLD = 0.5

PAYLOAD_INDEXES: dict[str, FieldType] = {
    "study_instance_uid": FieldType.KEYWORD,
    "accession_number": FieldType.KEYWORD,
    "patient_key": FieldType.KEYWORD,
    "study_date": FieldType.DATETIME,
    "age": FieldType.INTEGER,
    "sex": FieldType.KEYWORD,
    "manufacturer": FieldType.KEYWORD,
    "vendor": FieldType.KEYWORD,
    "field_strength": FieldType.FLOAT,
    "views": FieldType.KEYWORD,
    # a keyword, not a bool: qdrant-edge-py 0.9 never matches MatchValue(True)
    "report_status": FieldType.KEYWORD,
    "report_findings": FieldType.KEYWORD,
    "report_uncertain": FieldType.KEYWORD,
    "report_negated": FieldType.KEYWORD,
    "report_diagnoses": FieldType.KEYWORD,
    "image_findings": FieldType.KEYWORD,
    "fingerprint": FieldType.KEYWORD,
    **{f"image_scores.{f.value}": FieldType.FLOAT for f in CMR_CLIP_FINDINGS},
    # search keeps "severe" from returning "mild" (and back) with a filter on the grade
    **{f"report_severity.{f.value}": FieldType.KEYWORD for f in Finding},
}


def point_id(study_instance_uid: str) -> str:
    """Deterministic, so a re-run overwrites a study's point instead of adding a second one."""
    return str(uuid.uuid5(_NAMESPACE, study_instance_uid))


def store_schema(dense_sizes: dict[str, int]) -> StoreSchema:
    views = tuple(name for name in dense_sizes if name in VIEW_VECTORS.values())
    return StoreSchema(dense=dense_sizes, sparse=(KEYWORDS,), indexes=PAYLOAD_INDEXES,
                       exact=views)


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


def calibrate(records: Iterable[EmbeddingRecord]) -> dict[str, Platt]:
    """One Platt scaling per finding, from studies whose report states it (or does not)."""
    rows: dict[str, list[tuple[float, int]]] = {f.value: [] for f in CMR_CLIP_FINDINGS}
    for record in records:
        if not record.payload.get("has_report"):
            continue
        positive = set(record.payload["report_findings"])
        uncertain = set(record.payload["report_uncertain"])
        for name, score in record.raw_scores.items():
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


_BM25 = qe.Bm25(qe.Bm25Config(language="english", avg_len=120))


def keyword_document(text: str) -> SparseVector:
    vector = _BM25.embed_document(text)
    return SparseVector(tuple(vector.indices), tuple(vector.values))


def keyword_query(text: str) -> SparseVector:
    vector = _BM25.embed_query(text)
    return SparseVector(tuple(vector.indices), tuple(vector.values))


def to_point(record: EmbeddingRecord, calibration: dict[str, Platt]) -> StorePoint:
    scores = {name: round(calibration[name](s), 4) for name, s in record.raw_scores.items()
              if name in calibration}
    payload: dict[str, Any] = {
        **record.payload,
        "image_scores": scores,
        "image_findings": sorted(n for n, p in scores.items() if p >= IMAGE_FINDING_THRESHOLD),
    }
    sparse = {}
    if payload.get("report"):
        sparse[KEYWORDS] = keyword_document(payload["report"])
    return StorePoint(point_id(record.study_instance_uid), dict(record.vectors), sparse, payload)


def calibration_digest(calibration: dict[str, Platt]) -> str:
    text = ";".join(f"{k}:{v.a}:{v.b}" for k, v in sorted(calibration.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
