"""Numbers in a free-text query: "LVEF below 35 %", "EF < 40", "LV mass over 150 g".

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

# how a query may name each filterable measurement (longest first wins in the pattern)
_NAMES: dict[str, tuple[str, ...]] = {
    "lvef": ("lvef", "lv ef", "lv ejection fraction", "left ventricular ejection fraction",
             "ejection fraction", "ef"),
    "rvef": ("rvef", "rv ef", "rv ejection fraction", "right ventricular ejection fraction"),
    "lv_edv_index": ("lvedvi", "lvedv index", "lv edv index", "indexed lvedv",
                     "indexed lv edv", "lv end-diastolic volume index",
                     "indexed lv end-diastolic volume"),
    "rv_edv_index": ("rvedvi", "rvedv index", "rv edv index", "indexed rvedv",
                     "indexed rv edv", "rv end-diastolic volume index",
                     "indexed rv end-diastolic volume"),
    "lv_mass": ("lv mass", "lv myocardial mass", "left ventricular mass", "myocardial mass",
                "lvm"),
    "max_wall_thickness": ("maximal wall thickness", "maximum wall thickness",
                           "max wall thickness", "wall thickness", "mwt"),
    "scar": ("scar burden", "lge burden", "scar extent", "scar"),
}
_UNITS: dict[str, tuple[str, ...]] = {
    "lvef": ("%", "percent"), "rvef": ("%", "percent"),
    "lv_edv_index": ("ml/m2", "ml/m²", "ml/m^2"), "rv_edv_index": ("ml/m2", "ml/m²", "ml/m^2"),
    "lv_mass": ("g", "grams", "gram"), "max_wall_thickness": ("mm",),
    "scar": ("%", "percent")}
SHORT: dict[str, str] = {"lvef": "LVEF", "rvef": "RVEF", "lv_edv_index": "LVEDVi",
                         "rv_edv_index": "RVEDVi", "lv_mass": "LV mass",
                         "max_wall_thickness": "max wall thickness", "scar": "scar burden"}
UNIT: dict[str, str] = {"lvef": "%", "rvef": "%", "lv_edv_index": "ml/m²",
                        "rv_edv_index": "ml/m²", "lv_mass": "g", "max_wall_thickness": "mm",
                        "scar": "%"}
# comparison words -> (side, strict)
_BELOW_STRICT = ("below", "under", "less than", "lower than", "smaller than", "<")
_BELOW = ("at most", "up to", "no more than", "not above", "<=", "≤")
_ABOVE_STRICT = ("above", "over", "greater than", "more than", "higher than", "exceeding",
                 "larger than", ">")
_ABOVE = ("at least", "no less than", "not below", ">=", "≥")
_HALF_STEP = 0.05  # the stored values keep one decimal

def _number(name: str) -> str:
    return rf"(?P<{name}>\d+(?:\.\d+)?)"


def _unit(name: str) -> str:
    return rf"(?:\s*(?P<{name}>%|percent|ml/m2|ml/m²|ml/m\^2|mm|grams|gram|g|ml)(?![a-z0-9]))?"

def _alternatives(words: tuple[str, ...] | list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in ordered)


_NAME_TO = {name.replace("-", " "): key for key, names in _NAMES.items() for name in names}
_COMPARE = _alternatives([*_BELOW_STRICT, *_BELOW, *_ABOVE_STRICT, *_ABOVE])
_PATTERN = re.compile(
    rf"(?<![a-z0-9])(?P<name>{_alternatives(list(_NAME_TO))})(?:\s+(?:is|of|was))?\s*"
    rf"(?:between\s+{_number('low')}{_unit('low_unit')}\s*(?:and|-|to)\s*"
    rf"{_number('high')}{_unit('high_unit')}"
    rf"|(?P<compare>{_COMPARE})\s*{_number('value')}{_unit('unit')}"
    rf"|{_number('from')}{_unit('from_unit')}\s*(?:-|to)\s*{_number('to')}{_unit('to_unit')})",
    re.IGNORECASE)


@dataclass(frozen=True)
class Bound:
    """A range on one measurement read from the query; None leaves a side open."""

    name: str  # a key of catalog.FILTERABLE
    low: float | None
    high: float | None
    phrase: str  # the words it was read from

    def read_as(self) -> str:
        """How it was read: "LVEF < 35 % (from 'LVEF below 35 %'; QC-flagged values never
        pass)"."""
        unit = UNIT[self.name]
        if self.low is not None and self.high is not None:
            shown = f"{_side(self.low, '>', '≥', up=True)} and {_side(self.high, '<', '≤')} {unit}"
        elif self.high is not None:
            shown = f"{_side(self.high, '<', '≤')} {unit}"
        else:
            assert self.low is not None
            shown = f"{_side(self.low, '>', '≥', up=True)} {unit}"
        return f"{SHORT[self.name]} {shown} (from '{self.phrase}'; measured values only, " \
               "QC-flagged ones never pass)"


def _shown(value: float) -> str:
    return f"{value:g}"


def _side(value: float, strict: str, inclusive: str, up: bool = False) -> str:
    """A bound moved by half a step was written strict: show it as the user wrote it."""
    moved = value - _HALF_STEP if up else value + _HALF_STEP
    if abs(round(moved, 1) - moved) < 1e-9:
        return f"{strict} {_shown(round(moved, 1))}"
    return f"{inclusive} {_shown(value)}"


def _check_unit(name: str, unit: str | None, phrase: str) -> None:
    if unit and unit.lower() not in _UNITS[name]:
        raise QueryError(f"'{phrase}': {SHORT[name]} is measured in {UNIT[name]}, not {unit}")


def _bound(match: re.Match[str]) -> Bound:
    name = _NAME_TO[re.sub(r"[\s-]+", " ", match.group("name").lower())]
    phrase = " ".join(match.group(0).split())
    for key in ("low_unit", "high_unit", "unit", "from_unit", "to_unit"):
        _check_unit(name, match.group(key), phrase)
    if match.group("compare") is None:
        first, second = ("low", "high") if match.group("low") else ("from", "to")
        low, high = sorted((float(match.group(first)), float(match.group(second))))
        return Bound(name, low, high, phrase)
    word = " ".join(match.group("compare").lower().split())
    value = float(match.group("value"))
    if word in _BELOW_STRICT:
        return Bound(name, None, round(value - _HALF_STEP, 2), phrase)
    if word in _BELOW:
        return Bound(name, None, value, phrase)
    if word in _ABOVE_STRICT:
        return Bound(name, round(value + _HALF_STEP, 2), None, phrase)
    return Bound(name, value, None, phrase)


def read_numbers(text: str) -> tuple[tuple[Bound, ...], str]:
    """The measurement ranges a query states, and the query without those phrases. Two
    phrases on one measurement ("EF over 20 and EF below 35") narrow it to both."""
    bounds = [_bound(m) for m in _PATTERN.finditer(text)]
    rest = " ".join(_PATTERN.sub(" ", text).split())
    merged: dict[str, Bound] = {}
    for b in bounds:
        seen = merged.get(b.name)
        if seen is None:
            merged[b.name] = b
            continue
        low = max((v for v in (seen.low, b.low) if v is not None), default=None)
        high = min((v for v in (seen.high, b.high) if v is not None), default=None)
        merged[b.name] = Bound(b.name, low, high, f"{seen.phrase}; {b.phrase}")
    return tuple(merged.values()), rest


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
