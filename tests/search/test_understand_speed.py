"""A query is read in time about linear in its length, whatever it holds: the pages and the
API refuse one over 500 characters, but the reader itself (`understand`) is a library's too.
Each "normal ..." phrase searched the whole query before it for a side, and a long
hyphenated word was read again from each of its parts for a slash."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from search.understand import understand

# a query _TIMES as long as a short one takes about _TIMES as long to read when the reader is
# linear, about _TIMES ** 2 when it is quadratic; the check allows _SLACK times linear. A ratio
# of the process's CPU time, not a bound in wall-clock seconds: a 40 kB query took 1.6 s idle
# and up to 5 s on a loaded 2-core machine, where CPU time hardly moves. The short query takes
# tens of milliseconds for the slow units, so timer noise does not decide the ratio. Measured:
# 7 to 10 for this reader; 25 ('low-') and 30 ('preserved ef, ') for the quadratic one before
# 59913ec, which took 6 to 17 s at 40 kB.
_SHORT = 3_000
_TIMES = 8
_SLACK = 2.0
_ROUNDS = 3


def _cpu_seconds(read: Callable[[str], object], text: str) -> float:
    started = time.process_time()
    read(text)
    return time.process_time() - started


def growth(read: Callable[[str], object], unit: str) -> float:
    """How many times longer `read` takes on `unit` repeated to _TIMES * _SHORT characters than
    to _SHORT: the least CPU time of each, read in rounds (a short pair, then the long one)
    until the long one is within what linear allows, or _ROUNDS have shown it is not."""
    short_text = (unit * (_SHORT // len(unit) + 1))[:_SHORT]
    size = _TIMES * _SHORT
    long_text = (unit * (size // len(unit) + 1))[:size]
    short = long = float("inf")
    for _ in range(_ROUNDS):
        short = min(short, _cpu_seconds(read, short_text), _cpu_seconds(read, short_text))
        long = min(long, _cpu_seconds(read, long_text))
        if long <= _SLACK * _TIMES * short:
            break
    return long / short


@pytest.mark.parametrize("unit", [
    "preserved ef, ", "normal size and function ", "function normal, ",  # a side looked for
    "low-", "a-b-c/",  # a hyphenated word before a slash, or none
    "normal LV ", "LGE absent, ", "LVEF < 35 ", "no ", " ",
])
def test_a_long_query_is_read_in_linear_time(unit: str) -> None:
    assert growth(understand, unit) <= _SLACK * _TIMES, unit


@pytest.mark.parametrize(("query", "ruled_out"), [
    # the only side named before the phrase is its side, wherever it is named
    ("RV dilated, LGE present, preserved function", "rv_systolic_dysfunction"),
    ("LGE present, preserved function", "lv_systolic_dysfunction"),
])
def test_a_normal_phrase_takes_the_side_named_before_it(query: str, ruled_out: str) -> None:
    assert ruled_out in {f.value for f in understand(query).ruled_out}
