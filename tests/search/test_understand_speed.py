"""A query is read in time about linear in its length, whatever it holds: the pages and the
API refuse one over 500 characters, but the reader itself (`understand`) is a library's too.
Each "normal ..." phrase searched the whole query before it for a side, and a long
hyphenated word was read again from each of its parts for a slash."""

from __future__ import annotations

import time

import pytest

from search.understand import understand

# far more than any query (the old code took 6 to 20 s at this size); 3 s leaves room for a
# loaded 2-core machine, where a linear read of 40 kB takes under a second
_SIZE = 40_000
_BOUND_S = 3.0


@pytest.mark.parametrize("unit", [
    "preserved ef, ", "normal size and function ", "function normal, ",  # a side looked for
    "low-", "a-b-c/",  # a hyphenated word before a slash, or none
    "normal LV ", "LGE absent, ", "LVEF < 35 ", "no ", " ",
])
def test_a_long_query_is_read_in_linear_time(unit: str) -> None:
    text = (unit * (_SIZE // len(unit) + 1))[:_SIZE]
    start = time.perf_counter()
    understand(text)
    assert time.perf_counter() - start < _BOUND_S, unit


@pytest.mark.parametrize(("query", "ruled_out"), [
    # the only side named before the phrase is its side, wherever it is named
    ("RV dilated, LGE present, preserved function", "rv_systolic_dysfunction"),
    ("LGE present, preserved function", "lv_systolic_dysfunction"),
])
def test_a_normal_phrase_takes_the_side_named_before_it(query: str, ruled_out: str) -> None:
    assert ruled_out in {f.value for f in understand(query).ruled_out}
