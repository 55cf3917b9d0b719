"""Numbers in a query: which measurement, which side, strict or not, and the unit checked."""

from __future__ import annotations

import re

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
    ("LVEF above 50 but below 60", {"lvef_min": 50.05, "lvef_max": 59.95}),
    ("EF > 20, < 35 %", {"lvef_min": 20.05, "lvef_max": 34.95}),
    ("LVEDV > 200 ml", {"lv_edv_min": 200.05}),
    ("RV end diastolic volume over 250", {"rv_edv_min": 250.05}),
    ("LV mass index at least 85 g/m2", {"lv_mass_index_min": 85.0}),
    # a per-m2 unit names the indexed measurement; it was read as 80 g of LV mass
    ("indexed LV mass > 80 g/m2", {"lv_mass_index_min": 80.05}),
    ("LV mass over 80 g/m²", {"lv_mass_index_min": 80.05}),
    ("LVEDV above 100 ml/m2", {"lv_edv_index_min": 100.05}),
    ("wall thickness over 1.5 cm", {"max_wall_thickness_min": 15.05}),
    ("lvef under 0.35", {"lvef_max": 34.95}),
    ("LGE over 10 %", {"scar_min": 10.05}),
    ("LVEF above 30 and over 40", {"lvef_min": 40.05}),  # the tighter, as two phrases are
    # an age after the bound is not its second side (it was read as LVEF > 6)
    ("EF below 35 and over 60 years old", {"lvef_max": 34.95}),
    ("EF 0.3-0.4", {"lvef_min": 30.0, "lvef_max": 40.0}),
    ("EF between 0.3 and 40", {"lvef_min": 0.3, "lvef_max": 40.0}),  # a fraction only alone
])
def test_a_number_phrase_becomes_a_range(query: str, fields: dict[str, float]) -> None:
    bounds, _ = read_numbers(query)
    assert bound_fields(bounds) == fields


@pytest.mark.parametrize("query", ["LGE over 3 segments", "LGE 1-2 segments", "LGE 2019-2021",
                                   "late gadolinium enhancement in 2 of 17 segments"])
def test_lge_is_its_burden_only_with_a_percentage(query: str) -> None:
    assert read_numbers(query) == ((), query)


def test_a_long_run_of_spaces_is_read_in_linear_time() -> None:
    import time

    start = time.perf_counter()
    read_numbers("ef>1" + " " * 20000 + "x")
    assert time.perf_counter() - start < 1.0  # quadratic, it took 138 s


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


def test_a_converted_number_says_so() -> None:
    (bound,), _ = read_numbers("wall thickness over 1.5 cm")
    assert bound.read_as().startswith("max wall thickness > 15 mm (from 'wall thickness over "
                                      "1.5 cm', 1.5 cm read as 15 mm;")
    (bound,), _ = read_numbers("EF under 0.35")
    assert "0.35 read as 35 %" in bound.read_as()


@pytest.mark.parametrize(("query", "message"), [
    ("LV mass over 150 ml", "LV mass is measured in g, not ml"),
    # a unit it did not know was left over and the number read in g
    ("LV mass over 150 kg", "'LV mass over 150 kg': LV mass is measured in g, not kg"),
    ("LVEDVi over 100 ml", "LVEDVi is measured in ml/m², not ml"),
    ("LVEF > 150", "'LVEF > 150': LVEF is a percentage, 0 to 100"),
    ("EF < -5", "'EF < -5': LVEF cannot be negative"),
    ("LVEF above 60 but below 50", "no LVEF is > 60 and < 50 %"),
    ("EF over 60 and EF below 50", "no LVEF is > 60 and < 50 %"),
])
def test_a_number_no_heart_has_or_a_wrong_unit_is_a_one_line_error(query: str,
                                                                   message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        read_numbers(query)
