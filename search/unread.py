"""What a query says that no filter reads: a number beside a measurement that is no range
("LVEF 30 %", "LVEF -35", "LVEF two hundred"; refused where a comparison shows a range was
meant), a range past what any heart measures ("wall thickness over 15 cm"), and words that name
what the filters choose (an age, a sex, a year). Each is a note the page shows (or a
QueryError), never silently nothing."""

from __future__ import annotations

import re

from search.errors import QueryError
from search.measure_words import near_step
from search.numbers import (
    COMPARE,
    NAME_TO,
    NOT_A_MEASURE,
    PERCENT_ONLY,
    SHORT,
    UNIT,
    Bound,
    alternatives,
)
from search.plausible import PLAUSIBLE, Outside, outside
from search.spellings import NUMBER_WORD_RUN, NUMBER_WORDS, number_value

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
# a judgement before the number: "LVEF low-normal (52 %)", "LVEF is reduced (30 %)" (its
# number was dropped unsaid)
_JUDGED = (r"(?:\w+ly\s++)?(?:low[\s/-]*+(?:to[\s-]++)?normal|normal|preserved|reduced|"
           r"impaired|depressed|decreased|low|good|borderline|hyperdynamic)(?![a-z])"
           r"(?:[\s:(=~≈,]|-(?=\s))*+")
# the number: digits, with a minus ("LVEF -35": no range, and no value of a heart), words read
# (`search.spellings`: "LVEF thirty-five") or not ("LVEF under two hundred"); a dash then a
# space is a separator ("LVEF - 35 %", pasted)
_UNREAD = re.compile(
    rf"(?<![a-z0-9])(?P<name>{alternatives(_UNREAD_NAMES)})(?![a-z0-9])(?:[\s:(=~≈]|-(?=\s))*+"
    r"(?:(?:is|of|was|about|around|approximately|approx\.?|roughly|nearly|circa|between|"
    rf"from|at|equal to)\s*+|(?P<judged>{_JUDGED})){{0,3}}(?:(?P<compare>{COMPARE})\s*+)?"
    r"(?P<minus>-)?"
    rf"(?:(?P<number>\.?\d++(?:[.,]\d++)?+|{NUMBER_WORDS})|(?P<words>{NUMBER_WORD_RUN}))"
    rf"{NOT_A_MEASURE}(?!\s*+(?:t|tesla)\b)", re.IGNORECASE)


# the rest of a range typed after words ("LVEF mildly reduced 45-50 %", "LVEF normal (55-70
# %)", "LVEF reduced between 30 and 40 %"): quoted whole ("'LVEF mildly reduced 45'" was
# quoted, and 'LVEF 40-50' suggested)
_RANGE_TAIL = re.compile(r"\s*+%?\s*+(?:-|\u2013|to|and)\s*+(?P<top>\d++(?:[.,]\d++)?+)"
                         r"(?:\s*+%)?(?:\s*+\))?", re.IGNORECASE)
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
        tail = _RANGE_TAIL.match(rest, found.end())
        phrase = " ".join((found.group(0) + (tail.group(0) if tail else "")).split())
        name = re.sub(r"[\s-]+", " ", found.group("name").lower())
        if name in NAME_TO and found.group("words"):
            why = (f"'{phrase}': a number in words is read from zero to one hundred "
                   "('thirty-five'); write this one in digits")
        elif name in NAME_TO:
            why = _how_to_write(phrase, NAME_TO[name], found, tail)
        elif name in _AMBIGUOUS:
            hint = _AMBIGUOUS[name]
            why = f"'{phrase}': name the measurement in full, as {hint}"
        else:
            searched = ", ".join(dict.fromkeys(SHORT.values()))
            why = (f"'{phrase}': {found.group('name')} is not searched by number (these are: "
                   f"{searched})")
        # judged ("LVEF reduced (< 35 %)"), the words read what was meant: a note
        ranged = found.group("compare") or re.search(r"\b(?:between|from)\b", phrase, re.I)
        if ranged and not found.group("judged"):
            raise QueryError(why)
        notes.append(why.replace(f"'{phrase}': ", f"'{phrase}': searched as words; ", 1)
                     if name in NAME_TO else why)
    return tuple(notes)


def _how_to_write(phrase: str, name: str, found: re.Match[str],
                  tail: re.Match[str] | None = None) -> str:
    """Why a number after a measurement's name was no range, and the ranges it may mean."""
    short = SHORT[name]
    at = number_value(found.group("number"))
    if tail is not None and not found.group("minus"):  # the range typed, as it is written
        top = number_value(tail.group("top"))
        return (f"'{phrase}': a range is read right after {short}: write "
                f"'{short} {min(at, top):g}-{max(at, top):g}'")
    if UNIT[name] == "%" and at < 1:  # "EF 0,35": a fraction
        at = round(at * 100, 1)
    step = near_step(name, at)
    negative = f"no {short} is negative, and " if found.group("minus") else ""
    return (f"'{phrase}': {negative}a number after {short} is read with a comparison or as a "
            f"range: write '{short} below {at:g}', '{short} above {at:g}' or "
            f"'{short} {max(at - step, 0):g}-{at + step:g}'")


_SAID = {Outside.NONE: "is outside the physiological range of {}; no study can match",
         Outside.EVERY: "holds the whole physiological range of {}; it leaves no study out",
         Outside.LOW_END: "reaches below the physiological range of {}; its lower end leaves "
                          "no study out",
         Outside.HIGH_END: "reaches above the physiological range of {}; its upper end leaves "
                           "no study out"}


def implausible(bounds: tuple[Bound, ...],
                either: tuple[tuple[Bound, ...], ...] = ()) -> tuple[str, ...]:
    """A note for each range past what any heart measures (`search.plausible`): "wall
    thickness over 15 cm" matched no study, and nothing said why."""
    notes = []
    for bound in (*bounds, *(b for group in either for b in group)):
        if (where := outside(bound.name, bound.low, bound.high)) is None:
            continue
        least, most = PLAUSIBLE[bound.name]
        ends = f"{SHORT[bound.name]} ({least:g}-{most:g} {UNIT[bound.name]})"
        notes.append(f"'{bound.phrase}': {bound.shown()} {_SAID[where].format(ends)}")
    return tuple(dict.fromkeys(notes))


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
