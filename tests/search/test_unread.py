"""What a query says that no filter reads: refused where a range was meant, else noted."""

from __future__ import annotations

import re

import pytest

from search import QueryError
from search.numbers import read_numbers
from search.unread import implausible, unread_numbers


@pytest.mark.parametrize(("query", "message"), [
    # a comparison says a range was meant: left to the words, each brought the whole archive
    # back as if no number had been typed
    ("LVEF between 20 and", "'LVEF between 20': a number after LVEF is read with a comparison "
                            "or as a range: write 'LVEF below 20', 'LVEF above 20' or "
                            "'LVEF 15-25'"),
    ("mass over 150g", "'mass over 150': name the measurement in full, as 'LV mass over 150 g'"),
    ("EDV > 200 ml", "as 'LVEDV over 200 ml' or 'RVEDV over 200 ml'"),
    ("LVESV > 100 ml", "'LVESV > 100': LVESV is not searched by number (these are: LVEF,"),
    ("stroke volume under 50", "stroke volume is not searched by number"),
])
def test_a_comparison_no_range_was_read_from_is_refused_with_the_spelling_that_works(
        query: str, message: str) -> None:
    with pytest.raises(QueryError) as error:
        unread_numbers(read_numbers(query).rest)
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(("query", "note"), [
    ("heart with ef 40", "'ef 40': searched as words; a number after LVEF is read with a "
                         "comparison or as a range: write 'LVEF below 40', 'LVEF above 40' or "
                         "'LVEF 35-45'"),
    ("LVEF: 30", "'LVEF: 30': searched as words"), ("LVEF of 25%", "'LVEF of 25': searched"),
    ("LVEF 30 %", "'LVEF 30': searched as words"), ("LVEDV 210 ml", "'LVEDV 189-231'"),
])
def test_a_bare_value_is_words_with_a_note_on_how_to_write_a_range(query: str,
                                                                    note: str) -> None:
    """A pasted report writes "LVEF 30 %": its words still search the reports."""
    numbers = read_numbers(query)
    assert numbers.bounds == () and numbers.rest == query
    unread = unread_numbers(numbers.rest)
    assert len(unread) == 1 and note in unread[0]


@pytest.mark.parametrize(("query", "note"), [
    ("LVEF low-normal (52 %)", "'LVEF low-normal (52': searched as words; a number after LVEF "
                               "is read with a comparison or as a range: write 'LVEF below 52'"),
    ("LVEF is reduced (30 %)", "'LVEF is reduced (30': searched as words"),
    # the words read what was meant: a note, not a refusal
    ("LVEF reduced (< 35 %)", "'LVEF reduced (< 35': searched as words"),
])
def test_a_value_after_a_judgement_is_noted_not_dropped(query: str, note: str) -> None:
    """The number after "LVEF low-normal" was dropped, and nothing said so."""
    (said,) = unread_numbers(read_numbers(query).rest)
    assert said.startswith(note)


def test_a_field_strength_is_no_value_of_the_measurement_before_it() -> None:
    """"LVEF at 1.5 T" was noted as "'LVEF at 1': ... write 'LVEF below 1'"."""
    for query in ("LVEF at 1.5 T", "EF normal at 1.5 T"):
        assert unread_numbers(read_numbers(query).rest) == (), query


@pytest.mark.parametrize("query", ["LVEF 30,40,50", "EF 12.03.2020"])
def test_a_run_of_numbers_is_a_note_not_a_crash(query: str) -> None:
    """float("30,40.50") raised: the search answered 500."""
    numbers = read_numbers(query)
    assert numbers.bounds == () and len(unread_numbers(numbers.rest)) == 1


def test_a_thousands_separator_is_refused_not_read_as_a_decimal() -> None:
    """"LVEDV > 1,200 ml" filtered LVEDV > 1.2 ml: nearly every study passed."""
    with pytest.raises(QueryError, match="without a thousands separator"):
        read_numbers("LVEDV > 1,200 ml")
    assert read_numbers("LVEF < 30,5 %").bounds[0].high == 30.45


@pytest.mark.parametrize("query", ["LVEF < 3e1", "LVEF under 3.5E1 %", "LV mass > 1.5e+2 g"])
def test_a_number_with_an_exponent_is_refused_not_read_as_its_mantissa(query: str) -> None:
    """"LVEF < 3e1" filtered LVEF below 3 %."""
    with pytest.raises(QueryError, match="write the number in digits, without an exponent"):
        from search.understand import understand

        understand(query)


def test_end_diastolic_volume_asks_for_its_ventricle() -> None:
    with pytest.raises(QueryError, match="name the measurement in full, as 'LVEDV over 200"):
        unread_numbers(read_numbers("end-diastolic volume > 200 ml").rest)


@pytest.mark.parametrize(("query", "note"), [
    # a minus beside a measurement was searched as words, and nothing said so
    ("LVEF -35", "'LVEF -35': searched as words; no LVEF is negative, and a number after "
                 "LVEF is read with a comparison or as a range: write 'LVEF below 35'"),
    ("LVEF of -35%", "'LVEF of -35': searched as words; no LVEF is negative"),
    ("LVEF - 35 %", "'LVEF - 35': searched as words; a number after LVEF"),  # a separator
    ("LVEF thirty-five", "'LVEF thirty-five': searched as words; a number after LVEF is read "
                         "with a comparison or as a range: write 'LVEF below 35'"),
    ("LVEF two hundred", "'LVEF two hundred': searched as words; a number in words is read "
                         "from zero to one hundred ('thirty-five'); write this one in digits"),
])
def test_a_number_beside_a_measurement_that_no_range_reads_is_noted(query: str,
                                                                   note: str) -> None:
    numbers = read_numbers(query)
    assert numbers.bounds == ()
    (said,) = unread_numbers(numbers.rest)
    assert note in said


@pytest.mark.parametrize(("query", "message"), [
    # "LVEF under two hundred" read as LVEF < 2, or searched as words, would be wrong either way
    ("LVEF under two hundred", "'LVEF under two hundred': a number in words is read from zero "
                               "to one hundred ('thirty-five'); write this one in digits"),
    ("LV mass over one fifty", "'LV mass over one fifty': a number in words"),
    ("stroke volume under forty", "stroke volume is not searched by number"),
])
def test_a_comparison_with_a_number_in_words_not_read_is_refused(query: str,
                                                                 message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        unread_numbers(read_numbers(query).rest)


@pytest.mark.parametrize(("query", "note"), [
    ("wall thickness over 15 cm", "'wall thickness over 15 cm': max wall thickness > 150 mm is "
                                  "outside the physiological range of max wall thickness "
                                  "(3-60 mm); no study can match"),
    ("wall thickness under 2 mm", "max wall thickness < 2 mm is outside the physiological "
                                  "range"),
    ("LV mass over 0.2", "'LV mass over 0.2': LV mass > 0.2 g holds the whole physiological "
                         "range of LV mass (5-1000 g); it leaves no study out"),
    # read in mm (1.5 cm is no lower end of a range up to 15)
    ("wall thickness between 1.5 and 15", "max wall thickness ≥ 1.5 and ≤ 15 mm reaches below "
                                          "the physiological range"),
    ("LVEDV between 0.2 and 300", "reaches below the physiological range of LVEDV (5-1000 ml); "
                                  "its lower end leaves no study out"),
])
def test_a_range_past_what_any_heart_measures_is_said(query: str, note: str) -> None:
    numbers = read_numbers(query)
    (said,) = implausible(numbers.bounds, numbers.either)
    assert note in said


def test_a_side_of_an_or_past_what_any_heart_measures_is_said() -> None:
    numbers = read_numbers("LVEF below 35 or wall thickness over 150")
    (said,) = implausible(numbers.bounds, numbers.either)
    assert said.startswith("'wall thickness over 150': max wall thickness > 150 mm is outside")


@pytest.mark.parametrize("query", ["max wall thickness >= 1.5", "wall thickness over 15 mm",
                                   "LVEDV > 200 ml", "LVEF below 5", "LV mass index over 80"])
def test_a_range_a_heart_can_meet_has_no_note(query: str) -> None:
    numbers = read_numbers(query)
    assert implausible(numbers.bounds, numbers.either) == ()


@pytest.mark.parametrize(("query", "note"), [
    # the range after a judgement was cut at its first number, and a range around it suggested
    ("LVEF mildly reduced 45-50 %", "'LVEF mildly reduced 45-50 %': searched as words; a range "
                                    "is read right after LVEF: write 'LVEF 45-50'"),
    ("LVEF normal (55-70 %)", "'LVEF normal (55-70 %)': searched as words"),
    ("LVEF reduced between 30 and 40 %", "'LVEF reduced between 30 and 40 %': searched as "
                                         "words; a range is read right after LVEF: write "
                                         "'LVEF 30-40'"),
])
def test_a_range_after_a_judgement_is_quoted_whole(query: str, note: str) -> None:
    (said,) = unread_numbers(read_numbers(query).rest)
    assert said.startswith(note)
