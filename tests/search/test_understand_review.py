"""A review's leftovers in the query reader: another structure's denied thickening denies no LV
hypertrophy, "preserved function" after both ventricles is both's, and a judged ejection
fraction's bracketed bound is its range."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding
from search.understand import understand

_LVH, _LVSD, _RVSD = (Finding.LV_HYPERTROPHY, Finding.LV_SYSTOLIC_DYSFUNCTION,
                      Finding.RV_SYSTOLIC_DYSFUNCTION)
_LVD, _RVD = Finding.LV_DILATION, Finding.RV_DILATION


@pytest.mark.parametrize(("query", "wanted", "ruled_out"), [
    # the aortic wall's denied thickening cancelled the LVH asked for (neither was read)
    ("LVH, aortic wall not thickened", {_LVH}, set()),
    ("LVH and aortic wall not thickened", {_LVH}, set()),
    ("LVH, RV free wall not thickened", {_LVH}, set()),
    ("LVH, no aortic wall thickening", {_LVH}, set()),
    # the RV's hypertrophy is no LV's, asked for or ruled out
    ("LVH; no RV hypertrophy", {_LVH}, set()),
    ("no LVH but RV hypertrophy", set(), {_LVH}),
    # the LV's own denied thickening still rules LVH out
    ("dilated LV, septum not thickened", {_LVD}, {_LVH}),
    ("LV wall not thickened", set(), {_LVH}),
])
def test_another_structures_denied_thickening_is_no_denied_lvh(
        query: str, wanted: set[Finding], ruled_out: set[Finding]) -> None:
    intent = understand(query)
    assert (set(intent.wanted), set(intent.ruled_out)) == (wanted, ruled_out)
    assert not intent.unread


@pytest.mark.parametrize("query", [
    # "preserved function" after both ventricles is both's (only the RV's was ruled out)
    "LV and RV dilated, preserved function",
    "dilated LV and RV, preserved function",
    "LV and RV dilated with preserved function",
])
def test_preserved_function_after_both_ventricles_is_both(query: str) -> None:
    intent = understand(query)
    assert set(intent.wanted) == {_LVD, _RVD}
    assert set(intent.ruled_out) == {_LVSD, _RVSD}


@pytest.mark.parametrize(("query", "wanted"), [
    # only the RV's dysfunction was ruled out ("RV normal" was the last side named)
    ("LV dilated and RV normal, preserved function", {_LVD}),
    ("dilated LV and normal RV, preserved function", {_LVD}),
    # "both ventricles" named neither: only the LV's was ruled out
    ("both ventricles dilated, preserved function", {_LVD, _RVD}),
])
def test_preserved_function_after_two_ventricles_named_apart_is_both(
        query: str, wanted: set[Finding]) -> None:
    intent = understand(query)
    assert set(intent.wanted) == wanted
    assert {_LVSD, _RVSD} <= set(intent.ruled_out) and not intent.unread


def test_an_impaired_function_is_not_a_side_said_wholly_normal() -> None:
    # it was the normal RV's: asked for and ruled out at once, a note, and the LV's not asked
    intent = understand("dilated LV and normal RV, impaired function")
    assert set(intent.wanted) == {_LVD, _LVSD} and set(intent.ruled_out) == {_RVD, _RVSD}
    assert not intent.unread


def test_preserved_function_after_one_ventricle_is_still_its_own() -> None:
    assert set(understand("RV dilated, preserved function").ruled_out) == {_RVSD}


def test_a_judged_ejection_fractions_bracketed_bound_is_its_range_in_a_query() -> None:
    # the words judge, the bracket bounds (`search.bracketed`): it was a note, and no range
    intent = understand("LVEF reduced (< 35 %)")
    assert intent.wanted == {_LVSD: None} and intent.unread == ()
    assert [(b.name, b.low, b.high) for b in intent.bounds] == [("lvef", None, 34.95)]
