"""Reference ranges (Kawel-Boehm 2020) and the grades built on them."""

from __future__ import annotations

from cmr_search.normals import RULES, Direction, grade, limits, reference_range, sex_of
from cmr_search.vocab import Finding, Measure, Severity, Sex


def test_ranges_by_sex_and_their_union_when_unknown() -> None:
    assert reference_range(Measure.LVEF, Sex.MALE) == (52.2, 71.8)
    assert reference_range(Measure.LVEF, None) == (52.2, 74.8)
    assert reference_range(Measure.BSA, Sex.FEMALE) is None
    assert sex_of("f") is Sex.FEMALE and sex_of("unknown") is None


def test_lvef_grades_follow_the_fixed_cut_offs() -> None:
    def graded(value: float) -> Severity:
        found = grade(Finding.LV_SYSTOLIC_DYSFUNCTION, {Measure.LVEF: value}, Sex.MALE)
        assert found is not None
        return found.severity

    assert [graded(v) for v in (60, 45, 35, 25)] == [
        Severity.NONE, Severity.MILD, Severity.MODERATE, Severity.SEVERE]
    found = grade(Finding.LV_SYSTOLIC_DYSFUNCTION, {Measure.LVEF: 28.0}, Sex.MALE)
    assert found is not None and found.explain() == "measured LVEF 28 %, below 30 (severe)"
    # a small LV is no dilation, but it was "within normal limits" beside a table saying low
    small = grade(Finding.LV_DILATION, {Measure.LVEDV: 39.9}, Sex.MALE)
    assert small is not None and small.severity is Severity.NONE
    assert small.explain().startswith("measured LVEDV 39.9 ml, not above ")


def test_an_indexed_volume_is_preferred_and_the_absolute_one_is_the_fallback() -> None:
    rule = RULES[Finding.LV_DILATION]
    assert rule[0].measure is Measure.LVEDVI and rule[0].direction is Direction.HIGH
    found = grade(Finding.LV_DILATION, {Measure.LVEDV: 300.0}, None)
    assert found is not None and found.measure is Measure.LVEDV
    assert found.severity is Severity.SEVERE
    assert limits(rule[0], Sex.FEMALE)[Severity.MILD] == 97.6


def test_a_regional_wall_motion_abnormality_is_graded_by_the_share_of_still_wall() -> None:
    def graded(share_pct: float) -> Severity:
        found = grade(Finding.REGIONAL_WALL_MOTION_ABNORMALITY,
                      {Measure.HYPOKINETIC_WALL: share_pct}, None)
        assert found is not None
        return found.severity

    assert [graded(v) for v in (0, 10, 20, 30, 60)] == [
        Severity.NONE, Severity.NONE, Severity.MILD, Severity.MODERATE, Severity.SEVERE]
    found = grade(Finding.REGIONAL_WALL_MOTION_ABNORMALITY, {Measure.HYPOKINETIC_WALL: 30.0},
                  Sex.FEMALE)
    assert found is not None
    assert found.explain() == "measured hypokinetic LV wall 30 %, above 25 (moderate)"
    assert grade(Finding.REGIONAL_WALL_MOTION_ABNORMALITY, {Measure.LVEF: 30.0}, None) is None


def test_a_value_no_heart_has_is_told_from_an_abnormal_one() -> None:
    from cmr_search.normals import impossible

    assert impossible(Measure.RVEF, -8.4) and impossible(Measure.LVEF, 100.5)
    assert impossible(Measure.LV_MASS, -1.0) and impossible(Measure.LVEDV, float("nan"))
    assert not impossible(Measure.LVEF, 3.0)  # dreadful, yet a heart's
    assert not impossible(Measure.SCAR, 0.0) and not impossible(Measure.LVEDV, 600.0)
