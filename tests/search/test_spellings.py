"""Numbers written in words, and signs written another way, as the query reader reads them."""

from __future__ import annotations

import re

import pytest

from search.spellings import NUMBER_WORDS, number_value, plain_signs

_WHOLE = re.compile(rf"{NUMBER_WORDS}", re.IGNORECASE)


@pytest.mark.parametrize(("text", "value"), [
    ("zero", 0.0), ("five", 5.0), ("fifteen", 15.0), ("forty", 40.0), ("fourty", 40.0),
    ("thirty-five", 35.0), ("thirty five", 35.0), ("Thirty-Five", 35.0), ("ninety-nine", 99.0),
    ("one hundred", 100.0), ("hundred", 100.0), ("35", 35.0), ("30,5", 30.5), ("-35", -35.0),
])
def test_a_number_in_words_or_digits_has_its_value(text: str, value: float) -> None:
    assert number_value(text) == value


@pytest.mark.parametrize("text", ["thirty-five", "thirty five", "forty", "one hundred", "zero",
                                  "nineteen", "ninety"])
def test_zero_to_one_hundred_in_words_is_one_number(text: str) -> None:
    assert _WHOLE.fullmatch(text)


@pytest.mark.parametrize("text", [
    # a larger number, a fraction, or two numbers: never its first word alone ("LVEF under two
    # hundred" would be LVEF < 2)
    "two hundred", "thirty point five", "one fifty", "twenty and a half", "five thousand",
    "thirtyfive", "fives",
])
def test_a_number_in_words_these_do_not_read_is_no_number(text: str) -> None:
    assert _WHOLE.match(text) is None


def test_thirty_five_is_never_read_as_thirty_then_five() -> None:
    """Atomic: "LVEF thirty-five" read as the range 30 to 5 would be LVEF 5-30."""
    assert re.fullmatch(rf"(?P<a>{NUMBER_WORDS})-(?P<b>{NUMBER_WORDS})", "thirty-five") is None
    assert re.fullmatch(rf"(?P<a>{NUMBER_WORDS})-(?P<b>{NUMBER_WORDS})", "thirty-forty")


def test_something_else_is_no_number() -> None:
    with pytest.raises(ValueError, match="is no number"):
        number_value("thirty-ish")


def test_dashes_and_full_width_signs_are_their_plain_spelling() -> None:
    assert plain_signs("LVEF 30\u201340 %") == "LVEF 30-40 %"
    assert plain_signs("LVEF \uff1c 30\uff05") == "LVEF < 30%"
    assert plain_signs("LVEF =< 30, EF => 50") == "LVEF <= 30, EF >= 50"
