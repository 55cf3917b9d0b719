"""Numbers in a query: which measurement, which side, strict or not, and the unit checked."""

from __future__ import annotations

import re

import pytest

from search import QueryError
from search.numbers import Numbers, bound_fields, either_read_as, read_numbers


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
    # the number's own side, inclusive; each was left to the words (no range at all)
    ("LVEF 35% or less", {"lvef_max": 35.0}),
    ("LVEF of 35 or below", {"lvef_max": 35.0}),
    ("EF 40 % and above", {"lvef_min": 40.0}),
    ("LV mass 150 g or greater", {"lv_mass_min": 150.0}),
    ("wall thickness 15 mm or more", {"max_wall_thickness_min": 15.0}),
    ("LVEF less than or equal to 35", {"lvef_max": 35.0}),
    ("EF greater than or equal to 50 %", {"lvef_min": 50.0}),
    ("LVEF equal to or below 35", {"lvef_max": 35.0}),
    ("LVEF at or above 55", {"lvef_min": 55.0}),
    # a hyphen for a space: "less-than" was read as "at least"
    ("EF less-than 35", {"lvef_max": 34.95}),
])
def test_a_number_phrase_becomes_a_range(query: str, fields: dict[str, float]) -> None:
    assert bound_fields(read_numbers(query).bounds) == fields


@pytest.mark.parametrize("query", ["LGE over 3 segments", "LGE 1-2 segments", "LGE 2019-2021",
                                   "late gadolinium enhancement in 2 of 17 segments"])
def test_lge_is_its_burden_only_with_a_percentage(query: str) -> None:
    assert read_numbers(query) == Numbers((), (), query)


def test_a_long_run_of_spaces_is_read_in_linear_time() -> None:
    import time

    start = time.perf_counter()
    read_numbers("ef>1" + " " * 20000 + "x")
    assert time.perf_counter() - start < 1.0  # quadratic, it took 138 s


def test_the_rest_of_the_query_is_kept_for_the_words() -> None:
    numbers = read_numbers("DCM with LVEF under 30 %, no LGE")
    assert [b.name for b in numbers.bounds] == ["lvef"]
    assert numbers.rest == "DCM with , no LGE"


def test_it_says_how_it_read_the_numbers() -> None:
    (bound,) = read_numbers("LVEF below 35 %").bounds
    assert bound.read_as().startswith("LVEF < 35 % (from 'LVEF below 35 %'")
    (bound,) = read_numbers("EF over 20 and EF below 35").bounds
    assert bound.read_as().startswith("LVEF > 20 and < 35 %")


@pytest.mark.parametrize("query", ["HCM at 3T", "LV mass normal at 1.5 T", "cardiac mass of 3 cm",
                                   "LGE 3 segments", "scar in 2 segments", "HCM 2019-2021",
                                   "EF preserved in a 45 year old", "mass in the LV"])
def test_numbers_that_are_not_measurements_stay_words(query: str) -> None:
    assert read_numbers(query) == Numbers((), (), query)


@pytest.mark.parametrize(("query", "shown"), [
    ("LVEF: <30%", "LVEF < 30 %"), ("LVEF (<30%)", "LVEF < 30 %"),
    ("reduced EF (<30%)", "LVEF < 30 %"),
    ("LVEF 30\u201340%", "LVEF \u2265 30 and \u2264 40 %"),  # an en dash
    ("LVEF 30\u201440%", "LVEF \u2265 30 and \u2264 40 %"),  # an em dash
    ("LVEF: 30-40%", "LVEF \u2265 30 and \u2264 40 %"),
    ("LVEF from 30 to 50", "LVEF \u2265 30 and \u2264 50 %"),
    ("LVEF =< 30", "LVEF \u2264 30 %"), ("LVEF \u2a7d 30", "LVEF \u2264 30 %"),
    ("LVEF \uff1c 30", "LVEF < 30 %"), ("LVEF not more than 30", "LVEF \u2264 30 %"),
    ("LVEF not less than 50", "LVEF \u2265 50 %"), ("LVEF < .3", "LVEF < 30 %"),
    ("LVEF < 30,5 %", "LVEF < 30.5 %"),  # a decimal comma
])
def test_the_ways_clinicians_write_a_range(query: str, shown: str) -> None:
    (bound,) = read_numbers(query).bounds
    assert bound.shown() == shown


def test_a_converted_number_says_so() -> None:
    (bound,) = read_numbers("wall thickness over 1.5 cm").bounds
    assert bound.read_as().startswith("max wall thickness > 15 mm (from 'wall thickness over "
                                      "1.5 cm', 1.5 cm read as 15 mm;")
    (bound,) = read_numbers("EF under 0.35").bounds
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


@pytest.mark.parametrize(("query", "groups"), [
    ("LVEF below 35 or above 70", [[{"lvef_max": 34.95}, {"lvef_min": 70.05}]]),
    # it was refused: "no LVEF is > 70 and < 35 %"
    ("LVEF < 35% or LVEF > 70%", [[{"lvef_max": 34.95}, {"lvef_min": 70.05}]]),
    ("EF < 35 %, or > 70 %", [[{"lvef_max": 34.95}, {"lvef_min": 70.05}]]),
    ("LVEF between 30 and 40 or above 60",
     [[{"lvef_min": 30.0, "lvef_max": 40.0}, {"lvef_min": 60.05}]]),
    ("either LVEF below 30 or LV mass over 200 g",
     [[{"lvef_max": 29.95}, {"lv_mass_min": 200.05}]]),
    ("LVEF below 35 and/or RVEF below 35", [[{"lvef_max": 34.95}, {"rvef_max": 34.95}]]),
])
def test_ranges_joined_by_or_are_alternatives(query: str,
                                              groups: list[list[dict[str, float]]]) -> None:
    numbers = read_numbers(query)
    assert numbers.bounds == ()
    assert [[bound_fields((b,)) for b in g] for g in numbers.either] == groups
    assert numbers.rest == ""


def test_an_or_of_ranges_beside_a_range_that_holds() -> None:
    numbers = read_numbers("LV mass over 150 g with LVEF below 35 or above 70, no LGE")
    assert bound_fields(numbers.bounds) == {"lv_mass_min": 150.05}
    (group,) = numbers.either
    assert either_read_as(group).startswith("LVEF < 35 % or LVEF > 70 % (from 'LVEF below 35 "
                                            "or above 70'")
    assert numbers.rest == "with , no LGE"


def test_an_or_of_two_phrases_is_read_with_an_or_between_them() -> None:
    """"LVEF below 35 or RVEF below 35" was read "from 'LVEF below 35 RVEF below 35'"."""
    (group,) = read_numbers("LVEF below 35 or RVEF below 35").either
    assert either_read_as(group).startswith("LVEF < 35 % or RVEF < 35 % (from 'LVEF below 35' "
                                            "or 'RVEF below 35';")


@pytest.mark.parametrize(("query", "phrase"), [
    ("DCM or LVEF below 30", "LVEF below 30"),
    ("LVEF below 30 or DCM", "LVEF below 30"),
    ("LVEF below 30, or hypertrophy", "LVEF below 30"),
])
def test_an_or_between_a_range_and_words_is_refused(query: str, phrase: str) -> None:
    """Read as a filter, the range dropped every study of the other side ("DCM or LVEF below
    30" kept only the LVEF below 30)."""
    with pytest.raises(QueryError, match=re.escape(f"'{phrase}': an 'or' between a measurement "
                                                   "range and words is not read")):
        read_numbers(query)


@pytest.mark.parametrize(("query", "phrase"), [
    # a third comparison, a second range without the name: left to the words, the list was
    # wider than asked (LVEF 70 passed "below 35 or above 55 and below 60")
    ("EF below 35 or above 55 and below 60", "EF below 35 or above 55 and below 60"),
    ("LVEF over 20 but under 35 or over 60", "LVEF over 20 but under 35 or over 60"),
    ("LVEF between 20 and 35 or between 60 and 70", "LVEF between 20 and 35 or between 60"),
    ("LVEF 20-35 or 55 or more", "LVEF 20-35 or 55"),
])
def test_a_range_without_its_measurements_name_is_refused(query: str, phrase: str) -> None:
    with pytest.raises(QueryError, match=re.escape(f"'{phrase}': a range is read with its "
                                                   "measurement's name")):
        read_numbers(query)


def test_naming_the_measurement_on_each_side_reads_both() -> None:
    numbers = read_numbers("LVEF 20-35 or LVEF 55 or more")
    assert [[bound_fields((b,)) for b in g] for g in numbers.either] == [
        [{"lvef_min": 20.0, "lvef_max": 35.0}, {"lvef_min": 55.0}]]


def test_an_age_after_a_number_is_not_its_side() -> None:
    """"EF 50 and over 65 years old" was read as LVEF >= 50: "EF 50" is no range, and the
    age is not its side."""
    assert read_numbers("EF 50 and over 65 years old").bounds == ()
    assert read_numbers("EF below 50 and over 65 years old").bounds[0].shown() == "LVEF < 50 %"


@pytest.mark.parametrize("query", ["EF below 35, 60 or older", "aged 60 or over, EF below 35",
                                   "LVEF below 35 with 2 or more segments of LGE"])
def test_the_or_of_an_age_or_a_count_is_not_refused(query: str) -> None:
    assert bound_fields(read_numbers(query).bounds) == {"lvef_max": 34.95}


@pytest.mark.parametrize(("query", "message"), [
    ("RVEF below 0", "'RVEF below 0': no RVEF is below 0 %"),  # was "filter rvef_max: ..."
    ("LVEF > 99.99", "'LVEF > 99.99': no LVEF is above 100 %"),  # was read as LVEF >= 100.04
    ("LVEDV > 3 l", "'LVEDV > 3 l': no LVEDV is above 2000 ml"),
])
def test_a_range_past_the_ends_of_the_scale_is_refused_in_the_query_words(
        query: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        read_numbers(query)


@pytest.mark.parametrize(("query", "fields", "note"), [
    # no heart's thickest wall is 1.5 mm (normal 6-12 mm, HCM from 15 mm): it was read so
    ("max wall thickness >= 1.5", {"max_wall_thickness_min": 15.0}, "1.5 read as cm: 15 mm"),
    ("wall thickness over 1.5", {"max_wall_thickness_min": 15.05}, "1.5 read as cm: 15 mm"),
    ("wall thickness between 1.2 and 1.5",
     {"max_wall_thickness_min": 12.0, "max_wall_thickness_max": 15.0}, "1.2 read as cm: 12 mm"),
    ("wall thickness 2 or more", {"max_wall_thickness_min": 20.0}, "2 read as cm: 20 mm"),
])
def test_a_unitless_wall_thickness_no_heart_has_in_mm_is_read_in_cm_and_said(
        query: str, fields: dict[str, float], note: str) -> None:
    (bound,) = read_numbers(query).bounds
    assert bound_fields((bound,)) == fields
    assert note in bound.read_as()


@pytest.mark.parametrize(("query", "fields"), [
    ("LVEF under thirty-five", {"lvef_max": 34.95}),
    ("LVEF under thirty five %", {"lvef_max": 34.95}),
    ("EF below forty", {"lvef_max": 39.95}),
    ("RVEF at least Fifty", {"rvef_min": 50.0}),
    ("LVEF between thirty and forty", {"lvef_min": 30.0, "lvef_max": 40.0}),
    ("LVEF thirty-forty", {"lvef_min": 30.0, "lvef_max": 40.0}),
    ("LVEF thirty-five or less", {"lvef_max": 35.0}),
    ("LVEF above twenty but below thirty-five", {"lvef_min": 20.05, "lvef_max": 34.95}),
    ("LGE over ten percent", {"scar_min": 10.05}),
    ("LVEF under one hundred", {"lvef_max": 99.95}),
    ("EF above zero", {"lvef_min": 0.05}),
    ("wall thickness over fifteen mm", {"max_wall_thickness_min": 15.05}),
])
def test_a_number_in_words_is_read_as_its_digits(query: str, fields: dict[str, float]) -> None:
    numbers = read_numbers(query)
    assert bound_fields(numbers.bounds) == fields and numbers.rest == ""


def test_a_number_in_words_is_read_only_where_a_number_in_digits_is() -> None:
    """A third side in words is refused as in digits; a number in words after a range, or
    after LGE with no %, stays words ("one prior MI" is no second side)."""
    with pytest.raises(QueryError, match="a range is read with its measurement's name"):
        read_numbers("EF below thirty or above fifty-five and below sixty")
    numbers = read_numbers("LVEF below thirty-five and one prior MI")
    assert bound_fields(numbers.bounds) == {"lvef_max": 34.95}
    assert numbers.rest == "and one prior MI"
    for query in ("LGE in one segment", "LGE over three segments", "LV mass over one fifty"):
        assert read_numbers(query) == Numbers((), (), query)
