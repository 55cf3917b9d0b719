"""The side a clause that only says how a function is speaks of (`reader.sides`): every side
its written clause named for good news, as "LV and RV dilated, preserved function" is both's;
the nearest statement's open side for bad news."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding
from reader.labeler import Mention, label_findings

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


def test_a_side_said_wholly_normal_takes_no_impairment_even_alone() -> None:
    # "Normal RV" says its function too: the RV's dysfunction was read against it
    assert _mentions("Normal RV, impaired function.")[_RVSD] is _N
    # only its size said normal, the function after it is the RV's
    assert _mentions("Normal RV size, impaired function.")[_RVSD] is _P


@pytest.mark.parametrize("report", ["RV thick and dilated LV.",
                                    "RV free wall thick and dilated LV.",
                                    "The RV is thick and dilated LV."])
def test_a_thickness_said_after_the_rv_is_the_rvs(report: str) -> None:
    # read whole, "thick and dilated LV" made it LV hypertrophy, and the dilation the RV's
    labels = label_findings(report)
    assert labels[Finding.LV_HYPERTROPHY].mention is _NM
    assert (labels[_LVD].mention, labels[_RVD].mention) == (_P, _NM)
