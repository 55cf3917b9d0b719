"""What a query says that no filter reads: a number beside a measurement that is no range
("LVEF 30 %", refused where a comparison shows a range was meant), and words that name what
the filters choose (an age, a sex, a year). Each is a note the page shows (or a QueryError),
never silently nothing."""

from __future__ import annotations

import re

from search.errors import QueryError
from search.numbers import (
    COMPARE,
    NAME_TO,
    NOT_A_MEASURE,
    PERCENT_ONLY,
    SHORT,
    UNIT,
    alternatives,
)

# what a query may name beside a number that no range above was read from: the measurements'
# names (not LGE's, whose number may be a count or a year), and measurements that are not
# searched by number, or need their ventricle named
_NOT_SEARCHED = ("lvesv", "rvesv", "lv esv", "rv esv", "esv", "lvesvi", "rvesvi",
                 "end-systolic volume", "lv end-systolic volume", "rv end-systolic volume",
                 "stroke volume", "lvsv", "rvsv", "cardiac output", "cardiac index", "bsa",
                 "heart rate", "tapse", "mapse")
_AMBIGUOUS = {"mass": "'LV mass over 150 g'", "edv": "'LVEDV over 200 ml' or 'RVEDV over 200 ml'",
              "end diastolic volume": "'LVEDV over 200 ml' or 'RVEDV over 200 ml'",
              "edvi": "'LVEDVi over 100 ml/m2'", "ejection": "'LVEF below 40'"}
_UNREAD_NAMES = [n for n in NAME_TO if n not in PERCENT_ONLY] + [*_NOT_SEARCHED, *_AMBIGUOUS]
_UNREAD = re.compile(
    rf"(?<![a-z0-9])(?P<name>{alternatives(_UNREAD_NAMES)})(?![a-z0-9])[\s:(=~≈]*+"
    r"(?:(?:is|of|was|about|around|approximately|approx\.?|roughly|nearly|circa|between|"
    rf"from|at|equal to)\s*+){{0,2}}(?:(?P<compare>{COMPARE})\s*+)?(?P<number>\.?\d+(?:[.,]\d+)?)"
    rf"{NOT_A_MEASURE}(?!\s*+(?:t|tesla)\b)", re.IGNORECASE)


_POWER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d+\b")


def _a_size(found: re.Match[str], text: str) -> bool:
    """"a cardiac mass of 3 cm": a tumour's size, not the LV mass."""
    return found.group("name").lower() == "mass" and bool(
        re.match(r"\s*+(?:cm|mm)\b", text[found.end():], re.IGNORECASE))


def unread_numbers(rest: str) -> tuple[str, ...]:
    """What a measurement named beside a number that no range was read from says; QueryError
    where a comparison shows a range was meant ("LVESV > 100 ml", "mass over 150 g"): left
    to the words, the whole archive came back as if the number had not been typed. A bare
    value ("LVEF 30 %", as a pasted report writes it) stays words, with a note."""
    if (power := _POWER.search(rest)) is not None:  # "LVEF < 3e1" was read as "< 3"
        raise QueryError(f"'{power.group(0)}': write the number in digits, without an exponent")
    notes = []
    for found in _UNREAD.finditer(rest):
        if _a_size(found, rest):
            continue
        phrase = " ".join(found.group(0).split())
        name = re.sub(r"[\s-]+", " ", found.group("name").lower())
        if name in NAME_TO:
            short = SHORT[NAME_TO[name]]
            at = float(found.group("number").replace(",", "."))
            if UNIT[NAME_TO[name]] == "%" and at < 1:  # "EF 0,35": a fraction
                at = round(at * 100, 1)
            step = 5.0 if UNIT[NAME_TO[name]] == "%" else max(1.0, round(at * 0.1))
            why = (f"'{phrase}': a number after {short} is read with a comparison or as a "
                   f"range: write '{short} below {at:g}', '{short} above {at:g}' or "
                   f"'{short} {max(at - step, 0):g}-{at + step:g}'")
        elif name in _AMBIGUOUS:
            hint = _AMBIGUOUS[name]
            why = f"'{phrase}': name the measurement in full, as {hint}"
        else:
            searched = ", ".join(dict.fromkeys(SHORT.values()))
            why = (f"'{phrase}': {found.group('name')} is not searched by number (these are: "
                   f"{searched})")
        if found.group("compare") or re.search(r"\b(?:between|from)\b", phrase, re.I):
            raise QueryError(why)
        notes.append(why.replace(": a number after", ": searched as words; a number after"))
    return tuple(notes)


# words that name what the filters choose: the query's words do not filter by them
_FILTER_WORDS = (
    # an age, not a time ("EF 45 % 2 yrs ago")
    ("age", re.compile(r"\b(?:aged?\s*+(?:over|under|above|below|[<>]=?)?\s*+\d+"
                       r"|\d+[\s-]*+(?:years?|yrs?)[\s-]*+old|\d+\s*+y/?o)\b", re.IGNORECASE)),
    ("sex", re.compile(r"\b(?:female|male|wom[ae]n|men|man)\b", re.IGNORECASE)),
    ("study date", re.compile(r"\b(?:19|20)\d{2}\b")),
    ("field strength", re.compile(r"\b\d(?:\.\d)?\s*+t\b|\btesla\b", re.IGNORECASE)),
    ("vendor", re.compile(r"\b(?:siemens|philips|ge healthcare|canon|toshiba)\b",
                          re.IGNORECASE)),
)


def filter_words(text: str) -> tuple[str, ...]:
    """A note for words that name a filter ("HCM age over 60", "female HCM", "HCM 2019"):
    they were read as nothing, and nothing said so."""
    named = [(what, m.group(0)) for what, pattern in _FILTER_WORDS if (m := pattern.search(text))]
    if not named:
        return ()
    words = ", ".join(f"'{w}'" for _, w in named)
    return (f"{words}: the words do not choose the {' or '.join(w for w, _ in named)}; "
            f"set {'it' if len(named) == 1 else 'them'} with the filters",)
