"""A grade asked of a finding: the studies whose clean measurements grade it otherwise, normal
included, are left out; a QC-flagged or missing measurement leaves a study in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakes.studies import engine_of, study

from cmr_search.vocab import Finding, Severity
from search import Mode, Page, SearchRequest
from search.grades import far, grades_near, left_out_words, measured_otherwise
from vectorstore import Filter, Match, MatchAny


def test_the_grades_that_answer_and_those_left_out() -> None:
    assert grades_near(Severity.SEVERE) == ("severe",)
    assert grades_near(Severity.MILD) == ("mild", "moderate")
    assert grades_near(None) == ("mild", "moderate", "severe")
    assert far(Severity.SEVERE) == ("mild", "moderate") and far(None) == ()


def test_a_measured_normal_finding_answers_no_grade() -> None:
    """Only the abnormal grades were left out: a study measured normal stored no grade, so
    nothing excluded it (ACDC: "severe LV dysfunction" kept an LVEF of 68.7 %)."""
    key = "measured_severity.lv_systolic_dysfunction"
    assert measured_otherwise(Finding.LV_SYSTOLIC_DYSFUNCTION, Severity.SEVERE) == (
        MatchAny(key, ("mild", "moderate")),
        Filter((Match("image_finding_source.lv_systolic_dysfunction", "measurements"),),
               (MatchAny(key, ("severe",)),)))
    assert measured_otherwise(Finding.LV_DILATION, None) == ()
    assert measured_otherwise(Finding.PERICARDIAL_EFFUSION, Severity.SEVERE) == ()


def test_what_is_left_out_is_said_as_it_is_done() -> None:
    assert left_out_words(Severity.MODERATE) == (
        "a study graded mild by its report, or normal or mild by its QC-clean measurements "
        "(where it has no report), is left out; a QC-flagged or missing measurement leaves a "
        "study in, ranked by the other signals")


# (finding, its measure, values at severe, moderate, mild and normal grades)
_MEASURES = {
    "lv_systolic_dysfunction": ("lvef_pct", (22.0, 35.0, 45.0, 68.0)),
    "rv_systolic_dysfunction": ("rvef_pct", (22.0, 35.0, 42.0, 60.0)),
    "lv_dilation": ("lvedvi_ml_per_m2", (160.0, 125.0, 112.0, 80.0)),
    "lv_hypertrophy": ("max_wall_thickness_mm", (22.0, 17.0, 13.0, 9.0)),
}


def _graded(finding: str) -> list[dict[str, Any]]:
    measure, values = _MEASURES[finding]
    grades = ("severe", "moderate", "mild", None)
    return [study(grade or "normal", values={measure: v},
                  severity={finding: grade} if grade else None,
                  source={finding: "measurements"}) for v, grade in zip(values, grades,
                                                                          strict=True)] + [
        study("unmeasured"),
        study("flagged", values={measure: values[3]}, flagged=(measure,),
              source={finding: "model"}),
        # a report decides where there is one: its grade, not the measurements'
        study("reported", report=f"Severe {finding.replace('_', ' ')}.",
              values={measure: values[3]}, source={finding: "measurements"})]


@pytest.mark.parametrize(("query", "finding", "kept"), [
    ("severe LV dysfunction", "lv_systolic_dysfunction", {"severe"}),
    ("moderate LV dilation", "lv_dilation", {"moderate", "severe"}),
    ("mild RV dysfunction", "rv_systolic_dysfunction", {"mild", "moderate"}),
    ("severe LVH", "lv_hypertrophy", {"severe"}),
])
def test_a_grade_asked_keeps_its_grades_and_the_undecided(query: str, finding: str,
                                                          kept: set[str], tmp_path: Path) -> None:
    engine = engine_of(_graded(finding), "memory", tmp_path)
    response = engine.search(SearchRequest(q=query, mode=Mode.BOTH, page=Page(limit=50)))
    assert {r.study_instance_uid for r in response.results} == {
        *kept, "unmeasured", "flagged", "reported"}
