"""A bracketed comparison after a measurement's judgement is its range
(`search.bracketed`)."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding, Severity
from search.bracketed import read_ranges
from search.understand import understand

_LVSD = Finding.LV_SYSTOLIC_DYSFUNCTION


@pytest.mark.parametrize(("query", "name", "low", "high"), [
    # a note, and no study left out
    ("LVEF reduced (< 35 %)", "lvef", None, 34.95),
    ("LVEF reduced (<35%)", "lvef", None, 34.95),
    ("EF reduced (below 40 %)", "lvef", None, 39.95),
    ("LVEF mildly reduced (\u2264 45 %)", "lvef", None, 45.0),
    ("RVEF is reduced (<= 45)", "rvef", None, 45.0),
    ("LV mass increased (> 150 g)", "lv_mass", 150.05, None),
])
def test_a_bracketed_comparison_after_the_words_is_the_range(
        query: str, name: str, low: float | None, high: float | None) -> None:
    (bound,) = read_ranges(query).bounds
    assert (bound.name, bound.low, bound.high) == (name, low, high)
    assert bound.phrase == query  # as typed


def test_the_words_still_judge_and_no_note_is_left() -> None:
    intent = understand("LVEF mildly reduced (< 35 %)")
    assert intent.wanted == {_LVSD: Severity.MILD}
    assert [(b.name, b.high) for b in intent.bounds] == [("lvef", 34.95)]
    assert intent.unread == ()
    assert "LVEF reduced (< 35 %)" in understand("LVEF reduced (< 35 %)").bounds[0].read_as()


def test_it_narrows_another_range_of_the_measurement() -> None:
    (bound,) = read_ranges("LVEF reduced (< 35 %) and LVEF above 20").bounds
    assert (bound.low, bound.high) == (20.05, 34.95)
    assert bound.phrase == "LVEF reduced (< 35 %); LVEF above 20"


@pytest.mark.parametrize("query", [
    "LVEF reduced (35 %)",  # a value, no comparison: a note (`search.unread`)
    "LVEF previously (< 35 %)",  # an earlier study's
    "LVEF reduced",
])
def test_no_comparison_after_the_words_is_no_range(query: str) -> None:
    assert read_ranges(query).bounds == ()


@pytest.mark.parametrize(("query", "modality"), [
    ("LVEF reduced (< 35 % on echo)", "echo"),
    ("LVEF reduced (< 35 % by MUGA)", "MUGA"),
    ("LVEF impaired (below 40 % on angiography)", "angiography"),
    ("LVEF reduced (< 35 %, nuclear)", "nuclear"),
])
def test_a_bracket_by_another_modality_is_the_finding_not_a_range(query: str,
                                                                 modality: str) -> None:
    # it was a hard filter on this CMR's LVEF
    intent = understand(query)
    assert intent.bounds == () and intent.either_bounds == ()
    assert list(intent.wanted) == [_LVSD]
    (note,) = intent.unread
    assert note.startswith(f"'{query}': a value by {modality} ") and "finding" in note


@pytest.mark.parametrize("query", ["LVEF and RVEF reduced (< 35 %)", "LVEF and RVEF < 35 %",
                                   "LVEF & RVEF impaired (below 35 %)"])
def test_a_bound_after_two_measurements_named_together_is_each_ones(query: str) -> None:
    # only the RVEF, the nearer, was bounded
    bounds = read_ranges(query).bounds
    assert [(b.name, b.high) for b in bounds] == [("lvef", 34.95), ("rvef", 34.95)]
    assert {b.phrase for b in bounds} == {query}


@pytest.mark.parametrize("query", ["LGE and LVEF < 35 %", "LV mass and LVEF < 35 %"])
def test_a_bound_is_not_shared_across_units(query: str) -> None:
    assert [b.name for b in read_ranges(query).bounds] == ["lvef"]
