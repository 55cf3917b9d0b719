"""How a query names the measurements it filters on, their units and the words that compare a
measurement with a number (`search.numbers` reads the phrases they make)."""

from __future__ import annotations

import re

# how a query may name each filterable measurement (longest first wins in the pattern)
NAMES: dict[str, tuple[str, ...]] = {
    "lvef": ("lvef", "lv ef", "lv ejection fraction", "left ventricular ejection fraction",
             "ejection fraction", "ef"),
    "rvef": ("rvef", "rv ef", "rv ejection fraction", "right ventricular ejection fraction"),
    "lv_edv": ("lvedv", "lv edv", "lv end-diastolic volume",
               "left ventricular end-diastolic volume"),
    "rv_edv": ("rvedv", "rv edv", "rv end-diastolic volume",
               "right ventricular end-diastolic volume"),
    "lv_edv_index": ("lvedvi", "lvedv index", "lv edv index", "indexed lvedv",
                     "indexed lv edv", "lv end-diastolic volume index",
                     "indexed lv end-diastolic volume"),
    "rv_edv_index": ("rvedvi", "rvedv index", "rv edv index", "indexed rvedv",
                     "indexed rv edv", "rv end-diastolic volume index",
                     "indexed rv end-diastolic volume"),
    "lv_mass": ("lv mass", "lv myocardial mass", "left ventricular mass", "myocardial mass",
                "lvm"),
    "lv_mass_index": ("lvmi", "lv mass index", "indexed lv mass", "lv myocardial mass index",
                      "left ventricular mass index", "indexed lv myocardial mass"),
    "max_wall_thickness": ("maximal wall thickness", "maximum wall thickness",
                           "max wall thickness", "wall thickness", "mwt"),
    # only before a number: "LGE over 10 %" is its burden, "no LGE" is left to the words
    "scar": ("scar burden", "lge burden", "scar extent", "scar", "lge",
             "late gadolinium enhancement"),
}
PER_M2 = ("ml/m2", "ml/m²", "ml/m^2", "g/m2", "g/m²", "g/m^2")
UNITS: dict[str, tuple[str, ...]] = {
    "lvef": ("%", "percent"), "rvef": ("%", "percent"), "lv_edv": ("ml",), "rv_edv": ("ml",),
    "lv_edv_index": PER_M2[:3], "rv_edv_index": PER_M2[:3],
    "lv_mass": ("g", "grams", "gram"), "lv_mass_index": PER_M2[3:],
    "max_wall_thickness": ("mm",), "scar": ("%", "percent")}
# a unit the measurement is not stored in, converted: "wall thickness over 1.5 cm"
CONVERTED: dict[tuple[str, str], float] = {
    ("mm", "cm"): 10.0, ("ml", "l"): 1000.0, ("ml", "litres"): 1000.0, ("ml", "liters"): 1000.0}
# a per-m2 unit names the indexed measurement: "LV mass over 80 g/m2" is the LV mass index
INDEXED = {"lv_mass": "lv_mass_index", "lv_edv": "lv_edv_index", "rv_edv": "rv_edv_index"}
PERCENTAGES = ("lvef", "rvef", "scar")
SHORT: dict[str, str] = {"lvef": "LVEF", "rvef": "RVEF", "lv_edv": "LVEDV", "rv_edv": "RVEDV",
                         "lv_edv_index": "LVEDVi", "rv_edv_index": "RVEDVi",
                         "lv_mass": "LV mass", "lv_mass_index": "LV mass index",
                         "max_wall_thickness": "max wall thickness", "scar": "scar burden"}
UNIT: dict[str, str] = {"lvef": "%", "rvef": "%", "lv_edv": "ml", "rv_edv": "ml",
                        "lv_edv_index": "ml/m²", "rv_edv_index": "ml/m²", "lv_mass": "g",
                        "lv_mass_index": "g/m²", "max_wall_thickness": "mm", "scar": "%"}
# comparison words -> (side, strict)
BELOW_STRICT = ("below", "under", "less than", "lower than", "smaller than", "<")
BELOW = ("at most", "up to", "no more than", "not above", "<=", "≤", "less than or equal to",
          "equal to or less than", "equal to or below", "at or below", "at or under",
          "not more than", "not over", "not greater than", "no greater than", "not higher than",
          "no higher than", "not exceeding")
ABOVE_STRICT = ("above", "over", "greater than", "more than", "higher than", "exceeding",
                 "larger than", ">")
ABOVE = ("at least", "no less than", "not below", ">=", "≥", "greater than or equal to",
          "more than or equal to", "equal to or greater than", "equal to or more than",
          "equal to or above", "at or above", "at or over", "not less than", "not under",
          "not lower than", "no lower than")
# "35 % or less", "150 g and above": the number's own side, inclusive
OR_LESS = ("less", "lower", "below", "under", "smaller", "fewer")
OR_MORE = ("more", "greater", "higher", "above", "over", "larger")
# every unit a query may write after a number, so that a wrong one is refused, not left over
ANY_UNIT = ("%", "percent", *PER_M2, "mm", "cm", "ml", "litres", "liters", "l", "kg",
             "grams", "gram", "g")


def alternatives(words: tuple[str, ...] | list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
                    for w in ordered)


# names that count as a measurement only with a % after the number: "LGE over 10 %" is its
# burden, "LGE over 3 segments" or "LGE 2019-2021" are words
PERCENT_ONLY = frozenset(("lge", "late gadolinium enhancement"))


NAME_TO = {name.replace("-", " "): key for key, names in NAMES.items() for name in names}
COMPARE = alternatives([*BELOW_STRICT, *BELOW, *ABOVE_STRICT, *ABOVE])


# a value asked for as such ("LVEF = 30 %", "LVEF ~30 %", "EF about 30"): one near it, as
# close as one measurement of it is to the next (CMR's LVEF repeats within a few points, a
# volume or a mass within about a tenth); the range a bare value's note suggests
# (`search.unread`), where a bare value ("LVEF 30 %", as a pasted report writes it) stays words
NEAR = alternatives(("=", "==", "equals", "equal to", "is equal to", "~", "≈", "about",
                     "around", "approximately", "approx.", "approx", "roughly", "circa"))


def near_step(name: str, value: float) -> float:
    """How far a value "near" `value` of measurement `name` may be, each way."""
    return 5.0 if UNIT[name] == "%" else max(1.0, round(value * 0.1))


# quotes around a measurement's name, as a query pasted from a document writes it ('"LVEF" <
# 35 %', "“LVEF” < 35 %"): the name was left to the words and its range read as nothing
_QUOTES = "\"'`\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb\u2032\u2033"
_QUOTED = re.compile(rf"(?<![a-z0-9])[{_QUOTES}]\s*+(?:{alternatives(list(NAME_TO))})\s*+"
                     rf"[{_QUOTES}](?![a-z0-9])", re.IGNORECASE)


def unquoted(text: str) -> str:
    """`text` with the quotes around a measurement's name as spaces (its length kept)."""
    return _QUOTED.sub(lambda m: f" {m[0][1:-1]} ", text)
