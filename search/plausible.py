"""What a heart can measure: the physiological range of each measurement searched by number.

A bound past its ends is no clinical question: "wall thickness over 15 cm" matched no study
and said nothing, "LVEDV > 0.2" (ml) let every study through. `search.unread` says so. And a
number written without its unit that no heart has in the stored unit, but many have in the
other unit the measurement is commonly written in, is read in that one: "max wall thickness
>= 1.5" is 1.5 cm (it was read as 1.5 mm, a wall no heart has).
"""

from __future__ import annotations

from enum import StrEnum

# The ends, in each measurement's stored unit, from newborns to the largest diseased adult
# hearts; deliberately wide, so that only a slip (a wrong unit, a wrong number) falls outside.
# The adult normal ranges (Kawel-Boehm et al., J Cardiovasc Magn Reson 2020;22:87, as
# `cmr_search.normals.REFERENCE`, mean +- 1.96 SD over both sexes) lie well inside:
# - max wall thickness: normal 5.3-11.9 mm; HCM from 15 mm, "massive" from 30 mm (ESC 2014
#   HCM guideline, Elliott PM et al., Eur Heart J 2014;35:2733-79), case reports describe
#   walls beyond 50 mm; a newborn's wall is about 3 mm, and no heart's thickest segment is
#   thinner. 3-60 mm.
# - LV and RV end-diastolic volume: normal 87-247 ml; a newborn's about 10 ml (BSA about
#   0.2 m2), the most dilated adult ventricles about 500-600 ml. 5-1000 ml.
# - indexed volumes: normal 54-118 ml/m2; severe dilation about 200-300 ml/m2. 15-400 ml/m2.
# - LV mass: normal 56-157 g; a newborn's about 10 g, massive hypertrophy about 500-600 g.
#   5-1000 g. Indexed: normal 34-76 g/m2, massive hypertrophy about 200-250 g/m2. 15-400.
# Ejection fractions and scar burden are percentages: their scale's ends (0-100 %) are
# checked where they are read (`search.numbers`).
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "max_wall_thickness": (3.0, 60.0),
    "lv_edv": (5.0, 1000.0), "rv_edv": (5.0, 1000.0),
    "lv_edv_index": (15.0, 400.0), "rv_edv_index": (15.0, 400.0),
    "lv_mass": (5.0, 1000.0), "lv_mass_index": (15.0, 400.0),
}
# the other unit a clinician writes a measurement in, and its factor to the stored one: a
# wall thickness in cm (echocardiography reports it so: "septum 1.5 cm"). Not LV mass in kg
# nor volumes in litres: no report writes them so, and a unitless "LV mass over 0.2" is as
# likely a slip as 0.2 kg; it is said to be outside the range, not guessed.
_OTHER_UNIT: dict[str, tuple[str, float]] = {"max_wall_thickness": ("cm", 10.0)}


def other_unit(name: str, values: list[float]) -> tuple[str, float] | None:
    """The unit (and its factor to the stored unit) to read a phrase's unitless numbers in:
    where none of them is a value any heart has in the stored unit and every one is in the
    other ("wall thickness between 1.2 and 1.5": cm). None where the stored unit reads one
    of them, or the other unit reads none better."""
    if name not in _OTHER_UNIT or not values:
        return None
    low, high = PLAUSIBLE[name]
    unit, factor = _OTHER_UNIT[name]
    if all(not low <= v <= high and low <= v * factor <= high for v in values):
        return unit, factor
    return None


class Outside(StrEnum):
    """How a range on a measurement meets its physiological range."""

    NONE = "none"  # the two do not meet: no study can match
    EVERY = "every"  # the range holds all of it: it leaves no study out
    LOW_END = "low_end"  # its lower end is below the physiological one (the upper one is not)
    HIGH_END = "high_end"


def outside(name: str, low: float | None, high: float | None) -> Outside | None:
    """Where a range (in the stored unit, None: open) leaves the physiological one, or None
    where both its ends are values a heart has (or the measurement has no such range)."""
    if name not in PLAUSIBLE:
        return None
    least, most = PLAUSIBLE[name]
    if (low is not None and low > most) or (high is not None and high < least):
        return Outside.NONE
    open_low, open_high = low is None or low < least, high is None or high > most
    if open_low and open_high:
        return Outside.EVERY
    if low is not None and low < least:
        return Outside.LOW_END
    if high is not None and high > most:
        return Outside.HIGH_END
    return None
