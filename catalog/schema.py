"""The layout of a study point: its named vectors, its id, and the payload indexes."""

from __future__ import annotations

import uuid

from catalog.measures import MEASURE_DIM, MEASURES, STORED, measured_severity_key, measurement_key
from catalog.payload import PayloadField, image_score_key, report_severity_key
from cmr_search.vocab import CINE_SLOTS, CMR_CLIP_FINDINGS, STILL_SLOTS, ClipSlot, Finding
from vectorstore.types import FieldType, StoreSchema

INDEX_VERSION = "cmr-index-4"  # bump when the point layout or payload meaning changes
# cmr-index-4: the measurement vector carries the graded findings (catalog.measures)

STUDY = "study"  # the study video embedding (joint space)
IMPRESSION = "impression"  # the report impression through the CLIP text tower (joint space)
REPORT = "report"  # the report in the text model's own space (report-to-report search)
KEYWORDS = "keywords"  # sparse BM25 vector of the report
VIEW_VECTORS: dict[ClipSlot, str] = {slot: f"view_{slot}" for slot in (*CINE_SLOTS,
                                                                       *STILL_SLOTS)}

_NAMESPACE = uuid.UUID("5d0b7a52-4b1e-4c55-9a0e-1c2f6b8f7c01")

PAYLOAD_INDEXES: dict[str, FieldType] = {
    PayloadField.STUDY_INSTANCE_UID: FieldType.KEYWORD,
    PayloadField.ACCESSION_NUMBER: FieldType.KEYWORD,
    PayloadField.PATIENT_KEY: FieldType.KEYWORD,
    PayloadField.STUDY_DATE: FieldType.DATETIME,
    PayloadField.AGE: FieldType.INTEGER,
    PayloadField.SEX: FieldType.KEYWORD,
    PayloadField.MANUFACTURER: FieldType.KEYWORD,
    PayloadField.VENDOR: FieldType.KEYWORD,
    PayloadField.FIELD_STRENGTH: FieldType.FLOAT,
    PayloadField.VIEWS: FieldType.KEYWORD,
    PayloadField.REPORT_STATUS: FieldType.KEYWORD,
    PayloadField.REPORT_FINDINGS: FieldType.KEYWORD,
    PayloadField.REPORT_UNCERTAIN: FieldType.KEYWORD,
    PayloadField.REPORT_NEGATED: FieldType.KEYWORD,
    PayloadField.REPORT_DIAGNOSES: FieldType.KEYWORD,
    PayloadField.IMAGE_FINDINGS: FieldType.KEYWORD,
    PayloadField.FINGERPRINT: FieldType.KEYWORD,
    **{image_score_key(f): FieldType.FLOAT for f in CMR_CLIP_FINDINGS},
    # search keeps "severe" from returning "mild" (and back) with a filter on the grade
    **{report_severity_key(f): FieldType.KEYWORD for f in Finding},
    PayloadField.MEASUREMENT_STATUS: FieldType.KEYWORD,
    PayloadField.FLAGGED_MEASUREMENTS: FieldType.KEYWORD,
    PayloadField.QC_FLAGS: FieldType.KEYWORD,
    PayloadField.MEASURED_FINDINGS: FieldType.KEYWORD,
    **{measurement_key(m): FieldType.FLOAT for m in STORED},
    **{measured_severity_key(f): FieldType.KEYWORD for f in Finding},
}


def point_id(study_instance_uid: str) -> str:
    """Deterministic, so a re-run overwrites a study's point instead of adding a second one."""
    return str(uuid.uuid5(_NAMESPACE, study_instance_uid))


def dense_sizes(joint_dim: int, report_dim: int) -> dict[str, int]:
    """Every dense vector of a point: the joint-space ones, and the report in its own space."""
    sizes = {STUDY: joint_dim, IMPRESSION: joint_dim, REPORT: report_dim,
             MEASURES: MEASURE_DIM}
    sizes.update({name: joint_dim for name in VIEW_VECTORS.values()})
    return sizes


def store_schema(sizes: dict[str, int]) -> StoreSchema:
    """The collection for points with these dense vectors (per-view ones scanned exactly).

    The measurement vector keeps float32: its neighbours differ in the third decimal of the
    cosine, below what float16 storage keeps (and its 60 bytes a point are scanned whole
    up to a quarter million studies)."""
    views = tuple(name for name in sizes if name in VIEW_VECTORS.values())
    # the study vector is rescored by every images-mode, similar-case and measured-findings
    # search: its originals (2 KB a study) in memory took the filtered p50 at 1,000,000 studies
    # in two parts from 51 to 43 ms within 8 GB (docs/scaling.md, run 7)
    cached = (STUDY,) if STUDY in sizes else ()
    return StoreSchema(dense=sizes, sparse=(KEYWORDS,), indexes=dict(PAYLOAD_INDEXES),
                       exact=views, cached=cached)
