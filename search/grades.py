"""Which grades answer a finding asked with one ("severe LV dysfunction"), and the studies whose
report or QC-clean measurements grade it otherwise, which are left out.

A grade asked of a finding is answered by that grade and the next worse one, the asked one
ranked first (`search.signals`): "severe" is severe only, "moderate" moderate or severe, "mild"
mild or moderate (a severely dilated heart is no answer to "mildly dilated LV"). The grade used
to be dropped from the measured signal, and "severely dilated LV" listed moderately dilated
hearts above severe ones.

A study whose clean measurements grade the finding normal answers the grade no better than one
they grade milder: only the abnormal grades were left out, and "severe LV dysfunction" kept
hearts measured with an LVEF of 68 % while it left out those measured at 45 %. A QC-flagged
value grades nothing (`indexer.findings`): its study is neither kept nor left out for it, and
is ranked by the other signals, as is a study never measured.
"""

from __future__ import annotations

from catalog import FindingSource, PayloadField, measured_severity_key
from cmr_search.normals import RULES
from cmr_search.vocab import Finding, Severity
from vectorstore import Condition, Filter, Match, MatchAny

GRADES = (Severity.MILD, Severity.MODERATE, Severity.SEVERE)


def grades_near(grade: Severity | None) -> tuple[str, ...]:
    """The grades that answer one asked for (every grade when none is), mildest first."""
    return tuple(g.value for g in GRADES
                 if grade not in GRADES or 0 <= g.rank - grade.rank <= 1)


def far(grade: Severity | None) -> tuple[str, ...]:
    """The abnormal grades that do not answer one asked for: a study graded so is left out."""
    return tuple(g.value for g in GRADES
                 if grade in GRADES and g.value not in grades_near(grade))


def measured_otherwise(finding: Finding, grade: Severity | None) -> tuple[Condition, ...]:
    """The studies whose measurements grade `finding` neither `grade` nor the next worse one:
    a grade `far` from it, or, where the QC-clean measurements decided the finding, normal (no
    grade stored). Nothing when no grade is asked or the measurements do not grade the finding."""
    if grade not in GRADES or finding not in RULES:
        return ()
    graded_far = (MatchAny(measured_severity_key(finding), far(grade)),) if far(grade) else ()
    # the measurements decide a finding only from clean values (`indexer.findings.decide`)
    source = f"{PayloadField.IMAGE_FINDING_SOURCE}.{finding.value}"
    return (*graded_far, Filter((Match(source, FindingSource.MEASUREMENTS.value),),
                                (MatchAny(measured_severity_key(finding), grades_near(grade)),)))


def _listed(words: tuple[str, ...]) -> str:
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


def left_out_words(grade: Severity) -> str:
    """What a grade asked leaves out, in the interpretation's words: "graded mild or moderate
    by its report, or normal, mild or moderate by its QC-clean measurements ..."."""
    return (f"a study graded {_listed(far(grade))} by its report, or "
            f"{_listed(('normal', *far(grade)))} by its QC-clean measurements (where it has no "
            "report), is left out; a QC-flagged or missing measurement leaves a study in, "
            "ranked by the other signals")
