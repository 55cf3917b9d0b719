"""Numbers in a query: which measurement, which side, strict or not, and the unit checked."""

from __future__ import annotations

import pytest

from search import QueryError
from search.numbers import bound_fields, read_numbers


@pytest.mark.parametrize(("query", "fields"), [
    ("LVEF below 35 %", {"lvef_max": 34.95}),
    ("EF < 40", {"lvef_max": 39.95}),
    ("ejection fraction of at most 40%", {"lvef_max": 40.0}),
    ("LV mass over 150 g", {"lv_mass_min": 150.05}),
    ("max wall thickness >= 15 mm", {"max_wall_thickness_min": 15.0}),
    ("RVEF between 20 and 40", {"rvef_min": 20.0, "rvef_max": 40.0}),
    ("LVEDVi 100-150 ml/m2", {"lv_edv_index_min": 100.0, "lv_edv_index_max": 150.0}),
    ("EF over 20 and EF below 35", {"lvef_min": 20.05, "lvef_max": 34.95}),
])
def test_a_number_phrase_becomes_a_range(query: str, fields: dict[str, float]) -> None:
    bounds, _ = read_numbers(query)
    assert bound_fields(bounds) == fields


def test_the_rest_of_the_query_is_kept_for_the_words() -> None:
    bounds, rest = read_numbers("DCM with LVEF under 30 %, no LGE")
    assert [b.name for b in bounds] == ["lvef"]
    assert rest == "DCM with , no LGE"


def test_it_says_how_it_read_the_numbers() -> None:
    (bound,), _ = read_numbers("LVEF below 35 %")
    assert bound.read_as().startswith("LVEF < 35 % (from 'LVEF below 35 %'")
    (bound,), _ = read_numbers("EF over 20 and EF below 35")
    assert bound.read_as().startswith("LVEF > 20 and < 35 %")


def test_a_number_without_a_comparison_is_left_to_the_words() -> None:
    assert read_numbers("heart with ef 40") == ((), "heart with ef 40")


def test_a_wrong_unit_is_a_one_line_error() -> None:
    with pytest.raises(QueryError, match="LV mass is measured in g, not ml"):
        read_numbers("LV mass over 150 ml")
