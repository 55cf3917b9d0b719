"""What the measurements say to a query: the studies whose graded findings show what the
query names or what a diagnosis it names means in cine measurements.

A real study's video vector may not know a dilated LV from a normal one; its measured LVEF
and volumes do (bench/real_retrieval.py). Only trusted values grade findings
(indexer.findings), and a criterion that needs a finding absent also needs the values that
would grade it clean, so a QC-flagged value never lets a study in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from catalog import (
    FindingSource,
    PayloadField,
    ReportStatus,
    measured_severity_key,
    measurement_key,
)
from cmr_search.normals import RULES
from cmr_search.vocab import Diagnosis, Finding, Severity
from search.grades import grades_near
from search.understand import QueryIntent, intent_filter
from vectorstore import Condition, Filter, Match, MatchAny, Range, any_of

# findings the cine measurements grade (LGE needs an LGE stack, which most studies lack)
CINE_FINDINGS = tuple(f for f in RULES if f is not Finding.LGE)


@dataclass(frozen=True)
class Criteria:
    """A diagnosis in cine measurements: findings shown (`marked`: at least moderately) and
    findings absent."""

    shown: tuple[Finding, ...] = ()
    marked: tuple[Finding, ...] = ()
    absent: tuple[Finding, ...] = ()


# the guidelines' and ACDC's criteria: DCM a dilated, poorly contracting LV; HCM a wall of 15 mm
# or more (the moderate grade) in an LV neither dilated nor failing; a prior infarct a wall that
# barely moves while the rest contracts (regional, where DCM's hypokinesis is global); ARVC a
# dilated, failing RV
DIAGNOSES: dict[Diagnosis, Criteria] = {
    Diagnosis.DCM: Criteria(shown=(Finding.LV_DILATION, Finding.LV_SYSTOLIC_DYSFUNCTION)),
    Diagnosis.HCM: Criteria(marked=(Finding.LV_HYPERTROPHY,),
                            absent=(Finding.LV_DILATION, Finding.LV_SYSTOLIC_DYSFUNCTION)),
    Diagnosis.ISCHEMIC: Criteria(shown=(Finding.REGIONAL_WALL_MOTION_ABNORMALITY,)),
    Diagnosis.ARVC: Criteria(shown=(Finding.RV_DILATION, Finding.RV_SYSTOLIC_DYSFUNCTION)),
    Diagnosis.PULMONARY_HYPERTENSION: Criteria(shown=(Finding.RV_DILATION,)),
    Diagnosis.NORMAL: Criteria(absent=CINE_FINDINGS),
}


# regional wall motion needs a few slices at both phases to be measured at all; where it could
# not be, the global numbers alone say whether the heart is normal
_MAY_BE_UNMEASURED = (Finding.REGIONAL_WALL_MOTION_ABNORMALITY,)


def _absent(findings: tuple[Finding, ...]) -> tuple[list[Condition], list[Condition]]:
    """None of `findings` graded, and every value that would grade them there and clean."""
    measures = sorted({rule.measure.value for f in findings for rule in RULES[f]})
    # the last rule of a finding is its fallback (an absolute volume where BSA is unknown)
    present: list[Condition] = [Range(measurement_key(RULES[f][-1].measure), 0.0, None)
                                for f in findings if f not in _MAY_BE_UNMEASURED]
    return present, [MatchAny(PayloadField.FLAGGED_MEASUREMENTS, tuple(measures)),
                     MatchAny(PayloadField.MEASURED_FINDINGS, tuple(f.value for f in findings))]


def measured_match(intent: QueryIntent) -> Filter | None:
    """Studies whose measurements meet every cine finding the query names and the criteria of
    every diagnosis it names (None when the query names neither); with an "or", those of one
    side at least, of the sides the measurements can judge."""
    if not intent.any_of:
        return _meets(intent.wanted, intent.diagnoses)
    sides = [m for a in intent.any_of
             if (m := _meets(dict.fromkeys(a.findings), a.diagnoses)) is not None]
    return any_of(sides) if sides else None


def query_filter(intent: QueryIntent, use_reports: bool, use_images: bool) -> Filter:
    """What the query's words and numbers exclude (`intent_filter`), and where the images are
    read, the report-less studies whose measurements meet a diagnosis it rules out."""
    where = intent_filter(intent, use_reports, use_images)
    return where.and_(ruled_out_by_measures(intent, use_reports)) if use_images else where


def ruled_out_by_measures(intent: QueryIntent, use_reports: bool) -> Filter:
    """Studies without a report whose measurements meet a diagnosis the query rules out ("not
    DCM"): a report's stated diagnosis excludes its study (`intent_filter`), and a report-less
    one was kept, DCM hearts first, as the text steers the images towards what it names. Where
    the reports are not read, every study is judged by its measurements. So are the studies
    whose images cannot rule out what the query does, for a QC flag (`_undecided`,
    `_may_meet`)."""
    no_report = Match(PayloadField.REPORT_STATUS, ReportStatus.MISSING.value)
    must_not: list[Condition] = []
    for diagnosis in intent.ruled_out_diagnoses:
        meets = _meets({}, (diagnosis,))
        if meets is None:
            continue
        for judged in (meets, _may_meet(DIAGNOSES[diagnosis])):
            must_not.append(Filter((no_report, *judged.must), judged.must_not) if use_reports
                            else judged)
    for finding in intent.ruled_out:
        if finding in RULES:
            undecided = _undecided(finding)
            must_not.append(Filter((no_report, undecided)) if use_reports else undecided)
    return Filter(must_not=tuple(must_not))


_MODERATE_OR_WORSE = (Severity.MODERATE.value, Severity.SEVERE.value)
# what decides an image finding, present or absent (an uncalibrated score decides nothing)
_DECIDED = (FindingSource.MEASUREMENTS.value, FindingSource.MODEL.value)


def _undecided(finding: Finding) -> Filter:
    """A QC-flagged value that would grade `finding`, and nothing that decided it (neither the
    clean values nor the model's calibrated probability). Its image findings lack it, so a
    query ruling it out ("normal LV size", "no LV dilation") let the study through as having
    none: ACDC's DCM hearts with a flagged LVEDVi of 124 and 162 ml/m² came back "not dilated".
    A report that rules it out still lets it through where the reports are read."""
    measures = tuple(sorted({rule.measure.value for rule in RULES[finding]}))
    source = f"{PayloadField.IMAGE_FINDING_SOURCE}.{finding.value}"
    return Filter((MatchAny(PayloadField.FLAGGED_MEASUREMENTS, measures),),
                  (MatchAny(source, _DECIDED),))


def _may_meet(criteria: Criteria) -> Filter:
    """Studies that may meet a diagnosis but for a QC flag: each criterion met or undecided,
    one undecided at least ("not DCM" returned ACDC's DCM hearts whose LV values are all
    flagged: they meet no criterion, and fail none)."""
    must: list[Condition] = [
        any_of([Filter((Match(PayloadField.MEASURED_FINDINGS, f.value),)), _undecided(f)])
        for f in criteria.shown]
    must += [any_of([Filter((MatchAny(measured_severity_key(f), _MODERATE_OR_WORSE),)),
                     _undecided(f)])
             for f in criteria.marked]
    findings = (*criteria.shown, *criteria.marked, *criteria.absent)
    must.append(any_of([_undecided(f) for f in findings]))
    # a finding the diagnosis needs absent, measured present, rules it out
    return Filter(tuple(must), tuple(Match(PayloadField.MEASURED_FINDINGS, f.value)
                                     for f in criteria.absent))


def _meets(findings: Mapping[Finding, Severity | None],
           diagnoses: tuple[Diagnosis, ...]) -> Filter | None:
    """The measured criteria; a grade a finding is asked in takes that grade and the next
    worse one (`understand.grades_near`; the grade was dropped here, and "severely dilated LV"
    ranked moderately dilated hearts above severe ones)."""
    wanted = {f: g for f, g in findings.items() if f in CINE_FINDINGS}
    criteria = [DIAGNOSES[d] for d in diagnoses if d in DIAGNOSES]
    if not wanted and not criteria:
        return None
    shown = dict(wanted) | {f: None for c in criteria for f in c.shown if f not in wanted}
    graded: dict[Finding, tuple[str, ...]] = {f: grades_near(g) for f, g in wanted.items()
                                              if g is not None and g is not Severity.NONE}
    for f in (f for c in criteria for f in c.marked):  # a diagnosis's marked finding
        graded[f] = tuple(g for g in graded.get(f, _MODERATE_OR_WORSE)
                          if g in _MODERATE_OR_WORSE)
    absent = tuple(dict.fromkeys(f for c in criteria for f in c.absent
                                 if f not in shown and f not in graded))
    must: list[Condition] = [Match(PayloadField.MEASURED_FINDINGS, f.value) for f in shown]
    must += [MatchAny(measured_severity_key(f), g) for f, g in graded.items()]
    must_not: list[Condition] = []
    if absent:
        present, excluded = _absent(absent)
        must += present
        must_not += excluded
    return Filter(tuple(must), tuple(must_not))
