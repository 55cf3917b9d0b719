"""Reference ranges of CMR measurements in adults, by sex, and the grading built on them.

Source: N. Kawel-Boehm, S. J. Hetzel, B. Ambale-Venkatesh, G. Captur, C. J. Francois,
M. Jerosch-Herold, M. Salerno, S. D. Teague, E. Valsangiacomo-Buechel, R. J. van der Geest,
D. A. Bluemke. "Reference ranges ("normal values") for cardiovascular magnetic resonance (CMR)
in adults and children: 2020 update." J Cardiovasc Magn Reson 2020;22:87,
doi:10.1186/s12968-020-00683-3. Adult tables for bSSFP short-axis cine with papillary muscles
and trabeculation counted in the blood volume, which is how our segmentation contours.

The means and standard deviations are rounded, pooled adult values (all ages); the normal range
is mean +- 1.96 SD. They were transcribed for this product and must be checked against the
paper's tables before a clinical deployment relies on them (a test pins them, so a change is
deliberate). Where sex is unknown (research data, DICOM without PatientSex) the union of the
male and female ranges is used: a value is abnormal only when it is abnormal for either sex.

Severity partitions beyond the normal limit are not in the paper; they follow common clinical
practice: LVEF 41-50 % mildly, 30-40 % moderately, < 30 % severely reduced (ASE/EACVI), RVEF
< 40 % moderately and < 30 % severely reduced; a dilated ventricle is mildly dilated up to
3 SD above the mean, moderately up to 4 SD and severely beyond; maximal wall thickness of
15 mm and more is moderate and 20 mm and more severe hypertrophy (the HCM criterion and its
extreme); scar burden (LGE) of 1 % of the LV myocardium counts as present, 6 % moderate,
15 % extensive.
A regional wall motion abnormality is graded by the share of the LV wall that barely moves
while the rest contracts (`segment.motion`): more than 10 % of the wall (one segment over about
half the ventricle) counts as present, more than 25 % moderate, more than 40 % (a whole coronary
territory) severe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from cmr_search.vocab import CMR_CLIP_FINDINGS, Finding, Measure, Severity, Sex

CITATION = ("Kawel-Boehm N, et al. Reference ranges (\"normal values\") for cardiovascular "
            "magnetic resonance (CMR) in adults and children: 2020 update. J Cardiovasc Magn "
            "Reson 2020;22:87")


@dataclass(frozen=True)
class Normal:
    """A measurement in healthy adults of one sex: mean and standard deviation."""

    mean: float
    sd: float

    @property
    def lower(self) -> float:
        return round(self.mean - 1.96 * self.sd, 1)

    @property
    def upper(self) -> float:
        return round(self.mean + 1.96 * self.sd, 1)


def _sexes(male: tuple[float, float], female: tuple[float, float]) -> dict[Sex, Normal]:
    return {Sex.MALE: Normal(*male), Sex.FEMALE: Normal(*female)}


# (mean, SD) for men and women
REFERENCE: dict[Measure, dict[Sex, Normal]] = {
    Measure.LVEDV: _sexes((163, 29), (128, 21)),
    Measure.LVESV: _sexes((62, 15), (45, 11)),
    Measure.LVSV: _sexes((101, 18), (83, 14)),
    Measure.LVEF: _sexes((62, 5), (65, 5)),
    Measure.LVEDVI: _sexes((82, 13), (76, 11)),
    Measure.LVESVI: _sexes((31, 7), (26, 6)),
    Measure.RVEDV: _sexes((182, 33), (135, 24)),
    Measure.RVESV: _sexes((81, 20), (55, 14)),
    Measure.RVSV: _sexes((101, 18), (80, 14)),
    Measure.RVEF: _sexes((56, 6), (60, 6)),
    Measure.RVEDVI: _sexes((91, 14), (80, 12)),
    Measure.RVESVI: _sexes((40, 9), (32, 7)),
    Measure.LV_MASS: _sexes((116, 21), (85, 15)),
    Measure.LV_MASSI: _sexes((58, 9), (50, 8)),
    Measure.MAX_WALL_THICKNESS: _sexes((9.0, 1.5), (8.0, 1.4)),
}


def sex_of(patient_sex: str | None) -> Sex | None:
    """DICOM PatientSex as a `Sex`, None when unknown or other."""
    try:
        return Sex(str(patient_sex or "").strip().upper())
    except ValueError:
        return None


def reference_range(measure: Measure, sex: Sex | None) -> tuple[float, float] | None:
    """Normal limits (lower, upper) for one sex, or their union when the sex is unknown."""
    normals = REFERENCE.get(measure)
    if normals is None:
        return None
    if sex is not None:
        return normals[sex].lower, normals[sex].upper
    return (min(n.lower for n in normals.values()), max(n.upper for n in normals.values()))


def z_score(measure: Measure, value: float, sex: Sex | None) -> float | None:
    """How many SDs from the healthy mean (the two sexes averaged when unknown)."""
    normals = REFERENCE.get(measure)
    if normals is None:
        return None
    chosen = [normals[sex]] if sex is not None else list(normals.values())
    mean = sum(n.mean for n in chosen) / len(chosen)
    sd = sum(n.sd for n in chosen) / len(chosen)
    return (value - mean) / sd


class Direction(StrEnum):
    LOW = "low"  # abnormal below (EF)
    HIGH = "high"  # abnormal above (volumes, mass, thickness, scar)


@dataclass(frozen=True)
class Rule:
    """How a finding is graded from one measurement: the direction, and fixed cut-offs where
    practice uses them (None: the reference range decides)."""

    measure: Measure
    direction: Direction
    moderate: float | None = None  # fixed limit of a moderate grade (None: mean +- 3 SD)
    severe: float | None = None  # fixed limit of a severe grade (None: mean +- 4 SD)
    present: float | None = None  # fixed limit of a mild grade (None: the normal limit)


# The findings the measurements grade, each by its measurements in order of preference (an
# indexed volume needs the body surface area; without it the absolute volume is graded).
RULES: dict[Finding, tuple[Rule, ...]] = {
    Finding.LV_SYSTOLIC_DYSFUNCTION: (Rule(Measure.LVEF, Direction.LOW, 41.0, 30.0),),
    Finding.RV_SYSTOLIC_DYSFUNCTION: (Rule(Measure.RVEF, Direction.LOW, 40.0, 30.0),),
    Finding.LV_DILATION: (Rule(Measure.LVEDVI, Direction.HIGH),
                          Rule(Measure.LVEDV, Direction.HIGH)),
    Finding.RV_DILATION: (Rule(Measure.RVEDVI, Direction.HIGH),
                          Rule(Measure.RVEDV, Direction.HIGH)),
    Finding.LV_HYPERTROPHY: (Rule(Measure.MAX_WALL_THICKNESS, Direction.HIGH, 15.0, 20.0),),
    Finding.LGE: (Rule(Measure.SCAR, Direction.HIGH, 6.0, 15.0, present=1.0),),
    Finding.REGIONAL_WALL_MOTION_ABNORMALITY: (
        Rule(Measure.HYPOKINETIC_WALL, Direction.HIGH, 25.0, 40.0, present=10.0),),
}
# the findings the measurements alone grade: the video model has no prompt for them
MEASURED_ONLY: tuple[Finding, ...] = tuple(f for f in RULES if f not in CMR_CLIP_FINDINGS)


def limits(rule: Rule, sex: Sex | None) -> dict[Severity, float]:
    """Where each grade begins: a value beyond `limits[MILD]` (below it for EF) is at least
    mild, and so on. For an unknown sex the limits of the sex for which it is least abnormal."""
    normals = REFERENCE.get(rule.measure)
    sign = -1.0 if rule.direction is Direction.LOW else 1.0

    def at(sd_count: float) -> float:
        assert normals is not None
        chosen = [normals[sex]] if sex is not None else list(normals.values())
        values = [n.mean + sign * sd_count * n.sd for n in chosen]
        return round(min(values) if sign < 0 else max(values), 1)

    mild = rule.present if rule.present is not None else at(1.96)
    moderate = rule.moderate if rule.moderate is not None else at(3.0)
    severe = rule.severe if rule.severe is not None else at(4.0)
    if sign < 0:  # a fixed limit never makes a grade start before the normal range ends
        moderate, severe = min(moderate, mild), min(severe, mild)
    return {Severity.MILD: mild, Severity.MODERATE: moderate, Severity.SEVERE: severe}


def beyond(value: float, limit: float, direction: Direction) -> bool:
    """Whether `value` lies beyond `limit` on the abnormal side (the limit itself is normal
    for a high rule, and abnormal from below for a low one: LVEF 40 % is "< 41")."""
    return value < limit if direction is Direction.LOW else value > limit


@dataclass(frozen=True)
class Grade:
    """A finding graded from a measurement, with what decided it (for explanations)."""

    finding: Finding
    severity: Severity
    measure: Measure
    value: float
    limit: float  # the limit the value is beyond (the normal limit when it is normal)
    direction: Direction

    def explain(self) -> str:
        """"measured LVEF 28 %, below 30 (severe)", "measured LVEDVi 80 ml/m², not above 105".
        Not graded is not "within normal limits": a small LV is no dilation, and below the
        normal range all the same (the measurements table says so)."""
        name = LABELS.get(self.measure, self.measure.value)
        shown = f"measured {name} {self.value:g} {self.measure.unit}"
        side = "below" if self.direction is Direction.LOW else "above"
        if self.severity is Severity.NONE:
            return f"{shown}, not {side} {self.limit:g}"
        return f"{shown}, {side} {self.limit:g} ({self.severity.value})"


def grade(finding: Finding, values: dict[Measure, float], sex: Sex | None) -> Grade | None:
    """The finding's severity from the first measurement its rules can use, or None."""
    for rule in RULES.get(finding, ()):
        value = values.get(rule.measure)
        if value is None:
            continue
        bounds = limits(rule, sex)
        severity, limit = Severity.NONE, bounds[Severity.MILD]
        for level in (Severity.MILD, Severity.MODERATE, Severity.SEVERE):
            if beyond(value, bounds[level], rule.direction):
                severity, limit = level, bounds[level]
        return Grade(finding, severity, rule.measure, round(value, 1), limit, rule.direction)
    return None


def impossible(measure: Measure, value: float) -> bool:
    """Whether no heart has `value` (in `measure`'s unit): a share (an EF, the scar burden,
    the hypokinetic wall, %) below 0 or above 100, a negative volume, mass, thickness or body
    size, or no number at all. A segmentation that failed, not a measurement: ACDC patient083
    read RVEF -8.4 % (its RV drawn larger at end-systole). QC flags it (`segment.qc`), and it
    is shown as not measurable, never as a number a reader might take for a severe finding."""
    if not math.isfinite(value):
        return True
    return not 0.0 <= value <= 100.0 if measure.unit == "%" else value < 0.0


LABELS: dict[Measure, str] = {
    Measure.LVEDV: "LVEDV", Measure.LVESV: "LVESV", Measure.LVSV: "LVSV", Measure.LVEF: "LVEF",
    Measure.LVEDVI: "LVEDVi", Measure.LVESVI: "LVESVi", Measure.RVEDV: "RVEDV",
    Measure.RVESV: "RVESV", Measure.RVSV: "RVSV", Measure.RVEF: "RVEF",
    Measure.RVEDVI: "RVEDVi", Measure.RVESVI: "RVESVi", Measure.LV_MASS: "LV mass",
    Measure.LV_MASSI: "LV mass index", Measure.MAX_WALL_THICKNESS: "max wall thickness",
    Measure.SCAR: "scar burden", Measure.HYPOKINETIC_WALL: "hypokinetic LV wall",
    Measure.BSA: "BSA"}
