"""A review's leftovers in the query reader: another structure's denied thickening denies no LV
hypertrophy, and "preserved function" after both ventricles is both's."""

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


def test_preserved_function_after_one_ventricle_is_still_its_own() -> None:
    assert set(understand("RV dilated, preserved function").ruled_out) == {_RVSD}


def test_a_judged_ejection_fractions_bracketed_bound_stays_a_note_in_a_query() -> None:
    # a query keeps its words and notes the number (`tests/search/test_unread.py`): a grade
    # read from it (as a report's is) would leave other grades out
    intent = understand("LVEF reduced (< 35 %)")
    assert intent.wanted == {_LVSD: None} and intent.bounds == () and len(intent.unread) == 1
