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


@pytest.mark.parametrize("query", ["normal LVEF and RVEF < 35 %",
                                   "preserved LVEF and RVEF < 35 %"])
def test_a_judgement_before_the_first_name_is_its_own(query: str) -> None:
    # the bound was shared: a hard LVEF < 35 %, the opposite of what was asked
    intent = understand(query)
    assert [(b.name, b.high) for b in intent.bounds] == [("rvef", 34.95)]
    assert _LVSD in intent.ruled_out


@pytest.mark.parametrize(("query", "bounds", "either"), [
    # only the first comparison was shared: a hard LVEF < 35 % beside the RVEF's chain
    ("LVEF and RVEF < 35 % or > 70 %", [], [[("rvef", None, 34.95), ("rvef", 70.05, None)]]),
    ("LVEF and RVEF below 35 or above 70", [],
     [[("rvef", None, 34.95), ("rvef", 70.05, None)]]),
    ("LVEF and RVEF < 35 % and > 20 %", [("rvef", 20.05, 34.95)], []),
    ("LVEF and RVEF > 20 and < 35 %", [("rvef", 20.05, 34.95)], []),
    # both got < 35 %, the 40 % silently ignored
    ("LVEF and RVEF reduced (< 35 % and < 40 %)", [("rvef", None, 34.95)], []),
])
def test_a_chain_of_comparisons_is_not_shared(
        query: str, bounds: list[tuple[str, float | None, float | None]],
        either: list[list[tuple[str, float | None, float | None]]]) -> None:
    numbers = read_ranges(query)
    assert [(b.name, b.low, b.high) for b in numbers.bounds] == bounds
    assert [[(b.name, b.low, b.high) for b in g] for g in numbers.either] == either


def test_a_later_comparison_of_one_narrows_the_shared_bound() -> None:
    bounds = read_ranges("LVEF and RVEF < 35 %, LVEF > 20 %").bounds
    assert [(b.name, b.low, b.high) for b in bounds] == [("lvef", 20.05, 34.95),
                                                         ("rvef", None, 34.95)]


@pytest.mark.parametrize("query", [
    # a word of the bracket named a modality, but not the value's: the range was dropped
    "LVEF reduced (< 35 % after angioplasty)",
    "LVEF reduced (< 35 % before catheter ablation)",
    "LVEF reduced (< 35 %, post-angiography)",
    "LVEF reduced (< 35 % despite cath lab revascularisation)",
    "LVEF reduced (< 35 %, no echo available)",
    # the CMR's value is this study's
    "LVEF reduced (< 35 % on CMR, 30 % on echo)",
])
def test_a_modality_not_of_the_value_leaves_the_range(query: str) -> None:
    intent = understand(query)
    assert [(b.name, b.high) for b in intent.bounds] == [("lvef", 34.95)]
    assert not any("no measurement of this CMR" in note for note in intent.unread)


def test_the_cmr_value_beside_another_modalitys_is_the_range() -> None:
    # the echo's < 35 % was read as this CMR's (before a note dropped both)
    (bound,) = understand("LVEF reduced (< 35 % on echo, < 40 % on CMR)").bounds
    assert (bound.name, bound.high) == ("lvef", 39.95)


@pytest.mark.parametrize("query", ["LVEF reduced (< 35 % per TTE)",
                                   "LVEF reduced (< 35 % echo)",
                                   "LVEF reduced (< 35 % at catheterisation)",
                                   "LVEF reduced (< 35 % previously on echo)",
                                   "RVEF reduced (< 40 % on MUGA)"])
def test_a_modality_right_after_the_value_is_the_values(query: str) -> None:
    intent = understand(query)
    assert intent.bounds == ()
    assert any("no measurement of this CMR" in note for note in intent.unread)
