"""The side a clause that only says how a function is speaks of (`reader.sides`): every side
its written clause named for good news, as "LV and RV dilated, preserved function" is both's;
the open statements' sides for bad news (the nearest's when it went on to its size by name),
a side said normal when no other is open."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding
from reader.labeler import Mention, label_findings
from search.understand import understand

_LVSD, _RVSD = Finding.LV_SYSTOLIC_DYSFUNCTION, Finding.RV_SYSTOLIC_DYSFUNCTION
_LVD, _RVD = Finding.LV_DILATION, Finding.RV_DILATION
_P, _N, _NM = Mention.POSITIVE, Mention.NEGATIVE, Mention.NOT_MENTIONED


def _mentions(report: str) -> dict[Finding, Mention]:
    labels = label_findings(report)
    return {f: labels[f].mention for f in (_LVSD, _RVSD, _LVD, _RVD)}


@pytest.mark.parametrize("report", [
    # only the RV's dysfunction was ruled out: the "and" split the clause, and only its last
    # side went on to "preserved function"
    "LV dilated and RV normal, preserved function.",
    "Dilated LV and normal RV, with preserved function.",
    "LV dilated and RV normal in size, preserved systolic function.",
])
def test_preserved_function_after_two_ventricles_is_both(report: str) -> None:
    assert _mentions(report) == {_LVSD: _N, _RVSD: _N, _LVD: _P, _RVD: _N}


@pytest.mark.parametrize("report", [
    # as it was read before
    "LV and RV dilated, preserved function.",
    # "both ventricles" names both (the function was nobody's)
    "Both ventricles dilated, preserved function.",
])
def test_preserved_function_after_both_ventricles_is_both(report: str) -> None:
    assert _mentions(report) == {_LVSD: _N, _RVSD: _N, _LVD: _P, _RVD: _P}


def test_an_impaired_function_is_not_a_side_said_wholly_normal() -> None:
    # the impairment was the normal RV's (the last side named), the LV's none
    assert _mentions("Dilated LV and normal RV, impaired function.") == {
        _LVSD: _P, _RVSD: _N, _LVD: _P, _RVD: _N}
    mentions = _mentions("LV dilated and RV normal in size, impaired function, EF 30 %.")
    assert (mentions[_RVSD], mentions[_LVD], mentions[_RVD]) == (_P, _P, _N)


def test_one_ventricle_keeps_its_function() -> None:
    assert _mentions("RV dilated, preserved function.") == {
        _LVSD: _NM, _RVSD: _N, _LVD: _NM, _RVD: _P}
    assert _mentions("The LV is dilated, with impaired function.") == {
        _LVSD: _P, _RVSD: _NM, _LVD: _P, _RVD: _NM}


def test_a_wall_or_the_aorta_named_beside_a_ventricle_goes_on_to_no_function() -> None:
    # carried with the LV, the wall's thickness was said normal: LV hypertrophy ruled out
    labels = label_findings("Max wall thickness 18 mm and LV dilated, normal function.")
    assert labels[Finding.LV_HYPERTROPHY].mention is _NM
    assert labels[_LVSD].mention is _N
    labels = label_findings("LV dilated and aortic root normal, impaired function.")
    assert (labels[_LVSD].mention, labels[Finding.AORTIC_DILATION].mention) == (_P, _N)


@pytest.mark.parametrize("report", [
    # both ventricles' dysfunction was read: the impairment goes on describing the nearest
    # statement whose function is still open (the RV's: "normal in size"), not the LV's
    "LV dilated and RV normal in size, impaired function.",
    "LV dilated and RV normal in size, with impaired systolic function.",
])
def test_an_impairment_after_two_statements_is_the_nearest_open_ones(report: str) -> None:
    assert _mentions(report) == {_LVSD: _NM, _RVSD: _P, _LVD: _P, _RVD: _N}


def test_one_subject_of_two_sides_still_takes_the_impairment_for_both() -> None:
    assert _mentions("LV and RV dilated, impaired function.") == {
        _LVSD: _P, _RVSD: _P, _LVD: _P, _RVD: _P}


@pytest.mark.parametrize(("report", "finding"), [
    # a normal-sized ventricle whose function is impaired: read as no dysfunction, and a query
    # for it hard-excluded the very studies it asked for
    ("Normal RV, impaired function.", _RVSD),
    ("RV normal, impaired function.", _RVSD),
    ("Normal LV, impaired function.", _LVSD),
    ("The LV is normal, impaired function.", _LVSD),
    ("Normal LV, mildly impaired systolic function.", _LVSD),
    ("LV normal, impaired function (EF 40 %).", _LVSD),
    # only its size said normal, the function after it is the RV's
    ("Normal RV size, impaired function.", _RVSD),
])
def test_an_impairment_after_a_side_said_normal_is_that_sides(report: str,
                                                              finding: Finding) -> None:
    assert _mentions(report)[finding] is _P


@pytest.mark.parametrize("report", [
    # only the RV's (the nearest statement's) dysfunction was read, or only the LV's
    "LV dilated and RV dilated, impaired function.",
    "LV dilated and RV dilated, severely impaired function.",
    "LV dilated and RV dilated, with impaired systolic function.",
    "LV dilated and RV dilated with impaired function.",
    "Dilated LV and dilated RV, impaired function.",
    "LV dilated and RV mildly dilated, moderately impaired function.",
    "LV mildly dilated and RV moderately dilated, with severely impaired function.",
    "LV dilated and hypertrophied and RV dilated, impaired function.",
    "RV dilated and LV dilated, impaired function.",
    "LV dilated and RV too, impaired function.",
])
def test_an_impairment_after_two_open_statements_is_both(report: str) -> None:
    mentions = _mentions(report)
    assert (mentions[_LVSD], mentions[_RVSD]) == (_P, _P)


@pytest.mark.parametrize(("report", "impaired", "normal"), [
    # the impairment went to the side said normal (against its "normal") and not the open one
    ("LV dilated, RV normal, impaired function.", _LVSD, _RVSD),
    ("LV dilated, normal RV, impaired function.", _LVSD, _RVSD),
    ("RV dilated, LV normal, impaired function.", _RVSD, _LVSD),
    # a side whose function was said is closed: the impairment is the other's
    ("RV dilated and LV normal in size and function, impaired function.", _RVSD, _LVSD),
    ("LV dilated and RV normal in size and function, impaired function.", _LVSD, _RVSD),
])
def test_an_impairment_after_a_closed_side_goes_to_the_open_one(
        report: str, impaired: Finding, normal: Finding) -> None:
    mentions = _mentions(report)
    assert (mentions[impaired], mentions[normal]) == (_P, _N)


@pytest.mark.parametrize(("report", "expected"), [
    # an EF in the clause of an impairment took the impairment's side away with it
    ("RV dilated, impaired function (EF 30 %).", {_RVSD: _P, _RVD: _P}),
    ("Dilated RV with severely impaired function (EF 25 %). Normal LV size and function.",
     {_RVSD: _P, _RVD: _P, _LVSD: _N, _LVD: _N}),
    ("LV and RV dilated, impaired function (EF 30 %).",
     {_LVSD: _P, _RVSD: _P, _LVD: _P, _RVD: _P}),
])
def test_an_ejection_fraction_beside_an_impairment_keeps_its_side(
        report: str, expected: dict[Finding, Mention]) -> None:
    mentions = _mentions(report)
    assert {f: mentions[f] for f in expected} == expected


@pytest.mark.parametrize(("report", "finding"), [
    # the part after "and" says nothing of its own: the statement before is its too
    ("The LV is dilated and the RV mildly so.", _RVD),
    ("LV dilated and RV also.", _RVD),
    ("LV impaired and RV mildly.", _RVSD),
    ("LV reduced and RV impaired, EF 30 %.", _LVSD),
])
def test_an_elliptical_second_side_shares_the_statement(report: str, finding: Finding) -> None:
    assert _mentions(report)[finding] is _P


@pytest.mark.parametrize("report", ["RV thick and dilated LV.",
                                    "RV free wall thick and dilated LV.",
                                    "The RV is thick and dilated LV."])
def test_a_thickness_said_after_the_rv_is_the_rvs(report: str) -> None:
    # read whole, "thick and dilated LV" made it LV hypertrophy, and the dilation the RV's
    labels = label_findings(report)
    assert labels[Finding.LV_HYPERTROPHY].mention is _NM
    assert (labels[_LVD].mention, labels[_RVD].mention) == (_P, _NM)


@pytest.mark.parametrize(("query", "wanted", "not_ruled_out"), [
    # a query's clauses are carried as a report's: the LV's dysfunction was not asked for
    ("LV dilated and RV dilated, impaired function", {_LVSD, _RVSD}, set()),
    ("LV impaired and RV mildly", {_LVSD, _RVSD}, set()),
    ("LV dilated and RV also", {_LVD, _RVD}, set()),
    # the dysfunction asked for was hard-excluded
    ("Normal LV, impaired function", set(), {_LVSD}),
    ("Normal RV, impaired function", set(), {_RVSD}),
    ("Normal LV, mildly impaired systolic function", set(), {_LVSD}),
    ("LV normal, impaired function (EF 40 %)", set(), {_LVSD}),
])
def test_a_query_reads_its_sides_as_a_report_does(query: str, wanted: set[Finding],
                                                  not_ruled_out: set[Finding]) -> None:
    intent = understand(query)
    assert wanted <= set(intent.wanted)
    assert not not_ruled_out & set(intent.ruled_out)
