"""A tiny collection every store test shares: five studies with a dense study vector, a
per-view vector on some, BM25 keywords of a one-line report, and filterable payload."""

from __future__ import annotations

import numpy as np

from catalog import point_id
from vectorstore import FieldType, StorePoint, StoreSchema
from vectorstore.keywords import keyword_document

SCHEMA = StoreSchema(
    dense={"study": 4, "view_4ch": 4}, sparse=("keywords",),
    indexes={"sex": FieldType.KEYWORD, "age": FieldType.INTEGER,
             "study_date": FieldType.DATETIME, "findings": FieldType.KEYWORD,
             "score": FieldType.FLOAT}, exact=("view_4ch",))
REPORTS = ["Cardiac amyloidosis with diffuse LGE.", "Normal study.",
           "Anderson-Fabry disease, concentric LVH.", "Dilated LV, severe dysfunction.",
           "No LGE. Normal biventricular size and function."]


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def sample_points() -> list[StorePoint]:
    out = []
    for i, report in enumerate(REPORTS):
        dense = {"study": unit(1.0, i, 0.5, 0.1 * i)}
        if i % 2 == 0:
            dense["view_4ch"] = unit(i, 1.0, 0.0, 1.0)
        sparse = {"keywords": keyword_document(report)}
        payload = {"uid": f"1.2.3.{i}", "sex": "F" if i % 2 else "M", "age": 30 + 10 * i,
                   "study_date": f"202{i}-01-01T00:00:00Z", "score": i / 4,
                   "findings": ["lge"] if "LGE" in report and "No" not in report else [],
                   "report": report}
        out.append(StorePoint(point_id(f"1.2.3.{i}"), dense, sparse, payload))
    return out
