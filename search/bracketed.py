"""A range in brackets after a measurement's judgement: "LVEF reduced (< 35 %)", "LVEF
impaired (below 40 %)", "RVEF mildly reduced (<= 45)".

The words judge (the labeler reads them: `search.understand`) and the bracket bounds: its
comparison is the measurement's range, as "LVEF (< 35 %)" is (`search.numbers`). With words
between the name and the bracket it was only a note, and no study was left out.
"""

from __future__ import annotations

import re
from dataclasses import replace

from search.numbers import COMPARE, NAME_TO, Bound, Numbers, alternatives, read_numbers
from search.spellings import plain_signs

# one to three words between the name and the bracket, none a join to something else ("LVEF
# and RVEF (< 35 %)") nor an earlier study's ("LVEF previously (< 35 %)")
_WORD = (r"(?!(?:and|or|nor|but|with|without|previous\w*|prior|baseline|before|was|were)\b)"
         r"[a-z]++(?:-[a-z]++)*+")
_JUDGED_RANGE = re.compile(
    rf"(?<![a-z0-9])(?P<name>{alternatives(list(NAME_TO))})(?P<words>(?:\s++{_WORD}){{1,3}}?)"
    rf"\s*+\(\s*+(?P<range>(?:{COMPARE})\s*+[^()]*?)\s*+\)", re.IGNORECASE)


def read_ranges(text: str) -> Numbers:
    """The measurement ranges a query states (`search.numbers.read_numbers`), a bracketed
    comparison after a measurement's words among them: read as the measurement's own range
    ("LVEF reduced (LVEF < 35 %)"), each range's phrase the words as typed."""
    text = plain_signs(text)
    typed: dict[str, str] = {}

    def named(match: re.Match[str]) -> str:
        said = f"{match['name']} {match['range']}"
        typed[" ".join(said.split())] = " ".join(match[0].split())
        return f"{match['name']}{match['words']} ({said})"

    numbers = read_numbers(_JUDGED_RANGE.sub(named, text))
    if not typed:
        return numbers
    return Numbers(tuple(_as_typed(b, typed) for b in numbers.bounds),
                   tuple(tuple(_as_typed(b, typed) for b in group) for group in numbers.either),
                   numbers.rest)


def _as_typed(bound: Bound, typed: dict[str, str]) -> Bound:
    phrase = bound.phrase
    for said, words in typed.items():
        phrase = phrase.replace(said, words)
    return replace(bound, phrase=phrase)
