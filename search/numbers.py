"""Numbers in a free-text query: "LVEF below 35 %", "EF < 40", "LV mass over 150 g",
"LVEF under thirty-five" (`search.spellings`).

Each phrase names a measurement, a comparison and a number (with or without its unit) and
becomes a range on that measurement (`search.filters.SearchFilters`' `<name>_min/_max`).
The stored values keep one decimal, so a strict bound ("below 35") is the inclusive one moved
by half of that step (34.95): 34.9 passes, 35.0 does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog import FILTERABLE
from search.errors import QueryError
from search.filters import MEASURED_MAX
from search.measure_words import (
    ABOVE_STRICT,
    ANY_UNIT,
    BELOW,
    BELOW_STRICT,
    COMPARE,
    CONVERTED,
    INDEXED,
    NAME_TO,
    NEAR,
    OR_LESS,
    OR_MORE,
    PER_M2,
    PERCENT_ONLY,
    PERCENTAGES,
    SHORT,
    UNIT,
    UNITS,
    alternatives,
    near_step,
    unquoted,
)
from search.plausible import other_unit
from search.spellings import NUMBER_WORDS, number_value, plain_signs

# what other modules read here (the names' words are `search.measure_words`')
__all__ = ["COMPARE", "NAME_TO", "NOT_A_MEASURE", "PERCENT_ONLY", "SHORT", "UNIT", "Bound",
           "Numbers", "alternatives", "bound_fields", "either_read_as", "read_numbers"]
_HALF_STEP = 0.05  # the stored values keep one decimal


def _number(name: str, signed: bool = False) -> str:
    # possessive: "60 years" must not be read as 6 followed by something else; ".3" and a
    # decimal comma ("30,5", no space: "30, 40" is a list; "1,200" a thousands separator,
    # left over and refused) are numbers too
    # and not the mantissa of "3e1", which read as 3; or in words ("thirty-five")
    return (rf"(?P<{name}>{'-?' if signed else ''}(?:\d++(?:\.\d++|,\d{{1,2}}(?!\d))?+|\.\d++)"
            rf"(?![eE][+-]?\d)|{NUMBER_WORDS})")


def _unit(name: str) -> str:
    return rf"(?:\s*+(?P<{name}>{alternatives(ANY_UNIT)})(?![a-z0-9]))?"


NOT_A_MEASURE = r"(?!\s*+(?:years?|yrs?|y/?o|months?|weeks?|days?|segments?)\b)"


_EITHER = r"(?:and\s*+/\s*+)?or"  # "LVEF below 35 or above 70": either range
_PATTERN = re.compile(
    rf"(?<![a-z0-9])(?P<name>{alternatives(list(NAME_TO))})(?:\s+(?:is|of|was))?"
    # "LVEF: < 30 %", "LVEF (< 30 %)", "LVEF = 55-65 %", "LVEF ~ 30-40 %"
    rf"(?:\s*+(?:[:(]|{NEAR}))?\s*+"
    rf"(?:between\s+{_number('low')}{_unit('low_unit')}\s*+(?:and|-|to)\s*+"
    rf"{_number('high')}{_unit('high_unit')}"
    # "LVEF = 30 %", not an age ("EF about 30 years") nor a range's start ("= 55-65")
    rf"|(?P<near>{NEAR})\s*+{_number('near_value')}{_unit('near_unit')}{NOT_A_MEASURE}"
    r"(?!\s*+(?:-|to)\s*+\d)"
    rf"|(?P<compare>{COMPARE})\s*+{_number('value', signed=True)}{_unit('unit')}"
    rf"|(?:from\s++)?{_number('from')}{_unit('from_unit')}\s*+(?:-|to)\s*+{_number('to')}"
    rf"{_unit('to_unit')}"
    rf"|{_number('post_value')}{_unit('post_unit')}\s*+(?:or|and)\s++"
    # not "EF 50 and over 65 years": the "over" is the age's
    rf"(?P<post>{alternatives([*OR_LESS, *OR_MORE])})(?![a-z0-9])(?!\s*+\d))"
    # a second side of the same measurement ("LVEF above 50 but below 60", "below 35 or above
    # 70"), not an age or a count ("EF below 35 and over 60 years")
    rf"(?:\s*+(?P<join>(?:,\s*+)?(?:and|but|&|{_EITHER})|,)?\s*+(?P<compare2>{COMPARE})\s*+"
    rf"{_number('value2', signed=True)}{_unit('unit2')}{NOT_A_MEASURE})?",
    re.IGNORECASE)


@dataclass(frozen=True)
class Bound:
    """A range on one measurement read from the query; None leaves a side open."""

    name: str  # a key of catalog.FILTERABLE
    low: float | None
    high: float | None
    phrase: str  # the words it was read from
    note: str = ""  # how a number was converted ("1.5 cm read as 15 mm")

    def shown(self) -> str:
        """The range alone: "LVEF < 35 %", "LVEF > 20 and < 35 %"."""
        unit = UNIT[self.name]
        if self.low is not None and self.high is not None:
            shown = f"{_side(self.low, '>', '≥', up=True)} and {_side(self.high, '<', '≤')} {unit}"
        elif self.high is not None:
            shown = f"{_side(self.high, '<', '≤')} {unit}"
        else:
            assert self.low is not None
            shown = f"{_side(self.low, '>', '≥', up=True)} {unit}"
        return f"{SHORT[self.name]} {shown}"

    def read_as(self) -> str:
        """How it was read: "LVEF < 35 % (from 'LVEF below 35 %'; QC-flagged values never
        pass)"."""
        note = f", {self.note}" if self.note else ""
        return f"{self.shown()} (from '{self.phrase}'{note}; {_ONLY_MEASURED})"


_ONLY_MEASURED = "measured values only, QC-flagged ones never pass"


def _shown(value: float) -> str:
    return f"{value:g}"


def _side(value: float, strict: str, inclusive: str, up: bool = False) -> str:
    """A bound moved by half a step was written strict: show it as the user wrote it."""
    moved = value - _HALF_STEP if up else value + _HALF_STEP
    if abs(round(moved, 1) - moved) < 1e-9:
        return f"{strict} {_shown(round(moved, 1))}"
    return f"{inclusive} {_shown(value)}"


def _name(match: re.Match[str]) -> str:
    """The measurement named, the indexed one when a per-m2 unit follows the plain name."""
    name = NAME_TO[re.sub(r"[\s-]+", " ", match.group("name").lower())]
    units = [u.lower() for u in match.groupdict().values() if u and u.lower() in PER_M2]
    return INDEXED.get(name, name) if units else name


def _value(name: str, number: str, unit: str | None, phrase: str, notes: list[str],
           fraction: bool = False, guess: tuple[str, float] | None = None) -> float:
    """One number of a phrase in the measurement's stored unit; `QueryError` for a unit it
    is not measured in or a value no heart has. An ejection fraction written as a fraction
    ("EF under 0.35") is read in %, a unitless number in the unit `guess` names
    (`search.plausible.other_unit`: "wall thickness over 1.5" in cm), and the note says so."""
    value = number_value(number)
    stored = UNIT[name]
    if unit and unit.lower() not in UNITS[name]:
        factor = CONVERTED.get((stored, unit.lower()))
        if factor is None:
            raise QueryError(f"'{phrase}': {SHORT[name]} is measured in {stored}, not {unit}")
        notes.append(f"{number} {unit} read as {_shown(round(value * factor, 2))} {stored}")
        value *= factor
    elif guess and not unit:  # no heart's is 1.5 mm: "1.5 read as cm: 15 mm"
        value *= guess[1]
        notes.append(f"{number} read as {guess[0]}: {_shown(round(value, 2))} {stored}")
    if value < 0:
        raise QueryError(f"'{phrase}': {SHORT[name]} cannot be negative")
    if fraction and not unit:
        notes.append(f"{number} read as {_shown(round(value * 100, 2))} %")
        value *= 100
    if name in PERCENTAGES and value > 100:
        raise QueryError(f"'{phrase}': {SHORT[name]} is a percentage, 0 to 100")
    return round(value, 4)


def _side_of(word: str, value: float) -> tuple[float | None, float | None]:
    # the pattern takes a hyphen for a space ("less-than"): it was read as "at least"
    word = re.sub(r"[\s-]+", " ", word.lower()).strip()
    if word in BELOW_STRICT:
        return None, round(value - _HALF_STEP, 2)
    if word in BELOW:
        return None, value
    if word in ABOVE_STRICT:
        return round(value + _HALF_STEP, 2), None
    return value, None


# the pattern's number groups -> their unit groups
_UNIT_OF = {"low": "low_unit", "high": "high_unit", "value": "unit", "value2": "unit2",
            "from": "from_unit", "to": "to_unit", "post_value": "post_unit",
            "near_value": "near_unit"}


def _is_measure(match: re.Match[str]) -> bool:
    name = re.sub(r"[\s-]+", " ", match.group("name").lower())
    units = [match.group(u) for n, u in _UNIT_OF.items() if match.group(n)]
    return name not in PERCENT_ONLY or all(u and u.lower() in ("%", "percent") for u in units)


def _bound(match: re.Match[str]) -> tuple[Bound, ...]:
    """The range a phrase states; two ranges, either of which holds, for "below 35 or above
    70"."""
    name = _name(match)
    phrase = " ".join(match.group(0).split())
    notes: list[str] = []

    numbers = [n for key in _UNIT_OF if (n := match.group(key))]
    # an ejection fraction written as one: every number of the phrase under 1 ("0.3-0.4")
    fraction = name in ("lvef", "rvef") and all(
        ("." in n or "," in n) and number_value(n) < 1 for n in numbers)
    guess = other_unit(name, [number_value(n) for key, unit in _UNIT_OF.items()
                              if (n := match.group(key)) and not match.group(unit)])

    def value(number: str, unit: str) -> float:
        return _value(name, match.group(number), match.group(unit), phrase, notes, fraction,
                      guess)

    low: float | None
    high: float | None
    if match.group("near"):
        low, high = _near(name, value("near_value", "near_unit"), notes)
    elif match.group("post"):
        at = value("post_value", "post_unit")
        below = re.sub(r"[\s-]+", " ", match.group("post").lower()) in OR_LESS
        low, high = (None, at) if below else (at, None)  # "35 or below" holds 35
    elif match.group("compare") is None:
        first, second = ("low", "high") if match.group("low") else ("from", "to")
        low, high = sorted((value(first, f"{first}_unit"), value(second, f"{second}_unit")))
    else:
        low, high = _side_of(match.group("compare"), value("value", "unit"))
    if match.group("compare2"):
        low2, high2 = _side_of(match.group("compare2"), value("value2", "unit2"))
        if _OR_JOIN.fullmatch(match.group("join") or ""):
            note = "; ".join(notes)
            return (_checked(Bound(name, low, high, phrase, note)),
                    Bound(name, low2, high2, phrase, note))
        # "over 50 and over 55" is the tighter of the two, as two phrases are (`read_numbers`)
        low = max((v for v in (low, low2) if v is not None), default=None)
        high = min((v for v in (high, high2) if v is not None), default=None)
    return (_checked(Bound(name, low, high, phrase, "; ".join(notes))),)


def _near(name: str, at: float, notes: list[str]) -> tuple[float, float]:
    """The range of a value asked for as such ("LVEF = 30 %"), and a note of how it was read."""
    step = near_step(name, at)
    low = max(at - step, 0.0)
    high = min(at + step, 100.0) if name in PERCENTAGES else at + step
    notes.append(f"a value near {at:g} {UNIT[name]}: {low:g} to {high:g}")
    return low, high


def _checked(bound: Bound) -> Bound:
    """The bound, or QueryError for one no heart meets: a range that contradicts itself, or
    one past the ends of the scale ("RVEF below 0", "LVEF above 99.99", "LVEDV over 3000 ml":
    the filter then named its own field, "rvef_max: should be >= 0")."""
    top = 100.0 if bound.name in PERCENTAGES else MEASURED_MAX
    if bound.high is not None and bound.high < 0:
        raise QueryError(f"'{bound.phrase}': no {SHORT[bound.name]} is below 0 "
                         f"{UNIT[bound.name]}")
    if bound.low is not None and bound.low > top:
        raise QueryError(f"'{bound.phrase}': no {SHORT[bound.name]} is above {top:g} "
                         f"{UNIT[bound.name]}")
    if bound.low is not None and bound.high is not None and bound.low > bound.high:
        raise QueryError(f"'{bound.phrase}': no {SHORT[bound.name]} is "
                         f"{_side(bound.low, '>', '≥', up=True)} and "
                         f"{_side(bound.high, '<', '≤')} {UNIT[bound.name]}")
    return bound


_OR_JOIN = re.compile(rf"\s*+,?\s*+(?:either\s+)?{_EITHER}\s*+(?:either\s+)?", re.IGNORECASE)
# an "or" next to a range that joins it to words ("DCM or LVEF below 30"); not the "or" of a
# count or an age ("2 or more segments")
# a range or a number right after a range, without a measurement's name: a third comparison
# ("EF below 35 or above 55 and below 60"), a second range ("LVEF 20-35 or 55 or more"); it
# was left to the words, the study list then wider than asked
# (a number in words only after a comparison: "LVEF below 35 and one prior MI" is words)
_TAIL = re.compile(rf"\s*+(?:,|and|but|&|{_EITHER})?\s*+(?:(?:between\s++|(?:{COMPARE})\s*+)?"
                   rf"-?\d++(?:\.\d++)?+|(?:between\s++|(?:{COMPARE})\s*+){NUMBER_WORDS})"
                   rf"{_unit('unit')}{NOT_A_MEASURE}"
                   r"(?!\s*+or\s++(?:older|younger)\b)", re.IGNORECASE)
_OR_BEFORE = re.compile(rf"\b{_EITHER}\s*+$", re.IGNORECASE)
_OR_AFTER = re.compile(rf"^\s*+,?\s*+{_EITHER}\b(?!\s+(?:{'|'.join(OR_LESS + OR_MORE)}"
                       r"|older|younger)\b)", re.IGNORECASE)


_EITHER_WORD = re.compile(r"\beither\s*+$", re.IGNORECASE)  # "either LVEF below 30 or ..."


@dataclass(frozen=True)
class Numbers:
    """What `read_numbers` read: ranges that all hold, groups of ranges of which one holds
    ("LVEF below 35 or above 70", "LVEF < 35 or RVEF < 35"), and the query's other words."""

    bounds: tuple[Bound, ...]
    either: tuple[tuple[Bound, ...], ...]
    rest: str
    notes: tuple[str, ...] = ()  # ranges not read as one, and why (`search.bracketed`)


def read_numbers(text: str) -> Numbers:
    """The measurement ranges a query states, and the query without those phrases. Two
    phrases on one measurement ("EF over 20 and EF below 35") narrow it to both; two joined
    by "or" are alternatives. An "or" between a range and words is refused: the range is a
    filter every result meets, and read as one it would drop the other side."""
    text = unquoted(plain_signs(text))
    matches = [m for m in _PATTERN.finditer(text) if _is_measure(m)]
    groups: list[list[Bound]] = []
    kept, at = [], 0
    for m in matches:  # the query without the phrases read (words outside them stay)
        if re.match(r",\d{3}(?!\d)", text[m.end():]):  # "1,200 ml" was read as 1.2 ml
            raise QueryError(f"'{' '.join(m.group(0).split())}{text[m.end():m.end() + 4]}': "
                             "write the number without a thousands separator (1200)")
        if tail := _TAIL.match(text, m.end()):
            raise QueryError(f"'{' '.join((m.group(0) + tail.group(0)).split())}': a range "
                             "is read with its measurement's name; name it on each side "
                             "('LVEF below 35 or LVEF above 70')")
        between = text[at:m.start()]
        if groups and _OR_JOIN.fullmatch(between):
            groups[-1] += _bound(m)
        else:
            _refuse_or_with_words(between, groups[-1] if groups else None, before=m)
            groups.append(list(_bound(m)))
            kept.append(_EITHER_WORD.sub("", between))
        at = m.end()
    _refuse_or_with_words(text[at:], groups[-1] if groups else None)
    rest = " ".join(" ".join([*kept, text[at:]]).split())
    either = tuple(tuple(g) for g in groups if len(g) > 1)
    return Numbers(_merged([g[0] for g in groups if len(g) == 1]), either, rest)


def _refuse_or_with_words(between: str, previous: list[Bound] | None,
                          before: re.Match[str] | None = None) -> None:
    """QueryError when the words between two ranges (or after the last) begin with an "or"
    after a range, or end with one before a range."""
    if previous is not None and _OR_AFTER.search(between):
        phrase = previous[-1].phrase
    elif before is not None and _OR_BEFORE.search(between):
        phrase = " ".join(before.group(0).split())
    else:
        return
    raise QueryError(f"'{phrase}': an 'or' between a measurement range and words is not "
                     "read (a range holds for every result); search each side on its own")


def _merged(bounds: list[Bound]) -> tuple[Bound, ...]:
    merged: dict[str, Bound] = {}
    for b in bounds:
        seen = merged.get(b.name)
        if seen is None:
            merged[b.name] = b
            continue
        low = max((v for v in (seen.low, b.low) if v is not None), default=None)
        high = min((v for v in (seen.high, b.high) if v is not None), default=None)
        note = "; ".join(n for n in (seen.note, b.note) if n)
        merged[b.name] = _checked(Bound(b.name, low, high, f"{seen.phrase}; {b.phrase}", note))
    return tuple(merged.values())


def either_read_as(group: tuple[Bound, ...]) -> str:
    """How an "or" of ranges was read: "LVEF < 35 % or LVEF > 70 % (from '...'; ...)"."""
    phrases = "' or '".join(dict.fromkeys(b.phrase for b in group))  # each its own quote
    notes = "; ".join(dict.fromkeys(b.note for b in group if b.note))
    return f"{' or '.join(b.shown() for b in group)} (from '{phrases}'" \
           f"{', ' + notes if notes else ''}; {_ONLY_MEASURED})"


def bound_fields(bounds: tuple[Bound, ...]) -> dict[str, float]:
    """The bounds as SearchFilters fields (`lvef_max`, ...)."""
    fields: dict[str, float] = {}
    for b in bounds:
        assert b.name in FILTERABLE
        if b.low is not None:
            fields[f"{b.name}_min"] = b.low
        if b.high is not None:
            fields[f"{b.name}_max"] = b.high
    return fields
