"""Facet counts: how many studies matching the current query have each value of a field."""

from __future__ import annotations

from catalog import FILTERABLE, PayloadField, measurement_key
from vectorstore import Filter, Match, Range, VectorStore

FACET_KEYS = tuple(f.value for f in (
    PayloadField.SEX, PayloadField.VENDOR, PayloadField.VIEWS, PayloadField.REPORT_FINDINGS,
    PayloadField.IMAGE_FINDINGS, PayloadField.REPORT_DIAGNOSES, PayloadField.REPORT_STATUS))
AGE_BANDS = ((0, 17), (18, 39), (40, 59), (60, 79), (80, 130))
# measurement bands (inclusive; values keep one decimal): the clinical grades' edges. A label
# says what its band holds: "30 to <40" for 30.0 to 39.9 ("30-39" counted an RVEF of 39.8)
MEASURE_BANDS: dict[str, tuple[tuple[str, float | None, float | None], ...]] = {
    # the grades' edges (`cmr_search.normals`: under 30 % severe, under 41 moderate) and the
    # heart-failure ones (41-49 % mildly reduced, 50 and over preserved), worded as every
    # other band: "30-40 · 40.1-49.9" read as two styles with a gap between them
    "lvef": (("<30", None, 29.9), ("30 to <41", 30.0, 40.9), ("41 to <50", 41.0, 49.9),
             (">=50", 50.0, None)),
    "rvef": (("<30", None, 29.9), ("30 to <40", 30.0, 39.9), (">=40", 40.0, None)),
    # healthy upper limits (mean + 2 SD, Kawel-Boehm 2020): LVEDVi 98-108, RVEDVi 104-119
    "lv_edv_index": (("<100", None, 99.9), ("100 to <130", 100.0, 129.9),
                     (">=130", 130.0, None)),
    "rv_edv_index": (("<110", None, 109.9), ("110 to <140", 110.0, 139.9),
                     (">=140", 140.0, None)),
    "lv_mass": (("<100", None, 99.9), ("100 to <150", 100.0, 149.9), (">=150", 150.0, None)),
    "lv_mass_index": (("<70", None, 69.9), ("70 to <90", 70.0, 89.9), (">=90", 90.0, None)),
    "max_wall_thickness": (("<12", None, 11.9), ("12 to <15", 12.0, 14.9),
                           (">=15", 15.0, None)),
    # the LGE grade's edges (cmr_search.normals): present from 1 %, moderate 6, severe 15
    "scar": (("<1", None, 0.9), ("1 to <6", 1.0, 5.9), ("6 to <15", 6.0, 14.9),
             (">=15", 15.0, None)),
}


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
    out.update(measure_counts(store, where))
    return out


def measure_counts(store: VectorStore, where: Filter) -> dict[str, dict[str, int]]:
    """Studies per measurement band, counting QC-clean values only (as the filters do)."""
    out: dict[str, dict[str, int]] = {}
    for name, bands in MEASURE_BANDS.items():
        measure = FILTERABLE[name]
        clean = Filter(must_not=(Match(PayloadField.FLAGGED_MEASUREMENTS, measure.value),))
        counts = {}
        for label, low, high in bands:
            n = store.count(where.and_(clean).and_(
                Filter((Range(measurement_key(measure), low, high),))))
            if n:
                counts[label] = n
        out[name] = counts
    return out
