"""A range in brackets after a measurement's judgement: "LVEF reduced (< 35 %)", "LVEF
impaired (below 40 %)", "RVEF mildly reduced (<= 45)".

The words judge (the labeler reads them: `search.understand`) and the bracket bounds: its
comparison is the measurement's range, as "LVEF (< 35 %)" is (`search.numbers`). With words
between the name and the bracket it was only a note, and no study was left out.

A bracket whose value is by another modality ("LVEF reduced (< 35 % on echo)") is no range of
this CMR's measurement: the words are read as the finding, and a note says so (it was a hard
filter on the CMR LVEF); where the CMR's value is given too, that one is the range. A bound
after two measurements named together ("LVEF and RVEF reduced (< 35 %)", "LVEF and RVEF <
35 %") is each one's (only the nearer, the RVEF, was bounded), unless a judgement of the first
stands before it ("normal LVEF and RVEF < 35 %") or more comparisons follow ("< 35 % or >
70 %").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from reader.wording import OTHER_MODALITY
from search.measure_words import unquoted
from search.numbers import COMPARE, NAME_TO, Bound, Numbers, alternatives, read_numbers
from search.spellings import plain_signs

# one to three words between the name and the bracket, none a join to something else ("LVEF
# and RVEF (< 35 %)") nor an earlier study's ("LVEF previously (< 35 %)")
_WORD = (r"(?!(?:and|or|nor|but|with|without|previous\w*|prior|baseline|before|was|were)\b)"
         r"[a-z]++(?:-[a-z]++)*+")
_JUDGED_RANGE = re.compile(
    rf"(?<![a-z0-9])(?P<name>{alternatives(list(NAME_TO))})(?P<words>(?:\s++{_WORD}){{1,3}}?)"
    rf"\s*+\(\s*+(?P<range>(?:{COMPARE})\s*+[^()]*?)\s*+\)", re.IGNORECASE)


# a value said by a modality: "< 35 % on echo", "30 % by TTE", "< 35 % echo", "< 35 %,
# nuclear", "40 % previously on cath"; only a modality right after its value is one ("< 35 %
# after angioplasty", "< 35 %, no echo available" name no modality of the value)
_VALUE_BY = re.compile(
    rf"(?P<value>(?:(?:{COMPARE})\s*+)?\d++(?:[.,]\d++)?+\s*+(?:%|percent)?)\s*+,?\s*+"
    r"(?:[a-z]+ly\s++)?(?:(?:on|by|per|at|in|via|from|with)\s++)?(?:the\s++)?"
    rf"(?:(?P<cmr>c?mri?|cardiac\s++magnetic\s++resonance|magnetic\s++resonance)|"
    rf"(?P<other>{OTHER_MODALITY}))\b", re.IGNORECASE)
_COMPARED = re.compile(rf"(?:{COMPARE})", re.IGNORECASE)
_LOOK = 40  # how far before and after a coordinated bound is read: a long query, once
# a judgement before the first name is that name's alone: "normal LVEF and RVEF < 35 %"
_JUDGED_BEFORE = re.compile(
    r"\b(?:normal|preserved|reduced|impaired|depressed|low|high|good|poor|increased|"
    r"decreased|elevated|abnormal|dilated|enlarged|borderline|hyperdynamic)\s*+$", re.IGNORECASE)
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
        if (len(pair) < 2 or not any(pair <= shared for shared in _SHARED_BY)
                or not _shareable(match)):
            return match[0]
        first, second = f"{match['also']}{match['said']}", f"{match['name']}{match['said']}"
        for one in (first, second):
            typed[" ".join(one.split())] = " ".join(match[0].split())
        return f"{first} and {second}"
    return _COORDINATED.sub(each, text)


def _shareable(match: re.Match[str]) -> bool:
    """The bound is the whole of what is said of both: no judgement of the first alone before
    it ("normal LVEF and RVEF < 35 %": the LVEF's is normal), no comparison chained after it
    ("< 35 % or > 70 %", "(< 35 % and < 40 %)": only its first part was shared)."""
    before = match.string[max(0, match.start() - _LOOK):match.start()]
    after = match.string[match.end():match.end() + _LOOK]
    return not (_JUDGED_BEFORE.search(before)
                or len(_COMPARED.findall(match["said"])) > 1
                or re.match(rf"\s*+,?\s*+(?:and|or|&|/)?\s*+(?:{COMPARE})", after, re.IGNORECASE))


def _by_modality(said: str) -> tuple[str | None, str]:
    """The modality `said` (a bracket's range) gives its value by, when another than CMR
    (None if none), and the range to read: the CMR's value where both are given ("< 35 % on
    echo, < 40 % on CMR": < 40 %)."""
    by = list(_VALUE_BY.finditer(said))
    other = next((b["other"] for b in by if b["other"]), None)
    cmr = next((b["value"] for b in by if b["cmr"] and _COMPARED.match(b["value"])), None)
    if other is not None and cmr is not None:
        return None, cmr
    return other, said


def read_ranges(text: str) -> Numbers:
    """The measurement ranges a query states (`search.numbers.read_numbers`), a bracketed
    comparison after a measurement's words among them: read as the measurement's own range
    ("LVEF reduced (LVEF < 35 %)"), each range's phrase the words as typed."""
    shared: dict[str, str] = {}
    text = _each(unquoted(plain_signs(text)), shared)
    typed: dict[str, str] = {}
    notes: list[str] = []

    def named(match: re.Match[str]) -> str:
        other, range_ = _by_modality(match["range"])
        if other is not None:
            notes.append(f"'{shared.get(' '.join(match[0].split()), ' '.join(match[0].split()))}'"
                         f": a value by {other} is no measurement of this CMR: read as the "
                         f"finding ('{' '.join((match['name'] + match['words']).split())}'), "
                         "no range")
            return f"{match['name']}{match['words']}"
        said = f"{match['name']} {range_}"
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
