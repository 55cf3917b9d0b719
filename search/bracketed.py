"""A range in brackets after a measurement's judgement: "LVEF reduced (< 35 %)", "LVEF
impaired (below 40 %)", "RVEF mildly reduced (<= 45)".

The words judge (the labeler reads them: `search.understand`) and the bracket bounds: its
comparison is the measurement's range, as "LVEF (< 35 %)" is (`search.numbers`). With words
between the name and the bracket it was only a note, and no study was left out.

A bracket that names another modality ("LVEF reduced (< 35 % on echo)") is no range of this
CMR's measurement: the words are read as the finding, and a note says so (it was a hard
filter on the CMR LVEF). A bound after two measurements named together ("LVEF and RVEF
reduced (< 35 %)", "LVEF and RVEF < 35 %") is each one's (only the nearer, the RVEF, was
bounded).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from reader.wording import OTHER_MODALITY
from search.numbers import COMPARE, NAME_TO, Bound, Numbers, alternatives, read_numbers
from search.spellings import plain_signs

# one to three words between the name and the bracket, none a join to something else ("LVEF
# and RVEF (< 35 %)") nor an earlier study's ("LVEF previously (< 35 %)")
_WORD = (r"(?!(?:and|or|nor|but|with|without|previous\w*|prior|baseline|before|was|were)\b)"
         r"[a-z]++(?:-[a-z]++)*+")
_JUDGED_RANGE = re.compile(
    rf"(?<![a-z0-9])(?P<name>{alternatives(list(NAME_TO))})(?P<words>(?:\s++{_WORD}){{1,3}}?)"
    rf"\s*+\(\s*+(?P<range>(?:{COMPARE})\s*+[^()]*?)\s*+\)", re.IGNORECASE)


_OTHER = re.compile(rf"\b{OTHER_MODALITY}\b", re.IGNORECASE)
# measurements one bound may be shared by: of one unit and scale, each ventricle's
_SHARED_BY = ({"lvef", "rvef"}, {"lv_edv", "rv_edv"}, {"lv_edv_index", "rv_edv_index"})
_NAMES = alternatives(list(NAME_TO))
# "LVEF and RVEF reduced (< 35 %)", "LVEF and RVEF < 35 %": a name, a join, a name, and the
# bound (bracketed after words, or bare: a comparison and a number)
_COORDINATED = re.compile(
    rf"(?<![a-z0-9])(?P<also>{_NAMES})(?P<join>\s*+(?:,|and|&|/)\s*+)(?P<name>{_NAMES})"
    rf"(?P<said>(?:(?:\s++{_WORD}){{1,3}}?\s*+\(\s*+(?:{COMPARE})[^()]*?\)|\s*+(?:{COMPARE})"
    r"\s*+\d++(?:[.,]\d++)?+(?:\s*+(?:%|percent|ml/m2|ml/m\u00b2|ml))?))(?![a-z0-9])",
    re.IGNORECASE)


def _key(name: str) -> str:
    return NAME_TO[re.sub(r"[\s-]+", " ", name.lower())]


def _each(text: str, typed: dict[str, str]) -> str:
    """`text` with a bound shared by two measurements said of each ("LVEF < 35 % and RVEF <
    35 %"); `typed` gets each one's words -> the words as typed."""
    def each(match: re.Match[str]) -> str:
        pair = {_key(match["also"]), _key(match["name"])}
        if len(pair) < 2 or not any(pair <= shared for shared in _SHARED_BY):
            return match[0]
        first, second = f"{match['also']}{match['said']}", f"{match['name']}{match['said']}"
        for one in (first, second):
            typed[" ".join(one.split())] = " ".join(match[0].split())
        return f"{first} and {second}"
    return _COORDINATED.sub(each, text)


def read_ranges(text: str) -> Numbers:
    """The measurement ranges a query states (`search.numbers.read_numbers`), a bracketed
    comparison after a measurement's words among them: read as the measurement's own range
    ("LVEF reduced (LVEF < 35 %)"), each range's phrase the words as typed."""
    shared: dict[str, str] = {}
    text = _each(plain_signs(text), shared)
    typed: dict[str, str] = {}
    notes: list[str] = []

    def named(match: re.Match[str]) -> str:
        if (other := _OTHER.search(match[0])) is not None:
            notes.append(f"'{shared.get(' '.join(match[0].split()), ' '.join(match[0].split()))}'"
                         f": a value by {other[0]} is no measurement of this CMR: read as the "
                         f"finding ('{' '.join((match['name'] + match['words']).split())}'), "
                         "no range")
            return f"{match['name']}{match['words']}"
        said = f"{match['name']} {match['range']}"
        typed[" ".join(said.split())] = " ".join(match[0].split())
        return f"{match['name']}{match['words']} ({said})"

    numbers = read_numbers(_JUDGED_RANGE.sub(named, text))
    notes = list(dict.fromkeys(notes))  # a shared bracket said of each names it once
    if not typed and not shared:
        return Numbers(numbers.bounds, numbers.either, numbers.rest, tuple(notes))
    # "LVEF < 35 %" is "LVEF reduced (< 35 %)", then "LVEF and RVEF reduced (< 35 %)"
    return Numbers(tuple(_as_typed(b, typed, shared) for b in numbers.bounds),
                   tuple(tuple(_as_typed(b, typed, shared) for b in group)
                         for group in numbers.either), numbers.rest, tuple(notes))


def _as_typed(bound: Bound, *maps: dict[str, str]) -> Bound:
    """The bound's phrase in the words as typed, each map's words replaced in one pass (one
    after another, a shared bound's "LVEF and RVEF < 35 %" had its "RVEF < 35 %" replaced)."""
    phrase = bound.phrase
    for typed in (m for m in maps if m):
        said = re.compile("|".join(re.escape(k) for k in sorted(typed, key=len, reverse=True)))
        phrase = said.sub(_from(typed), phrase)
    return replace(bound, phrase=phrase)


def _from(typed: dict[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda match: typed[match[0]]
