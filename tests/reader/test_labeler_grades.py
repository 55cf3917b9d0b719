"""A finding's grade from the number said of its measure (`reader.grades`): the number of its
sentence's other clause, and the value by CMR where several modalities give one."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding, Severity
from reader.labeler import Mention, label_findings

_LVSD, _RVSD = Finding.LV_SYSTOLIC_DYSFUNCTION, Finding.RV_SYSTOLIC_DYSFUNCTION


def _graded(report: str, finding: Finding) -> tuple[Mention, Severity | None]:
    label = label_findings(report)[finding]
    return label.mention, label.severity


@pytest.mark.parametrize(("report", "severity"), [
    # the echo's 28 % graded it severe
    ("Reduced LVEF of 28 % on echo, 35 % on CMR.", Severity.MODERATE),
    ("Reduced LVEF of 28 % on echo and 35 % on cardiac MRI.", Severity.MODERATE),
    ("Reduced LVEF: echo 28 %, CMR 35 %.", Severity.MODERATE),
    ("LVEF reduced on echo (28 %) and CMR (35 %).", Severity.MODERATE),
    ("Reduced LVEF of 35 % on CMR, 28 % on echo.", Severity.MODERATE),
    ("Reduced LVEF of 28 % by TTE, 45 % by MRI.", Severity.MILD),
    # one modality, or none named: the value said
    ("Reduced LVEF of 28 % on CMR.", Severity.SEVERE),
    ("Reduced LVEF of 28 %.", Severity.SEVERE),
])
def test_the_value_by_cmr_grades_where_several_modalities_give_one(
        report: str, severity: Severity) -> None:
    assert _graded(report, _LVSD) == (Mention.POSITIVE, severity)


@pytest.mark.parametrize("report", [
    # an earlier study's CMR: the value said first (the old CMR's 30 % graded it moderate)
    "Reduced LVEF: echo 45 %, prior CMR 30 %.",
    "Reduced LVEF 45 % (echo), previous CMR 30 %.",
    "Reduced LVEF 45 % on echo, 30 % on CMR in 2015.",
    "Reduced LVEF 45 % on echo and 30 % on CMR (2015).",
    "Reduced LVEF 45 % on echo, 30 % on CMR 2 years ago.",
    # a number after "CMR" that is no ejection fraction (each graded it severe)
    "Reduced LVEF of 45 % on echo, CMR 3 months ago.",
    "Reduced LVEF 45 % on echo, CMR (1.5 T) confirms.",
    "Reduced LVEF 45 % on echo, compared with 2015 CMR.",
])
def test_an_earlier_cmr_or_a_number_that_is_no_ejection_fraction_grades_nothing(
        report: str) -> None:
    assert _graded(report, _LVSD) == (Mention.POSITIVE, Severity.MILD)


def test_another_ejection_fractions_value_by_cmr_is_not_this_ones() -> None:
    report = "Reduced LVEF of 28 % on echo, RVEF 45 % on CMR."
    assert _graded(report, _LVSD) == (Mention.POSITIVE, Severity.SEVERE)


@pytest.mark.parametrize(("report", "finding", "severity"), [
    ("LV impaired, EF 30 %.", _LVSD, Severity.MODERATE),
    # an EF no side names is the LVEF, also after the RV: it grades the LV
    ("LV impaired, RV impaired, EF 30 %.", _LVSD, Severity.MODERATE),
    ("RV impaired, RVEF 30 %.", _RVSD, Severity.MODERATE),
])
def test_an_ejection_fraction_in_the_sentence_grades_the_side_it_was_said_of(
        report: str, finding: Finding, severity: Severity) -> None:
    assert _graded(report, finding) == (Mention.POSITIVE, severity)


@pytest.mark.parametrize(("report", "finding"), [
    # another ventricle's number is not its
    ("RV impaired, LVEF 30 %.", _RVSD),
    ("LV impaired, RVEF 30 %.", _LVSD),
    ("LVEF reduced, RVEF 25 %.", _LVSD),
    # nor an earlier study's
    ("RV impaired, EF previously 30 %.", _RVSD),
    # an EF no side names is the LVEF (the RV was graded by it, and both by one number)
    ("LV impaired, RV impaired, EF 30 %.", _RVSD),
    ("RV impaired, EF 30 %.", _RVSD),
    ("RV dilated and impaired, EF 28 %.", _RVSD),
])
def test_another_measures_number_grades_nothing(report: str, finding: Finding) -> None:
    assert _graded(report, finding) == (Mention.POSITIVE, None)


@pytest.mark.parametrize(("report", "finding", "severity"), [
    # the EF beside the impairment took its side away (the RV's dysfunction was lost)
    ("LV and RV dilated, impaired function (EF 30 %).", _LVSD, Severity.MODERATE),
    ("Dilated RV with severely impaired function (EF 25 %). Normal LV size and function.",
     _RVSD, Severity.SEVERE),
    # a side said normal keeps the impairment after it (read as no dysfunction)
    ("Normal LV, mildly impaired systolic function.", _LVSD, Severity.MILD),
    ("LV normal, impaired function (EF 40 %).", _LVSD, Severity.MODERATE),
    # two open statements share it (only the nearer's was read)
    ("LV dilated and RV mildly dilated, moderately impaired function.", _LVSD,
     Severity.MODERATE),
    ("LV dilated and RV mildly dilated, moderately impaired function.", _RVSD,
     Severity.MODERATE),
    # an elliptical second side shares the first's statement (it was lost)
    ("LV impaired and RV mildly.", _RVSD, Severity.MILD),
    ("LV reduced and RV impaired, EF 30 %.", _LVSD, Severity.MODERATE),
    # under a side's heading the EF is that side's (it graded nothing)
    ("RV: dilated, impaired, EF 30 %.", _RVSD, Severity.MODERATE),
    ("LV: normal size, EF 60 %. RV: dilated, impaired function, EF 30 %.", _RVSD,
     Severity.MODERATE),
])
def test_an_impairment_keeps_its_sides_and_grade(report: str, finding: Finding,
                                                 severity: Severity) -> None:
    assert _graded(report, finding) == (Mention.POSITIVE, severity)


def test_an_ejection_fraction_no_heading_or_side_names_grades_no_rv() -> None:
    # an EF no side names is the LVEF (`reader.sides`): the RV's dysfunction stays ungraded
    report = "Severely dilated RV with impaired function, EF 25 %."
    assert _graded(report, _RVSD) == (Mention.POSITIVE, None)
