"""Filters: validated at construction, one-line errors, the CLI spelling."""

from __future__ import annotations

from datetime import date

import pytest

from search import QueryError, SearchFilters, parse_filters
from vectorstore import DateRange, Filter, Match, MatchAny, Range


def test_cli_spelling_builds_the_same_filters() -> None:
    filters = parse_filters(["age=40..60", "date=2020-01-01..", "view=lge_sax,4ch_cine",
                             "finding=lge", "sex=F", "image_finding=lv_dilation",
                             "image_score_min=0.7", "report=present"])
    assert filters == SearchFilters(age_min=40, age_max=60, study_date_from=date(2020, 1, 1),
                                    views=["lge_sax", "4ch_cine"], report_findings=["lge"],
                                    sex=["F"], image_findings=["lv_dilation"],
                                    image_score_min=0.7, report="present")
    must = filters.to_store().must
    assert Range("age", 40, 60) in must and MatchAny("sex", ("F",)) in must
    assert DateRange("study_date", "2020-01-01T00:00:00Z", None) in must
    assert Match("views", "lge_sax") in must and Match("report_status", "present") in must
    # the model's probability where the model decided; the measurements' grade where they did
    assert any(isinstance(c, Filter) and any(
        Range("image_scores.lv_dilation", gte=0.7) in branch.must
        for inner in c.must_not if isinstance(inner, Filter)
        for branch in inner.must_not if isinstance(branch, Filter)) for c in must)
    default = parse_filters(["image_finding=lv_dilation"]).to_store().must
    assert Match("image_findings", "lv_dilation") in default


@pytest.mark.parametrize(("items", "message"), [
    (["colour=red"], "unknown filter 'colour'"),
    (["age"], "expected KEY=VALUE"),
    (["age=60..40"], "age_min (60) is after age_max (40)"),
    (["date=2020-13-45.."], "study_date_from"),
    (["view=5ch_cine"], "unknown 5ch_cine"),
    (["finding=broken_heart"], "unknown broken_heart"),
    (["image_score_min=2"], "image_score_min"),
    # alone it constrained nothing: every study came back, as if it had been applied
    (["image_score_min=0.99"], "image_score_min needs image_findings (image_finding=..."),
    # a single value was "exactly 35 %" and found nothing (an audit)
    (["lvef=35"], "a measurement takes a range: ..35 (up to), 35.. (from) or LOW..HIGH"),
    # Python reads these as 35 (an audit): a typo and other scripts' digits are refused
    (["lvef=..3_5"], "lvef: '3_5' is not a number"),
    (["lvef=..\u0663\u0665"], "lvef: '\u0663\u0665' is not a number"),
    (["age=\uff14\uff10"], "age: '\uff14\uff10' is not a whole number"),
])
def test_bad_filters_are_one_line_errors(items: list[str], message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        parse_filters(items)
    assert "\n" not in str(err.value)


def test_no_filters_is_an_empty_store_filter() -> None:
    assert not SearchFilters().to_store()


def test_a_percentage_filter_stops_at_100() -> None:
    """lvef_max=500 was taken (every measurement stopped at 2000)."""
    with pytest.raises(QueryError, match=r"lvef_max: a percentage, 0 to 100 \(not 500\)"):
        parse_filters(["lvef=..500"])


def test_image_score_min_qualifies_image_findings_only() -> None:
    with pytest.raises(ValueError, match="image_score_min needs image_findings"):
        SearchFilters(image_score_min=0.5, report_findings=["lge"])
    assert SearchFilters(image_score_min=0.5, image_findings=["lge"]).image_score_min == 0.5


@pytest.mark.parametrize(("item", "message"), [
    ("lvef=abc", "filter lvef: 'abc' is not a number; write ..35 (up to), 50.. (from) or "
                 "40..60"),
    ("lvef=abc..60", "filter lvef: 'abc' is not a number; write ..35"),
    ("lv_mass=100..x", "filter lv_mass: 'x' is not a number; write"),
    ("age=old", "filter age: 'old' is not a whole number; write ..40 (up to), 60.. (from)"),
])
def test_a_range_end_that_is_no_number_says_how_to_write_one(item: str, message: str) -> None:
    """"lvef=abc" was told "a measurement takes a range: ..abc (up to), abc.. (from) or
    LOW..HIGH", as if abc were a value to put in one."""
    with pytest.raises(QueryError) as err:
        parse_filters([item])
    assert str(err.value).startswith(message) and "abc.." not in str(err.value)
    with pytest.raises(QueryError, match="a measurement takes a range"):  # a number: a range
        parse_filters(["lvef=35"])


def test_a_refused_filter_names_its_fields_for_the_pages() -> None:
    """The page words a refusal with its own labels: it needs the fields, not the text."""
    from search import FilterError, build_filters

    for fields, about in (({"lvef_min": "90", "lvef_max": "10"}, ("lvef_min", "lvef_max")),
                          ({"lvef_max": "500"}, ("lvef_max",)),
                          ({"lv_mass_max": "3000"}, ("lv_mass_max",)),
                          ({"age_min": "x"}, ("age_min",)),
                          ({"views": ["5ch"]}, ("views",))):
        with pytest.raises(FilterError) as err:
            build_filters(fields)
        assert err.value.fields == about, fields
    with pytest.raises(FilterError, match=r"lvef_min \(90.0\) is after lvef_max \(10.0\)"):
        build_filters({"lvef_min": "90", "lvef_max": "10"})  # the API's words stay
