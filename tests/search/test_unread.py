"""What a query says that no filter reads: refused where a range was meant, else noted."""

from __future__ import annotations

import pytest

from search import QueryError
from search.numbers import read_numbers
from search.unread import unread_numbers


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
    ("LVEF=30", "'LVEF=30': searched as words"), ("LVEF of 25%", "'LVEF of 25': searched"),
    ("LVEF ~30%", "'LVEF ~30': searched as words"), ("LVEDV 210 ml", "'LVEDV 189-231'"),
])
def test_a_bare_value_is_words_with_a_note_on_how_to_write_a_range(query: str,
                                                                    note: str) -> None:
    """A pasted report writes "LVEF 30 %": its words still search the reports."""
    numbers = read_numbers(query)
    assert numbers.bounds == () and numbers.rest == query
    unread = unread_numbers(numbers.rest)
    assert len(unread) == 1 and note in unread[0]


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
