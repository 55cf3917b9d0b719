"""The index contract: what a study point holds, written by the indexer and read by search.

Vector names, the index version, point ids, the typed payload (`StudyPayload`), the payload
indexes, and the identity check that keeps a model from querying an index built by another.
"""

from catalog.identity import (
    FOREIGN_HINT,
    MEASURE_VERSION,
    IndexMismatchError,
    check_compatible,
    describe_model,
    index_identity,
    measurement_warnings,
    mismatch,
)
from catalog.measures import (
    FILTERABLE,
    MEASURE_DIM,
    MEASURES,
    STORED,
    measured_severity_key,
    measurement_key,
    measurement_vector,
)
from catalog.payload import (
    IMAGE_FINDING_THRESHOLD,
    REPORT_FIELDS,
    FindingSource,
    MeasurementStatus,
    PayloadField,
    ReportStatus,
    StudyPayload,
    VolumeCurves,
    image_score_key,
    report_severity_key,
    without_paths,
)
from catalog.schema import (
    IMPRESSION,
    INDEX_VERSION,
    KEYWORDS,
    PAYLOAD_INDEXES,
    REPORT,
    STUDY,
    VIEW_VECTORS,
    dense_sizes,
    point_id,
    store_schema,
)

__all__ = [
    "FILTERABLE",
    "FOREIGN_HINT",
    "IMAGE_FINDING_THRESHOLD",
    "IMPRESSION",
    "INDEX_VERSION",
    "KEYWORDS",
    "MEASURES",
    "MEASURE_DIM",
    "MEASURE_VERSION",
    "PAYLOAD_INDEXES",
    "REPORT",
    "REPORT_FIELDS",
    "STORED",
    "STUDY",
    "VIEW_VECTORS",
    "FindingSource",
    "IndexMismatchError",
    "MeasurementStatus",
    "PayloadField",
    "ReportStatus",
    "StudyPayload",
    "VolumeCurves",
    "check_compatible",
    "dense_sizes",
    "describe_model",
    "image_score_key",
    "index_identity",
    "measured_severity_key",
    "measurement_key",
    "measurement_vector",
    "measurement_warnings",
    "mismatch",
    "point_id",
    "report_severity_key",
    "store_schema",
    "without_paths",
]
