"""The studies a QC-flagged value left out of a search: a flagged value never passes a range
(rightly: it is uncertain), and "LVEF under 30 %" left out 4 such studies without a word. Per
measurement the query or the form bounds, per "or" of the query's ranges, and of studies
flagged on two or more of the measurements bounded; each a notice (`search.notices`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from itertools import combinations

from catalog import FILTERABLE, PayloadField, measurement_key
from search.filters import SearchFilters
from search.measure_words import SHORT
from search.models import Notice, NoticeKind, Page
from search.numbers import Bound, bound_fields
from search.understand import QueryIntent
from vectorstore import Filter, Match, MatchAny, Range, VectorStore, any_of

Ends = tuple[float | None, float | None]
# the query's store filter for an intent and the form's filters (`SearchEngine._where`)
WhereFor = Callable[[QueryIntent, SearchFilters], Filter]


def flagged_left_out(store: VectorStore, intent: QueryIntent, filters: SearchFilters,
                     where_for: WhereFor, clashing: set[str], page: Page) -> list[Notice]:
    """Per measurement the query or the form bounds, per "or" of ranges, and of several
    measurements at once: the studies that would match but for a QC flag on their value in
    range. Counted in patients where the results are one per patient, as their total is."""
    asked = bound_fields(intent.bounds)
    form = filters.measured_ranges()
    ranges: dict[str, Ends] = {}
    for name in sorted({*(n for n in FILTERABLE if any(k in asked for k in keys(n))), *form}):
        ends = meet(_ends(asked, name), form.get(name, (None, None)))
        if ends is not None and not any(k in clashing for k in keys(name)):
            ranges[name] = ends
    out = []
    for name, ends in ranges.items():
        # every other measurement's value clean: a study flagged on two counts below
        rest = where_for(dataclasses.replace(
            intent, bounds=tuple(b for b in intent.bounds if b.name != name)),
            filters.model_copy(update=dict.fromkeys(keys(name))))
        count = _left_out(store, rest, _flagged(name, ends), page, where_for(intent, filters))
        if count:
            shown = Bound(name, ends[0], ends[1], "").shown()
            out.append(_notice(f"a QC-flagged {SHORT[name]}", "this range", shown, count, page,
                               [k for k, v in zip(keys(name), ends, strict=True)
                                if v is not None]))
    out += _flagged_together(store, intent, filters, where_for, page, ranges)
    for group in intent.either_bounds:
        out += _flagged_either(store, intent, filters, where_for, clashing, page, group)
    return out


def _flagged_together(store: VectorStore, intent: QueryIntent, filters: SearchFilters,
                      where_for: WhereFor, page: Page, ranges: dict[str, Ends]) -> list[Notice]:
    """The studies every bounded value of which is in its range, clean or flagged, two or
    more of them flagged: each measurement's count asks the others clean, and a study flagged
    on both LVEF and LVEDVi fell into no notice (4 ACDC patients for "LVEF below 35 % and
    LVEDVi above 100")."""
    if len(ranges) < 2:
        return []
    asked = [b.name for b in intent.bounds]  # in the query's order, then the form's
    names = sorted(ranges, key=lambda n: (asked.index(n) if n in asked else len(asked), n))
    rest = where_for(dataclasses.replace(
        intent, bounds=tuple(b for b in intent.bounds if b.name not in ranges)),
        filters.model_copy(update=dict.fromkeys(k for n in names for k in keys(n))))
    in_range = Filter(tuple(Range(measurement_key(FILTERABLE[n]), *ranges[n]) for n in names))
    two = any_of([Filter((Match(PayloadField.FLAGGED_MEASUREMENTS, FILTERABLE[a].value),
                          Match(PayloadField.FLAGGED_MEASUREMENTS, FILTERABLE[b].value)))
                  for a, b in combinations(names, 2)])
    count = _left_out(store, rest, in_range.and_(two), page, where_for(intent, filters))
    if not count:
        return []
    shorts = [SHORT[n] for n in names]
    what = f"QC-flagged values of {'both ' if len(names) == 2 else 'two or more of '}" \
           f"{', '.join(shorts[:-1])} and {shorts[-1]}"
    shown = " and ".join(Bound(n, *ranges[n], "").shown() for n in names)
    return [_notice(what, "these ranges", shown, count, page,
                    [k for n in names for k, v in zip(keys(n), ranges[n], strict=True)
                     if v is not None], values=True)]


def _flagged_either(store: VectorStore, intent: QueryIntent, filters: SearchFilters,
                    where_for: WhereFor, clashing: set[str], page: Page,
                    group: tuple[Bound, ...]) -> list[Notice]:
    """An "or" of ranges ("LVEF below 35 or above 60"): the studies a QC-flagged value in one
    of its ranges left out, none of its ranges met by a clean value (it counted none). The
    form's range of each of its measurements still holds, flagged or clean: "LVEF below 35 or
    LVEDVi above 100" with the form's LVEF from 50 counted a study of LVEF 30 %."""
    names = sorted({b.name for b in group})
    if any(k in clashing for n in names for k in keys(n)):
        return []
    form = filters.measured_ranges()
    sides = [(b, ends) for b in group
             if (ends := meet((b.low, b.high), form.get(b.name, (None, None)))) is not None]
    if not sides:
        return []
    rest = where_for(dataclasses.replace(
        intent, either_bounds=tuple(g for g in intent.either_bounds if g != group)),
        filters.model_copy(update=dict.fromkeys(k for n in names for k in keys(n))))
    in_form = Filter(tuple(Range(measurement_key(FILTERABLE[n]), *form[n])
                           for n in names if n in form))
    clean = [Filter((Range(measurement_key(FILTERABLE[b.name]), *ends),),
                    (Match(PayloadField.FLAGGED_MEASUREMENTS, FILTERABLE[b.name].value),))
             for b, ends in sides]
    flagged = any_of([_flagged(b.name, ends) for b, ends in sides]).and_(
        Filter(must_not=(any_of(clean),))).and_(in_form)
    count = _left_out(store, rest, flagged, page, where_for(intent, filters))
    if not count:
        return []
    shown = " or ".join(Bound(b.name, *ends, "").shown() for b, ends in sides)
    what = " or ".join(dict.fromkeys(SHORT[b.name] for b, _ in sides))
    return [_notice(f"a QC-flagged {what}",
                    "one of these ranges" if len(sides) > 1 else "this range", shown, count,
                    page, sorted({f"{b.name}_{side}" for b, _ in sides
                                  for side in ("min", "max")}))]


def _flagged(name: str, ends: Ends) -> Filter:
    """`name`'s value in `ends` and QC-flagged."""
    measure = FILTERABLE[name]
    return Filter((Range(measurement_key(measure), ends[0], ends[1]),
                   Match(PayloadField.FLAGGED_MEASUREMENTS, measure.value)))


def _left_out(store: VectorStore, rest: Filter, flagged: Filter, page: Page,
              found: Filter) -> int:
    """The studies `rest` and `flagged` hold; with one result per patient, their patients
    none of whose studies is found (the total counts patients: 3 flagged studies of one
    patient read as "3 more" beside "2 studies (one per patient)")."""
    where = rest.and_(flagged)
    if not page.per_patient:
        return store.count(where)
    patients = {str(h.payload.get(PayloadField.PATIENT_KEY) or h.id)
                for h in store.scroll([PayloadField.PATIENT_KEY.value], where)}
    if not patients:
        return 0
    shown = {str(h.payload.get(PayloadField.PATIENT_KEY)) for h in store.scroll(
        [PayloadField.PATIENT_KEY.value],
        found.and_(Filter((MatchAny(PayloadField.PATIENT_KEY, tuple(sorted(patients))),))))}
    return len(patients - shown)


def _notice(what: str, ranges: str, shown: str, count: int, page: Page, about: list[str],
            values: bool = False) -> Notice:
    """"`count` more studies have `what` in `ranges` (`shown`)": `values`, where each has
    several flagged."""
    unit = "patient" if page.per_patient else "study"
    has = f"{unit} has" if count == 1 else f"{'patients' if page.per_patient else 'studies'} have"
    uncertain = "its value is" if count == 1 and not values else \
        f"{'its' if count == 1 else 'their'} values are"
    return Notice(kind=NoticeKind.QC_FLAGGED, count=count, about=about,
                  text=f"{count} more {has} {what} in {ranges} ({shown}): not shown, as "
                       f"{uncertain} uncertain")


def keys(name: str) -> tuple[str, str]:
    """A measurement's two fields of the filter form."""
    return f"{name}_min", f"{name}_max"


def _ends(fields: dict[str, float], name: str) -> Ends:
    return fields.get(f"{name}_min"), fields.get(f"{name}_max")


def meet(*ranges: Ends) -> Ends | None:
    """The values every range holds (None where there are none)."""
    lows = [low for low, _ in ranges if low is not None]
    highs = [high for _, high in ranges if high is not None]
    low, high = max(lows, default=None), min(highs, default=None)
    return None if low is not None and high is not None and low > high else (low, high)


__all__ = ["Ends", "WhereFor", "flagged_left_out", "keys", "meet"]
