"""The search filters in the pages' words: the filter form's labels, the filters a page
applies as a reader sees them ("LVEF from 50 %"), a refused filter said with the form's labels
("LVEF from 90 % is above LVEF to 10 %": the API's "lvef_min (90.0) is after lvef_max (10.0)"
named parameters nobody sees on a page), and the form as typed when a search is refused."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from starlette.datastructures import QueryParams

from search import FilterError, SearchFilters

# the measurement ranges of the filter form, in its order: (filter name, legend, unit)
RANGES = (("lvef", "LVEF", "%"), ("rvef", "RVEF", "%"),
          ("lv_edv_index", "LVEDV index", "ml/m²"), ("rv_edv_index", "RVEDV index", "ml/m²"),
          ("lv_mass", "LV mass", "g"), ("max_wall_thickness", "Max wall thickness", "mm"),
          ("scar", "Scar burden", "% of LV myocardium"))
# folded away under "More measurements": for studies without height and weight, or a
# report's own numbers
MORE_RANGES = (("lv_edv", "LVEDV", "ml"), ("rv_edv", "RVEDV", "ml"),
               ("lv_mass_index", "LV mass index", "g/m²"))
_OTHER_RANGES = (("age", "Age", "years"), ("field_strength", "Field strength", "T"),
                 ("image_score", "Image finding probability", ""))
_LISTS = {"report_findings": "Findings in the report",
          "report_negated": "Ruled out in the report", "image_findings": "Findings in the images",
          "diagnoses": "Diagnosis", "views": "Views present", "sex": "Sex", "vendor": "Vendor",
          "manufacturer": "Manufacturer"}
_REPORT = {"present": "with a report", "missing": "without a report"}
_SIDES = {"min": "from", "max": "to", "from": "from", "to": "to"}
FIELDS = tuple(SearchFilters.model_fields)
LIST_FIELDS = frozenset(name for name, field in SearchFilters.model_fields.items()
                        if typing.get_origin(field.annotation) is list)


def _range_of(field: str) -> tuple[str, str, str] | None:
    """(legend, side, unit) of a range's end ("lvef_min" -> LVEF, from, %)."""
    if field.startswith("study_date_"):
        return "Study date", _SIDES[field.rsplit("_", 1)[1]], ""
    stem, _, side = field.rpartition("_")
    for name, legend, unit in (*RANGES, *MORE_RANGES, *_OTHER_RANGES):
        if name == stem and side in _SIDES:
            return legend, _SIDES[side], unit.split(" ")[0]  # "% of LV myocardium": "%"
    return None


def field_words(field: str) -> str:
    """A filter field as the form labels it: "lvef_min" -> "LVEF from"."""
    ranged = _range_of(field)
    if ranged is not None:
        return f"{ranged[0]} {ranged[1]}"
    return _LISTS.get(field) or field.replace("_", " ").capitalize()


def _value_words(field: str, value: Any) -> str:
    """An end's value with its unit ("90 %"), as typed where it was typed."""
    ranged = _range_of(field)
    shown = _number(value)
    return f"{shown} {ranged[2]}" if ranged and ranged[2] else shown


def filter_message(error: FilterError, typed: SearchFilters) -> str:
    """A refused filter in the form's words, with the values as typed (`typed_filters`)."""
    if len(error.fields) == 2:  # a range the wrong way round
        low, high = error.fields
        word = "after" if low.startswith("study_date") else "above"
        return (f"{field_words(low)} {_value_words(low, getattr(typed, low, ''))} is {word} "
                f"{field_words(high)} {_value_words(high, getattr(typed, high, ''))}")
    message = str(error)
    if len(error.fields) == 1:  # "filter lvef_max: a percentage ..." -> "LVEF to: ..."
        field = error.fields[0]
        for said in (f"filter {field}: {field}: ", f"filter {field}: "):
            if message.startswith(said):
                return f"{field_words(field)}: {message.removeprefix(said)}"
    return message


def _pairs() -> list[tuple[str, str, str, str]]:
    """(legend, low field, high field, unit) of every range filter."""
    out = [("Study date", "study_date_from", "study_date_to", "")]
    for name, legend, unit in (*_OTHER_RANGES, *RANGES, *MORE_RANGES):
        out.append((legend, f"{name}_min", f"{name}_max", unit.split(" ")[0]))
    return out


def applied(filters: SearchFilters, label: Callable[[str], str]) -> list[str]:
    """Each filter a page applies, in words ("LVEF from 50 %", "LVEF 40–60 %", "Sex: Male")."""
    active = filters.active()
    out = []
    for name, values in active.items():
        if name in LIST_FIELDS:
            out.append(f"{field_words(name)}: {', '.join(label(v) for v in values)}")
        elif name == "report":
            out.append(f"Report: {_REPORT.get(values, values)}")
    for legend, low_field, high_field, bare_unit in _pairs():
        low, high = active.get(low_field), active.get(high_field)
        unit = f" {bare_unit}" if bare_unit else ""
        if low is not None and high is not None:
            out.append(f"{legend} {_number(low)}–{_number(high)}{unit}")
        elif low is not None:
            out.append(f"{legend} from {_number(low)}{unit}")
        elif high is not None:
            out.append(f"{legend} up to {_number(high)}{unit}")
    return out


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def as_typed(value: Any) -> str:
    """A range box's value as a person types it: "50", not the "50.0" it is read as (the
    next refusal quoted "LVEF from 50.0 %"); "" where unset."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def typed_filters(params: QueryParams) -> SearchFilters:
    """The filters as typed, unchecked (no number read, no range compared): a refused search
    keeps the user's values in the form (90 and 10 in the LVEF boxes were emptied)."""
    fields: dict[str, Any] = {}
    for name in FIELDS:
        values = [v[:64] for v in params.getlist(name) if v]
        if values:
            fields[name] = [part for v in values for part in v.split(",") if part] \
                if name in LIST_FIELDS else values[-1]
    return SearchFilters.model_construct(**fields)


def filter_pairs(params: QueryParams) -> list[tuple[str, str]]:
    """The query's filter parameters, as sent (for links that keep them)."""
    return [(k, v) for k, v in params.multi_items() if k in FIELDS and v != ""]
