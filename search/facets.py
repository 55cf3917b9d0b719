"""Facet counts: how many studies matching the current query have each value of a field."""

from __future__ import annotations

from catalog import PayloadField
from vectorstore import Filter, Range, VectorStore

FACET_KEYS = tuple(f.value for f in (
    PayloadField.SEX, PayloadField.VENDOR, PayloadField.VIEWS, PayloadField.REPORT_FINDINGS,
    PayloadField.IMAGE_FINDINGS, PayloadField.REPORT_DIAGNOSES, PayloadField.REPORT_STATUS))
AGE_BANDS = ((0, 17), (18, 39), (40, 59), (60, 79), (80, 130))


def facet_counts(store: VectorStore, where: Filter) -> dict[str, dict[str, int]]:
    """Exact counts per value for the keyword fields, and per age band (years)."""
    out: dict[str, dict[str, int]] = {}
    for key in FACET_KEYS:
        counts = store.facet(key, where if where else None, limit=100)
        out[key] = {str(k): v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1],
                                                                                  str(kv[0])))}
    out["age"] = {}
    for low, high in AGE_BANDS:
        n = store.count(where.and_(Filter((Range(PayloadField.AGE, low, high),))))
        if n:
            out["age"][f"{low}-{high}"] = n
    return out
