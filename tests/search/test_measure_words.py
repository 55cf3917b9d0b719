"""How a query names a measurement: quoted names, and a value asked for as such."""

from __future__ import annotations

import pytest

from search.measure_words import near_step, unquoted
from search.numbers import bound_fields, read_numbers
from search.understand import interpretation, understand


@pytest.mark.parametrize("query", ['"LVEF" < 35%', "'LVEF' < 35%", "“LVEF” < 35 %",
                                   "‘LVEF’ < 35 %", "« LVEF » < 35 %"])
def test_quotes_around_a_measurement_name_are_ignored(query: str) -> None:
    """Pasted from a document, the name was left to the words: every study came back, and
    the range was read as nothing."""
    numbers = read_numbers(query)
    assert bound_fields(numbers.bounds) == {"lvef_max": 34.95}
    assert numbers.rest == "" and understand(query).unread == ()


def test_only_the_quotes_around_a_name_are_taken_out() -> None:
    assert unquoted('"LVEF" < 35') == " LVEF  < 35"
    assert unquoted('"dilated LV" and LVEF < 35') == '"dilated LV" and LVEF < 35'


@pytest.mark.parametrize(("query", "fields"), [
    ("LVEF=30%", {"lvef_min": 25.0, "lvef_max": 35.0}),
    ("LVEF = 30 %", {"lvef_min": 25.0, "lvef_max": 35.0}),
    ("LVEF ~30%", {"lvef_min": 25.0, "lvef_max": 35.0}),
    ("EF about 30", {"lvef_min": 25.0, "lvef_max": 35.0}),
    ("LVEF is equal to 30 %", {"lvef_min": 25.0, "lvef_max": 35.0}),
    ("EF = 0.3", {"lvef_min": 25.0, "lvef_max": 35.0}),  # a fraction, as elsewhere
    ("RVEF = 98 %", {"rvef_min": 93.0, "rvef_max": 100.0}),  # no EF above 100
    ("LV mass = 150 g", {"lv_mass_min": 135.0, "lv_mass_max": 165.0}),
    # a range after the sign is that range ("a range is read with its measurement's name")
    ("LVEF = 55-65 %", {"lvef_min": 55.0, "lvef_max": 65.0}),
    ("LVEF ~ 30-40%", {"lvef_min": 30.0, "lvef_max": 40.0}),
])
def test_a_value_asked_for_as_such_reads_as_one_near_it(query: str,
                                                        fields: dict[str, float]) -> None:
    """"LVEF=30%" was words: every study came back, under "nothing was recognised"."""
    numbers = read_numbers(query)
    assert bound_fields(numbers.bounds) == fields and numbers.rest == ""


def test_a_number_of_years_after_about_is_no_value() -> None:
    assert read_numbers("LVEF about 30 years").bounds == ()


def test_how_a_value_near_one_was_read_is_said() -> None:
    (said,) = interpretation(understand("LVEF = 30 %")).measurements
    assert said.startswith("LVEF ≥ 25 and ≤ 35 % (from 'LVEF = 30 %', a value near 30 %: 25 "
                           "to 35;")


def test_a_bare_value_stays_words_and_its_note_suggests_the_same_range() -> None:
    """A pasted report writes "LVEF 30 %": its words still search the reports."""
    intent = understand("LVEF 30 %")
    assert intent.bounds == () and "or 'LVEF 25-35'" in intent.unread[0]
    assert near_step("lvef", 30.0) == 5.0 and near_step("lv_mass", 150.0) == 15.0
