"""The filters in the pages' words: applied filters, refusals with the form's labels."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.datastructures import QueryParams

from search import FilterError, SearchFilters, build_filters
from web.filter_words import (
    applied,
    as_typed,
    field_words,
    filter_message,
    filter_pairs,
    typed_filters,
)
from web.render import label


def test_the_applied_filters_read_as_the_form_labels_them() -> None:
    filters = SearchFilters(lvef_min=50.0, rvef_min=40.0, rvef_max=60.0, age_max=60,
                            sex=["M"], image_findings=["lv_dilation"], report="missing",
                            study_date_from=date(2020, 1, 1), scar_max=5.0)
    said = applied(filters, label)
    for words in ("LVEF from 50 %", "RVEF 40–60 %", "Age up to 60 years", "Sex: Male",
                  "Findings in the images: LV dilation", "Report: without a report",
                  "Study date from 2020-01-01", "Scar burden up to 5 %"):
        assert words in said, (words, said)
    assert applied(SearchFilters(), label) == []


@pytest.mark.parametrize(("query", "message"), [
    ("lvef_min=90&lvef_max=10", "LVEF from 90 % is above LVEF to 10 %"),
    ("age_min=90&age_max=10", "Age from 90 years is above Age to 10 years"),
    ("study_date_from=2024-01-01&study_date_to=2020-01-01",
     "Study date from 2024-01-01 is after Study date to 2020-01-01"),
    ("lv_edv_min=300.50&lv_edv_max=100", "LVEDV from 300.50 ml is above LVEDV to 100 ml"),
    ("lvef_max=500", "LVEF to: a percentage, 0 to 100 (not 500)"),
    ("lv_mass_max=3000", "LV mass to: Input should be less than or equal to 2000"),
])
def test_a_refused_filter_is_said_with_the_forms_labels_and_values(query: str,
                                                                   message: str) -> None:
    """"Cannot search: filter lvef_min (90.0) is after lvef_max (10.0)": parameter names no
    page shows, and 90.0 for the 90 typed."""
    params = QueryParams(query)
    with pytest.raises(FilterError) as err:
        build_filters(dict(params.items()))
    assert filter_message(err.value, typed_filters(params)) == message


def test_the_form_as_typed_keeps_every_kind_of_field() -> None:
    typed = typed_filters(QueryParams("lvef_min=90&lvef_max=10&sex=F,M&views=sax_cine&"
                                      "report=present&age_min=&q=heart"))
    assert (typed.lvef_min, typed.lvef_max, typed.sex, typed.views, typed.report) == (
        "90", "10", ["F", "M"], ["sax_cine"], "present")
    assert typed.age_min is None
    assert filter_pairs(QueryParams("q=x&lvef_min=50&view=4ch&sex=F&age_max=")) == [
        ("lvef_min", "50"), ("sex", "F")]
    assert field_words("rv_edv_index_max") == "RVEDV index to"
    assert [as_typed(v) for v in (None, 50.0, 12.5, "90", 40)] == ["", "50", "12.5", "90", "40"]
