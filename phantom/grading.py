"""Grade findings from measurements with the usual CMR reference thresholds.

Ground-truth severities come from what the images measure, so a finding's grade always agrees
with the pixels (a DCM heart is graded by its volumes and EF, not by its label).
"""

from __future__ import annotations

from cmr_search.vocab import Finding, Severity, Sex
from phantom.anatomy import HeartAnatomy
from phantom.measure import Measurements

# Upper limits of normal for end-diastolic volume indexed to body surface area (ml/m2).
_LVEDVI_ULN = {Sex.MALE: 105.0, Sex.FEMALE: 96.0}
_RVEDVI_ULN = {Sex.MALE: 114.0, Sex.FEMALE: 100.0}
_WALL_ULN = {Sex.MALE: 12.0, Sex.FEMALE: 11.0}


def _by_limits(value: float, mild: float, moderate: float, severe: float) -> Severity:
    """Higher is worse: value above `mild` is mild, above `moderate` moderate, and so on."""
    if value > severe:
        return Severity.SEVERE
    if value > moderate:
        return Severity.MODERATE
    if value > mild:
        return Severity.MILD
    return Severity.NONE


def grade(m: Measurements, anatomy: HeartAnatomy, sex: Sex,
          bsa_m2: float) -> dict[Finding, Severity]:
    """Severity of every finding for one study."""
    lv_uln, rv_uln = _LVEDVI_ULN[sex], _RVEDVI_ULN[sex]
    wall_uln = _WALL_ULN[sex]
    return {
        Finding.LV_SYSTOLIC_DYSFUNCTION: _by_limits(-m.lvef_pct, -52.0, -41.0, -30.0),
        Finding.RV_SYSTOLIC_DYSFUNCTION: _by_limits(-m.rvef_pct, -45.0, -40.0, -30.0),
        Finding.LV_DILATION: _by_limits(m.lvedv_ml / bsa_m2, lv_uln, lv_uln + 12, lv_uln + 25),
        Finding.RV_DILATION: _by_limits(m.rvedv_ml / bsa_m2, rv_uln, rv_uln + 15, rv_uln + 30),
        Finding.LV_HYPERTROPHY: _by_limits(m.max_wall_thickness_mm, wall_uln, 15.0, 20.0),
        Finding.LGE: _by_limits(m.lge_fraction_pct, 0.3, 6.0, 15.0),
        Finding.AORTIC_DILATION: _by_limits(m.aortic_root_mm, 38.0, 42.0, 47.0),
        Finding.PERICARDIAL_EFFUSION: _by_limits(m.effusion_mm, 1.0, 10.0, 20.0),
        Finding.REGIONAL_WALL_MOTION_ABNORMALITY: _by_limits(
            anatomy.hypokinesis if anatomy.territory else 0.0, 0.25, 0.55, 0.85),
    }
