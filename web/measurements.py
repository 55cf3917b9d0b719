"""The study page's measurements: each value with its reference range, its flag and its QC,
and the LV and RV volume curves as an SVG polyline (no plotting library in the page)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cmr_search.normals import LABELS, RULES, impossible, reference_range, sex_of
from cmr_search.qc import qc_words
from cmr_search.vocab import Finding, Measure

# the table's rows, in the order a CMR report lists them
SHOWN = (Measure.LVEDV, Measure.LVEDVI, Measure.LVESV, Measure.LVESVI, Measure.LVEF,
         Measure.LV_MASS, Measure.LV_MASSI, Measure.MAX_WALL_THICKNESS, Measure.HYPOKINETIC_WALL,
         Measure.RVEDV,
         Measure.RVEDVI, Measure.RVESV, Measure.RVESVI, Measure.RVEF, Measure.SCAR,
         Measure.BSA)


@dataclass(frozen=True)
class Row:
    """One measurement as the page shows it."""

    label: str
    value: str
    unit: str
    reference: str  # "41-81" or "" where no range is published
    flag: str  # "low", "high", "normal" or ""
    qc: str  # the QC flags doubting the value, comma-separated
    measurable: bool = True  # False: no heart has the value; `value` says "not measurable"


NOT_MEASURABLE = "not measurable"

def measurement_rows(payload: dict[str, Any]) -> list[Row]:
    """Every measured value of a payload, with the range for the study's sex (both sexes'
    union when unknown). A value no heart has (`impossible`: an RVEF of -8.4 %; null as a
    search gives it out, `search.results.given_measurements`) is "not measurable", with the QC
    flags that say why, and no low or high: shown as a number, and "low", it read as a severe
    finding with a doubt beside it."""
    values: dict[str, float | None] = payload.get("measurements") or {}
    flags: dict[str, list[str]] = payload.get("measurement_flags") or {}
    sex = sex_of(payload.get("sex"))
    rows = []
    for measure in SHOWN:
        if measure.value not in values:
            continue
        value = values[measure.value]
        limits = reference_range(measure, sex)
        reference = f"{limits[0]:g}–{limits[1]:g}" if limits else ""
        qc = ", ".join(qc_words(f) for f in flags.get(measure.value, []))
        label = LABELS.get(measure, measure.value)
        if value is None or impossible(measure, value):
            rows.append(Row(label, NOT_MEASURABLE, measure.unit, reference, "",
                            qc or "no heart has this value", measurable=False))
            continue
        flag = ""
        if limits is not None:
            flag = "low" if value < limits[0] else "high" if value > limits[1] else "normal"
        rows.append(Row(label, f"{value:g}", measure.unit, reference, flag, qc))
    return rows


# why a measured study can lack a value a finding is graded by, where QC flags do not say
_WHY_MISSING = {Measure.HYPOKINETIC_WALL: "regional motion cannot be told where no part of the "
                "wall contracts (global hypokinesis), nor from fewer than two short-axis "
                "slices"}


def unmeasured(finding: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    """(what, why) a finding the measurements grade has no grade on this study, or None where
    it has one (or no measurement grades it). A study whose hypokinetic wall could not be
    measured read "Regional wall motion abnormality: not modelled"; it is modelled, and was
    not measurable there."""
    rules = RULES.get(Finding(finding), ()) if finding in set(Finding) else ()
    if not rules:
        return None
    if payload.get("measurement_status") != "measured":
        return "not measured for this study", "see Measurements"
    values = payload.get("measurements") or {}
    if any(values.get(rule.measure.value) is not None for rule in rules):
        return None  # graded: its evidence says how
    flags = payload.get("measurement_flags") or {}
    said = [qc_words(f) for rule in rules for f in flags.get(rule.measure.value, [])]
    measure = rules[0].measure
    why = ", ".join(said) or _WHY_MISSING.get(measure) or "no value"
    return "not measurable for this study", f"{LABELS.get(measure, measure.value)}: {why}"


# what a result card shows of a heart, short: the numbers a reader compares cases by first
_ON_CARD = ((("LVEF", Measure.LVEF),), (("LVEDVi", Measure.LVEDVI), ("LVEDV", Measure.LVEDV)),
            (("LV mass", Measure.LV_MASS),), (("wall", Measure.MAX_WALL_THICKNESS),),
            (("RVEF", Measure.RVEF),))


@dataclass(frozen=True)
class CardValue:
    label: str
    value: str  # with its unit, or "not measurable" (no heart has it)
    uncertain: bool  # a QC check doubts it: shown as uncertain, never as fact
    measurable: bool = True


def whole(value: float) -> str:
    """`value` to a whole number, halves away from zero as a reader rounds: Python rounds a
    half to the even number (f"{18.5:.0f}" is "18"), and a card read "LVEF 18 %" beside the
    badge "measured LVEF 18.5 %"."""
    if not math.isfinite(value):
        return str(value)
    return str(int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def card_values(measurements: dict[str, float | None],
                flagged: list[str]) -> list[CardValue]:
    """A result card's line of numbers ("LVEF 16 % · LVEDVi 142 ml/m² · ..."): cases without
    a report (a research archive's) were "undated · ? y" and nothing else, one like the next.
    A null value was measured and is not measurable (no heart has what it read)."""
    out = []
    for choices in _ON_CARD:
        for label, measure in choices:
            if measure.value not in measurements:
                continue
            value = measurements[measure.value]
            if value is None or impossible(measure, value):
                out.append(CardValue(label, NOT_MEASURABLE, True, measurable=False))
            else:
                out.append(CardValue(label, f"{whole(value)} {measure.unit}",
                                     measure.value in flagged))
            break
    return out


def curve_points(curves: dict[str, Any] | None, width: int = 320,
                 height: int = 140) -> dict[str, str]:
    """SVG polyline points of the LV and RV volume curves (ml over the phases), scaled to one
    box with a common volume axis; empty when fewer than two phases were measured."""
    if not curves:
        return {}
    series = {k: list(curves.get(k) or []) for k in ("lv_ml", "rv_ml")}
    longest = max(len(v) for v in series.values())
    top = max((max(v) for v in series.values() if v), default=0.0)
    if longest < 2 or top <= 0:
        return {}
    out = {}
    for name, values in series.items():
        out[name] = " ".join(
            f"{i * width / (longest - 1):.1f},{height - v * height / (top * 1.1):.1f}"
            for i, v in enumerate(values))
    out["top_ml"] = whole(top * 1.1)
    # where the measured ED and ES are: not always the first phase and the curve's lowest
    # (ED read from the ECG trigger, ES where both ventricles are smallest together)
    for key in ("ed", "es"):
        index = curves.get(key)
        if isinstance(index, int) and 0 <= index < longest:
            out[f"{key}_x"] = f"{index * width / (longest - 1):.1f}"
    return out
