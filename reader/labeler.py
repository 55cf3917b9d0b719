"""Report-derived findings: a rule-based labeler aware of negation and uncertainty.

In the spirit of NegEx and the CheXpert labeler: each sentence is searched for a finding's subject
and its abnormal or normal wording; negation and hedging cues in the same clause flip it to
negative or uncertain. The impression decides first; the findings section fills in what the
impression does not mention. Every label carries the sentence that decided it. The words a
ventricle's function and its wall's thickness are said in are `reader.wording`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from cmr_search.normals import grade
from cmr_search.vocab import Diagnosis, Finding, Measure, Severity
from reader.motion import REGIONAL_ONLY, RWMA_SUBJECT, NotRegional
from reader.negation import NEGATION as _NEGATION  # the cues both readers know
from reader.phrasing import as_reported, without_tissue
from reader.sides import (
    aspects_named,
    carried_on,
    carry_sides,
    said_of_its_side,
    side_named,
)
from reader.wording import (
    BAD_FUNCTION,
    BARE_EF,
    EF_BETTER,
    EF_WORSE,
    ELSEWHERE_THICKENING,
    FUNCTION,
    LV,
    LV_EF_NAME,
    LV_LOW,
    RV,
    RV_BAD_FUNCTION,
    RV_EF_NAME,
    RV_FUNCTION,
    RV_LOW,
    RV_WALL_ONLY,
    THICK,
    THICKENED,
    OtherThickening,
    SaidValues,
    ef_number,
    said_value,
    together,
)
from reader.written import normalised


class Mention(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNCERTAIN = "uncertain"
    NOT_MENTIONED = "not_mentioned"


@dataclass(frozen=True)
class ReportLabel:
    mention: Mention
    severity: Severity | None = None
    sentence: str = ""


class _Search(Protocol):
    def search(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class _Rule:
    subject: re.Pattern[str]
    abnormal: re.Pattern[str]
    normal: re.Pattern[str] | None = None
    unless: _Search | None = None  # a clause it finds is about something else
    # another structure's wording, blanked before a clause is read: "aortic wall thickening"
    # names no LV wall, and "no aortic wall thickening" rules no LV hypertrophy out
    elsewhere: re.Pattern[str] | None = None
    # the wording a denial must name to deny the finding: "no infarct" denies an ischaemic
    # scar, not the LGE a myocarditis has ("No infarct." ruled LGE out of the whole report)
    denied: re.Pattern[str] | None = None
    # the measure a number said of it grades it by, where no word does ("LVEF reduced (< 35
    # %)" is moderate): the pattern (`wording.ef_number`) and the measure
    number: tuple[re.Pattern[str], Measure] | None = None

    def read(self, text: str) -> str:
        """`text` as this rule reads it: what `elsewhere` finds made spaces, so that a
        position in it is one in `text`."""
        return self.elsewhere.sub(_blank, text) if self.elsewhere else text


def _blank(match: re.Match[str]) -> str:
    # what the pattern keeps ("septal and papillary muscle hypertrophy": the LV wall listed)
    return match[0] if match.groupdict().get("kept") else " " * len(match[0])


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# "undilated", "non-enlarged": the size word negated inside the word, which no cue reaches;
# "at the upper (lower) limit of normal" is borderline, not ruled out
_GOOD = (r"(?:(?<!limit of )normal|preserved|good|hyperdynamic|\bnl\b|"
         r"(?:non|un).?(?:dilat\w*|enlarg\w*)|not (?:dilat\w*|enlarg\w*))")
_SIZE = r"(?:dilat\w*|dilation|enlarg\w*|\bdil\b|size|volume\w*|cavity|dimension\w*)"
# an LGE word an ischaemic one qualifies ("no infarct scar", "no ischaemic LGE") is the infarct's
_NOT_ISCHAEMIC = r"(?<!infarct )(?<!infarct-)(?<!ischaemic )(?<!ischemic )"
_BIG = r"(?<!non-)(?<!non )(?<!non)(?<!un-)(?<!un)(?:dilat\w*|dilation|enlarg\w*|\bdil\b)"

RULES: dict[Finding, _Rule] = {
    Finding.LV_SYSTOLIC_DYSFUNCTION: _Rule(
        _re(rf"{together(LV, FUNCTION)}|{EF_WORSE.format(ef='lvef')}|"
            rf"{EF_BETTER.format(ef='lvef')}|^(?!.*{RV}).*?(?:{EF_WORSE.format(ef=BARE_EF)}|"
            rf"{EF_BETTER.format(ef=BARE_EF)})"),
        _re(rf"{BAD_FUNCTION}|{LV_LOW}"), _re(_GOOD),
        # "LV inferior wall hypokinesis" is regional, unless global function is named too
        _re(REGIONAL_ONLY), number=(_re(ef_number(LV_EF_NAME)), Measure.LVEF)),
    Finding.RV_SYSTOLIC_DYSFUNCTION: _Rule(_re(rf"{together(RV, RV_FUNCTION)}"
                                               rf"|{EF_WORSE.format(ef='rvef')}|"
                                               rf"{EF_BETTER.format(ef='rvef')}"),
                                           _re(rf"{RV_BAD_FUNCTION}|{RV_LOW}"), _re(_GOOD),
                                           number=(_re(ef_number(RV_EF_NAME)), Measure.RVEF)),
    Finding.LV_DILATION: _Rule(_re(together(LV, _SIZE)), _re(_BIG), _re(_GOOD)),
    Finding.RV_DILATION: _Rule(_re(together(RV, _SIZE)), _re(_BIG), _re(_GOOD)),
    Finding.LV_HYPERTROPHY: _Rule(  # not in a clause of the RV's wall alone
        _re(rf"^(?!{RV_WALL_ONLY}).*?(?:hypertroph\w*|\blvh\b|wall thickness|{THICKENED}|"
            rf"{THICK})"),
        _re(rf"hypertroph\w*|\blvh\b|increased|thick(?:ened|ening)|{THICK}"),
        _re(r"(?<!limit of )normal"),
        OtherThickening(), _re(ELSEWHERE_THICKENING)),
    Finding.LGE: _Rule(  # "myocarditis rather than (an) infarct(ion)" denies no LGE
        _re(r"\blge\b|enhancement|scar|fibrosis|^(?!\s*rather than\b).*infarct"),
        _re(r"\blge\b|enhancement|scar|fibrosis|infarct"),
        denied=_re(rf"{_NOT_ISCHAEMIC}(?:\blge\b|enhancement|scar|fibrosis)")),
    Finding.AORTIC_DILATION: _Rule(  # "no aortic wall thickening" denies no dilation
        _re(r"aort\w*"), _re(rf"{_BIG}|aneurysm\w*|aortopathy"),
        _re(r"normal|(?:non|un).?(?:dilat\w*|enlarg\w*)"), elsewhere=_re(ELSEWHERE_THICKENING)),
    Finding.PERICARDIAL_EFFUSION: _Rule(_re(r"pericardial (?:and pleural )?(?:effusion|fluid|"
                                            r"collection)|(?<!pleural )effusion"),  # not pleural
                                        _re(r"effusion|fluid|collection")),
    Finding.REGIONAL_WALL_MOTION_ABNORMALITY: _Rule(
        # hypokinesis alone is global (LV dysfunction); regional when it names a wall or segment
        _re(RWMA_SUBJECT), _re(r"abnormal\w*|\bakine\w*|dyskine\w*|hypokine\w*|\brwma\b"),
        # only normal wall motion rules it out ("normal LV size, LGE in the LAD territory" does not)
        _re(together(r"\bnormal\b", r"\bwall motion\b")),
        NotRegional()),
}

_GRADED = {Measure.LVEF: Finding.LV_SYSTOLIC_DYSFUNCTION,
           Measure.RVEF: Finding.RV_SYSTOLIC_DYSFUNCTION}

DIAGNOSIS_PATTERNS: dict[Diagnosis, re.Pattern[str]] = {
    Diagnosis.DCM: _re(r"dilated cardiomyopathy|\bdcm\b"),
    Diagnosis.HCM: _re(r"hypertrophic cardiomyopathy|\bhcm\b|asymmetric septal hypertrophy"),
    # "non-ischaemic cardiomyopathy" is the opposite
    Diagnosis.ISCHEMIC: _re(r"(?<!non-)(?<!non)(?<!non )isch(?:a)?emic|infarct\w*|\bmi\b"),
    Diagnosis.MYOCARDITIS: _re(r"myocarditis"),
    Diagnosis.AMYLOIDOSIS: _re(r"amyloid\w*"),
    Diagnosis.ARVC: _re(r"\barvc\b|arrhythmogenic"),
    Diagnosis.HYPERTENSIVE: _re(r"hypertensive heart"),
    Diagnosis.PULMONARY_HYPERTENSION: _re(r"pulmonary hypertension|rv pressure overload"),
    Diagnosis.AORTOPATHY: _re(r"aortopathy"),
    Diagnosis.PERICARDITIS: _re(r"pericarditis"),
    Diagnosis.NORMAL: _re(r"normal (?:cardiac )?(?:mri|study|cmr)|structurally normal|"
                          r"no structural heart disease"),
}

_UNCERTAIN = _re(r"\b(?:possible|possibly|probable|probably|may|might|cannot be excluded|"
                 r"cannot exclude|can't exclude|questionable|equivocal|suspicious for|"
                 r"suspected|query)\b|\?")
# a statement of its own after "and": a grade, or "there is", "the ... is"
_ASSERTED = _re(r"^\s*(?:there (?:is|are)\b|(?:an? |the )?(?:mild\w*|moderate\w*|severe\w*|"
                r"marked\w*|extensive|significant|small|large)\b)|\b(?:is|are|was|were)\b")
_SEVERITY = ((Severity.SEVERE, _re(r"\b(?:severe\w*|sev|marked\w*|extensive)\b")),
             (Severity.MODERATE, _re(r"\b(?:moderate\w*|mod)\b")),
             (Severity.MILD, _re(r"\b(?:mild\w*|slight\w*|borderline|minor|small|trace)\b")))
_MAX_AND_SPLITS = 8  # see _split_and
_PRIORITY = {Mention.POSITIVE: 3, Mention.UNCERTAIN: 2, Mention.NEGATIVE: 1}
def _prepared(sentence: str) -> str:
    """Worded as a query is (`reader.phrasing`): "unlikely" denies, no T1 value is a function."""
    return without_tissue(as_reported(sentence))


def sentences(text: str) -> list[str]:
    """Sentences and list items, without numbering or bullets."""
    parts = re.split(r"(?<=[.;])\s+|\n+", text)
    cleaned = (re.sub(r"^\s*(?:\d+[.)]|[-*\u2022])\s*", "", p).strip() for p in parts)
    return [p for p in cleaned if p]


def negation_at(clause: str) -> int | None:
    """Where the clause's first negation cue ("no", "without", "absence of", ...) starts."""
    match = _NEGATION.search(clause)
    return match.start() if match else None


def clauses(text: str) -> list[str]:
    """Every clause of every sentence, as written: the unit a negation cue reaches."""
    return [c.strip() for sentence in sentences(as_reported(normalised(text)))
            for c in carry_sides(_clauses(sentence))]


def _clauses(sentence: str) -> list[list[str]]:
    """The sentence's clauses as written, each split at its "and"s (`_split_and`)."""
    # a clause boundary stops "no LGE" from negating what follows "but" or a comma; "without"
    # and "rather than" start one ("dilated LV without LGE" was read as an undilated LV)
    parts = re.split(r",|\bbut\b|\bhowever\b|\bwith\b|\bdespite\b|\band\b(?= \w+ly\b)|"
                     r"(?=\bwithout\b)|(?=\brather than\b)", sentence)
    return [cs for part in parts if (cs := [c for c in _split_and(part) if c.strip()])]


def _split_and(clause: str) -> list[str]:
    """A clause split at "and" where a second abnormal finding follows one already named and
    no negation or hedge is in reach ("normal LV function and inferior wall hypokinesis"). A
    negation or hedge reaches the whole list ("no LGE and pericardial effusion", "no LV
    dilatation and hypertrophy") unless the second finding is asserted on its own ("no LGE and
    mild LV dilation", "no LGE and there is inferior hypokinesis")."""
    # a list longer than any report's is split at its first "and"s only: each split reads
    # the whole clause so far, and a 500-character query of "and"s took seconds
    pieces = re.split(r"\band\b", clause, maxsplit=_MAX_AND_SPLITS)
    out = [pieces[0]]
    for piece in pieces[1:]:
        before = _subjects(out[-1])
        cued = _NEGATION.search(out[-1]) or _UNCERTAIN.search(out[-1])
        adjective = _ADJECTIVE_ONLY.fullmatch(out[-1])
        if not adjective and ((before and _stated(piece) - before
                               and (not cued or _ASSERTED.search(piece)))
                              or (before and _other_side_normal(out[-1], piece))
                              or (not cued and said_of_its_side(out[-1], piece))):
            out.append(piece)
        else:
            out[-1] = f"{out[-1]}and{piece}"
    return out


# a thickening word alone before "and" is the next noun's too: "thickened and dilated aorta" is
# one statement of the aorta (split, the "thickened" was LV hypertrophy)
_ADJECTIVE_ONLY = _re(r"\s*+(?:\w+ly\s++)?(?:thickened|hypertrophied|thick)\s*+")


# the structures a clause can say something of, so that "dilated LV and normal RV" (or "RV
# undilated", "RV normal in size") is two statements: read whole, the RV was dilated too
_SIDES = (_re(rf"{LV}|\blvef\b"), _re(rf"{RV}|\brvef\b"), _re(r"aort\w*"))
_NORMAL_WORDING = _re(_GOOD)
def _other_side_normal(before: str, piece: str) -> bool:
    """`piece` says a structure that `before` does not name is normal."""
    return bool(_NORMAL_WORDING.search(piece)) and any(
        side.search(piece) and not side.search(before) for side in _SIDES)


def _subjects(text: str) -> set[Finding]:
    return {finding for finding, rule in RULES.items() if rule.subject.search(rule.read(text))}


def _stated(text: str) -> set[Finding]:
    """The findings `text` names with their abnormal wording."""
    return {finding for finding, rule in RULES.items()
            if rule.subject.search(read := rule.read(text)) and rule.abnormal.search(read)}


def _severity(clause: str, rule: _Rule, said: SaidValues) -> Severity | None:
    """The clause's worst grade word, else the grade of the number said of the rule's measure:
    by CMR where several modalities give it, else in the clause, else in another clause of
    its sentence ("RV impaired, EF 30 %": the EF's clause, given the RV, graded nothing)."""
    worded = next((severity for severity, pattern in _SEVERITY if pattern.search(clause)), None)
    if worded is not None or rule.number is None:
        return worded
    pattern, measure = rule.number
    if (value := said.by_cmr or pattern.search(clause) or said.first) is None:
        return None
    graded = grade(_GRADED[measure], {measure: said_value(value)}, None)
    return None if graded is None or graded.severity is Severity.NONE else graded.severity


def _judge(rule: _Rule, clause: str) -> Mention | None:
    clause = rule.read(clause)
    if not rule.subject.search(clause):
        return None
    abnormal = rule.abnormal.search(clause)
    normal = rule.normal.search(clause) if rule.normal else None
    if _NEGATION.search(clause) or (normal and not abnormal):
        if rule.denied and not rule.denied.search(clause):
            return None  # denied, but not in the wording that denies it
        return Mention.NEGATIVE  # "no global or regional wall motion abnormality" too
    if (rule.unless and rule.unless.search(clause)) or not abnormal:
        return None
    return Mention.UNCERTAIN if _UNCERTAIN.search(clause) else Mention.POSITIVE


def _split(text: str) -> list[tuple[str, list[str]]]:
    """Each sentence (as written, the evidence shown) with its clauses: split once for every
    finding and diagnosis."""
    out: list[tuple[str, list[str]]] = []
    side = ""  # what a semicolon carries on, not a full stop: "Normal LV diastolic
    for sentence in sentences(normalised(text)):  # function; mildly impaired systolic function"
        read = _prepared(sentence)
        parts = carry_sides(_clauses(aspects_named(read)), carried_on(read, side))
        out.append((sentence, parts))
        named = side_named(parts)
        side = (side if named is None else named) if sentence.endswith(";") else ""
    return out


def _label_text(split: list[tuple[str, list[str]]], rule: _Rule) -> ReportLabel | None:
    best: ReportLabel | None = None
    for sentence, parts in split:
        said = SaidValues(parts, rule.number[0] if rule.number else None)
        for clause in parts:
            mention = _judge(rule, clause)
            if mention is None:
                continue
            label = ReportLabel(mention, _severity(clause, rule, said)
                                if mention is Mention.POSITIVE else None, sentence)
            if best is None or _PRIORITY[mention] > _PRIORITY[best.mention]:
                best = label
    return best


def _label_all(impression: str, full_text: str,
               rules: dict[str, _Rule]) -> dict[str, ReportLabel]:
    out = {}
    first, rest = _split(impression), None
    for name, rule in rules.items():
        label = _label_text(first, rule)
        if label is None:  # the rest of the report, split only when the impression is silent
            rest = _split(full_text) if rest is None else rest
            label = _label_text(rest, rule)
        out[name] = label or ReportLabel(Mention.NOT_MENTIONED)
    return out


def label_findings(impression: str, full_text: str = "", *,
                   numbers: bool = True) -> dict[Finding, ReportLabel]:
    """Finding -> label, deciding from the impression first, then the rest of the report;
    with `numbers` false, an ejection fraction's number grades nothing (a query's number is
    its range, or a note that it was not read: `search.numbers`)."""
    rules = {f.value: r if numbers else replace(r, number=None) for f, r in RULES.items()}
    labels = _label_all(impression, full_text, rules)
    return {Finding(k): v for k, v in labels.items()}


def label_diagnoses(impression: str, full_text: str = "") -> dict[Diagnosis, ReportLabel]:
    # a diagnosis is its own subject and wording, read as a finding is
    rules = {d.value: _Rule(p, p) for d, p in DIAGNOSIS_PATTERNS.items()}
    labels = _label_all(impression, full_text, rules)
    return {Diagnosis(k): v for k, v in labels.items()}


def denied_in(clause: str) -> list[Finding]:
    """The findings a clause with a negation cue denies, read with their subject: those the
    denied part (from the cue on) names ("reduced RV EF without LV dilation": the LV's
    dilation, not the RV's), or, when it names none ("LV not dilated"), those whose wording it
    holds or reaches into ("LVEF not low": low is a function's wording only beside it). Read
    whole, the clause denied every finding in it."""
    at = negation_at(clause)
    if at is None:
        return []
    negative = {f: RULES[f].read(clause) for f, label in label_findings(clause).items()
                if label.mention is Mention.NEGATIVE and f in RULES}
    return [f for f, read in negative.items() if RULES[f].subject.search(read[at:])] or [
        f for f, read in negative.items()
        if any(m.end() > at for p in (RULES[f].abnormal, RULES[f].normal) if p
               for m in p.finditer(read))]
