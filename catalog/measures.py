"""Measurements in the index: which are stored and filtered on, where, and the measurement
vector that finds studies whose hearts measure alike.

The vector holds each feature as a z-score against the sex's healthy reference
(`cmr_search.normals`), clipped to +-6; then the findings a reader grades from those numbers
(LV and RV dysfunction and dilation, LV hypertrophy: none, mild, moderate, severe by the same
references, `cmr_search.normals.grade`), a grade step counting as one reference SD; and a
constant last component. The store compares vectors by cosine; with the constant large
against the rest, the cosine ranks neighbours nearly as the Euclidean distance would, so
"near" means "measures alike" and not merely "abnormal in the same direction". The grades
make the clinical cut-offs count: two hearts on either side of "LVEF below 41 %" are further
apart than their z-scores alone say.
"""

from __future__ import annotations

import numpy as np

from cmr_search.normals import grade, sex_of, z_score
from cmr_search.vocab import Finding, Measure

MEASURES = "measures"  # the named vector of standardised measurements

# what the index stores under `measurements` (and filters and facets on)
STORED: tuple[Measure, ...] = (
    Measure.LVEDV, Measure.LVESV, Measure.LVEF, Measure.LVEDVI, Measure.LVESVI, Measure.RVEDV,
    Measure.RVESV, Measure.RVEF, Measure.RVEDVI, Measure.RVESVI, Measure.LV_MASS,
    Measure.LV_MASSI, Measure.MAX_WALL_THICKNESS, Measure.SCAR, Measure.HYPOKINETIC_WALL,
    Measure.BSA)

# filter names (CLI `--filter lvef=..35`, API `lvef_max=35`) -> the measurement
FILTERABLE: dict[str, Measure] = {
    "lvef": Measure.LVEF, "rvef": Measure.RVEF, "lv_edv": Measure.LVEDV,
    "rv_edv": Measure.RVEDV, "lv_edv_index": Measure.LVEDVI, "rv_edv_index": Measure.RVEDVI,
    "lv_mass": Measure.LV_MASS, "lv_mass_index": Measure.LV_MASSI,
    "max_wall_thickness": Measure.MAX_WALL_THICKNESS, "scar": Measure.SCAR}

# the vector's features, each the first measurement a study has (indexed volumes need the
# body surface area), with its weight
FEATURES: tuple[tuple[tuple[Measure, ...], float], ...] = (
    ((Measure.LVEDVI, Measure.LVEDV), 1.0),
    ((Measure.LVESVI, Measure.LVESV), 1.0),
    ((Measure.LVEF,), 1.5),
    ((Measure.RVEDVI, Measure.RVEDV), 1.0),
    ((Measure.RVESVI, Measure.RVESV), 1.0),
    ((Measure.RVEF,), 1.0),
    ((Measure.LV_MASSI, Measure.LV_MASS), 1.0),
    ((Measure.MAX_WALL_THICKNESS,), 1.0),
    ((Measure.SCAR,), 1.0),
)
# the graded findings in the vector (LGE is left to the scar feature: scar is unvalidated)
GRADED: tuple[Finding, ...] = (
    Finding.LV_SYSTOLIC_DYSFUNCTION, Finding.RV_SYSTOLIC_DYSFUNCTION, Finding.LV_DILATION,
    Finding.RV_DILATION, Finding.LV_HYPERTROPHY)
_GRADE_STEP = 1.0  # one grade step weighs as one reference SD of a z-scored feature
MEASURE_DIM = len(FEATURES) + len(GRADED) + 1
_CLIP_Z = 6.0
_CONSTANT = 20.0
_SCAR_SCALE_PCT = 5.0  # healthy myocardium has no scar: 5 % of it counts as one unit


def measurement_key(measure: Measure | str) -> str:
    """The payload path of one measurement's value."""
    return f"measurements.{Measure(measure).value}"


def measured_severity_key(finding: Finding | str) -> str:
    """The payload path of the grade the measurements give one finding."""
    return f"measured_severity.{Finding(finding).value}"


def _feature(values: dict[Measure, float], measures: tuple[Measure, ...],
             sex: str | None) -> float:
    for measure in measures:
        value = values.get(measure)
        if value is None:
            continue
        if measure is Measure.SCAR:
            return min(value / _SCAR_SCALE_PCT, _CLIP_Z)
        z = z_score(measure, value, sex_of(sex))
        if z is not None:
            return float(np.clip(z, -_CLIP_Z, _CLIP_Z))
    return 0.0  # not measured: the healthy mean, so it neither attracts nor repels


def measurement_vector(values: dict[Measure, float], sex: str | None) -> np.ndarray | None:
    """The study's point in measurement space, or None when nothing of the LV was measured."""
    if values.get(Measure.LVEF) is None and values.get(Measure.LVEDV) is None:
        return None
    features = [weight * _feature(values, measures, sex) for measures, weight in FEATURES]
    grades = [_grade_steps(finding, values, sex) for finding in GRADED]
    return np.asarray([*features, *grades, _CONSTANT], dtype=np.float32)


def _grade_steps(finding: Finding, values: dict[Measure, float], sex: str | None) -> float:
    """The finding's grade (0 none .. 3 severe) in SD units; 0 when nothing grades it."""
    graded = grade(finding, values, sex_of(sex))
    return 0.0 if graded is None else _GRADE_STEP * graded.severity.rank
