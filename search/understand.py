"""What a free-text query asks for: findings wanted or ruled out, their severity, diagnoses.

The same rule-based labeler that reads reports reads the query, so "no LGE", "without
effusion" and "severe LV dysfunction" mean to search what they mean in a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog import PayloadField, ReportStatus, report_severity_key
from cmr_search.normals import RULES
from cmr_search.vocab import CMR_CLIP_FINDINGS, Diagnosis, Finding, Severity
from reader.labeler import Mention, label_diagnoses, label_findings
from search.alternatives import Alternative, alternatives, either_way, named_diagnoses
from search.bracketed import read_ranges
from search.filters import build_filters
from search.grades import GRADES, far, grades_near, left_out_words, measured_otherwise
from search.models import Interpretation
from search.numbers import Bound, bound_fields, either_read_as
from search.phrasing import (
    as_reported,
    denied_findings,
    negated,
    negated_within,
    one_sentence,
    set_aside,
    split,
)
from search.unread import filter_words, implausible, unread_numbers
from vectorstore import Condition, Filter, Match, MatchAny, any_of

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", re.IGNORECASE)
_STOP = frozenset((
    "a", "an", "and", "or", "of", "the", "in", "with", "without", "no", "not", "to", "for", "on",
    "at", "by", "is", "are", "was", "were", "be", "been", "this", "that", "these", "those", "as",
    "any", "study", "studies", "case", "cases", "patient", "patients", "show", "shows", "seen"))


# "normal LV size" rules LV dilation out, as a report's "normal LV size" does; "preserved
# LVEF" rules out LV dysfunction
# "mild or severe LV dysfunction" asks for either end of the scale: read as no grade (read as
# severe, it excluded the mild ones); "mild to moderate" and "moderate or severe" ask for their
# milder end (`_GRADE_RANGE`), which the next worse grade answers too
_MILD, _SEVERE = r"(?:mild|slight)(?:ly)?", r"(?:severe|marked)(?:ly)?"
# the last join an "or", "to", "-" or "/" ("mild, moderate or severe"): "RV dysfunction is mild,
# severe LV dilation" grades two findings
_GRADE_JOIN = (r"\s*+(?:,\s*+moderate(?:ly)?\s*+,?\s*+)?(?:or|to|-|/|and\s*/\s*or)\s*+"
               r"(?:moderate(?:ly)?\s*+(?:or|to|-|/)\s*+)?")
_EITHER_END = re.compile(rf"\b(?:{_MILD}{_GRADE_JOIN}{_SEVERE}|{_SEVERE}{_GRADE_JOIN}{_MILD})\b",
                         re.IGNORECASE)
# the labeler reads a clause's worst grade: "moderate to severe", read as severe, left the
# moderate ones out
_GRADE_RANGE = re.compile(rf"\b(?P<low>{_MILD}|moderate(?:ly)?)\s*+(?:or|to|-|/|and\s*/\s*or)"
                          rf"\s*+(?:moderate(?:ly)?|{_SEVERE})\b", re.IGNORECASE)
# the side may stand before "normal" ("RV normal dimensions" ruled out LV dilation), and the
# aspects be a list ("normal biventricular size and function" ruled out no dysfunction)
_NORMAL_ASPECT = (r"(?:size|volumes?|dimensions?|(?:systolic\s+)?function|wall\s+thickness"
                  r"|ejection\s+fraction|ef|lvef|rvef)")
# both sides may stand before it: "LV and RV dilated, preserved function" is both's (the side
# a clause carries on, `reader.sides`: "lv and rv preserved function"; only the RV's was read)
_ONE_SIDE = r"(?:lv|left\s+ventricle|rv|right\s+ventricle|both\s+ventricles)"
_NORMAL = re.compile(rf"(?:\b(?P<before>{_ONE_SIDE}(?:\s+(?:and|&|/)\s+{_ONE_SIDE})?)\s+"
                     r"(?:is\s+|are\s+)?)?"
                     r"\b(?:normal|preserved)\s+"
                     r"(?P<side>lv|left\s+ventricular|rv|right\s+ventricular|biventricular)?\s*"
                     rf"(?P<what>{_NORMAL_ASPECT}(?:(?:\s*,\s*|,?\s+and\s+){_NORMAL_ASPECT})*)\b",
                     re.IGNORECASE)
# the same the other way round, as a query is typed: "LVEF normal", "LV size is normal"
_NORMAL_AFTER = re.compile(r"\b(?P<side>lv|left\s+ventricular|rv|right\s+ventricular|"
                           r"biventricular)?\s*(?P<what>size|volumes?|(?:systolic\s+)?function|"
                           r"wall\s+thickness|ejection\s+fraction|ef|lvef|rvef)\s+(?:is\s+|was\s+)?"
                           r"(?:normal|preserved)\b", re.IGNORECASE)
# a side said normal with no aspect named: "dilated LV and normal RV", "RV normal", "LV normal in
# size" (the aspect after it): its size and function (not the LV's wall: "HCM with normal LV"
# asks for the size and function of a thick heart)
_SIDE = r"(?:lv|left\s+ventricle|rv|right\s+ventricle|biventricular|both\s+ventricles)"
_ASPECT = (r"size|volumes?|dimensions?|(?:systolic\s+|diastolic\s+)?function|wall|thickness"
           r"|ejection|ef|lvef|rvef|mass|motion|cavity|diastolic|filling|strain")
_NORMAL_SIDE = re.compile(
    rf"\bnormal\s+(?P<sides>{_SIDE}(?:\s+and\s+{_SIDE})?)\b(?!\s*(?:{_ASPECT})\b)"
    rf"(?!\s+and\s+{_SIDE}\s+(?:{_ASPECT})\b)"
    rf"|\b(?P<named>{_SIDE}(?:\s+and\s+{_SIDE})?)\s+(?:is\s+|was\s+|are\s+)?normal\b"
    rf"(?:\s+in\s+(?P<aspect>size|function))?(?!\s+(?:in\s+)?(?:{_ASPECT})\b)",
    re.IGNORECASE)
_WHOLE_SIDE = {"lv": (Finding.LV_DILATION, Finding.LV_SYSTOLIC_DYSFUNCTION),
               "rv": (Finding.RV_DILATION, Finding.RV_SYSTOLIC_DYSFUNCTION)}
_NORMAL_RULES = {("lv", "size"): Finding.LV_DILATION, ("rv", "size"): Finding.RV_DILATION,
                 ("lv", "function"): Finding.LV_SYSTOLIC_DYSFUNCTION,
                 ("rv", "function"): Finding.RV_SYSTOLIC_DYSFUNCTION,
                 ("lv", "thickness"): Finding.LV_HYPERTROPHY}


# "normal wall motion", "normal LV size and wall motion": no regional wall motion abnormality
_NORMAL_MOTION = re.compile(r"\bnormal\s+(?:(?:lv|left\s+ventricular|biventricular)\s+)?"
                            r"(?:(?:size|volumes?|(?:systolic\s+)?function)\s+and\s+)?"
                            r"(?:global\s+and\s+)?(?:regional\s+)?wall\s+motion\b(?!\s+abnormal)",
                            re.IGNORECASE)


def _normal_sides(text: str) -> list[Finding]:
    """Findings a side said normal rules out: its size and function, or the aspect after it."""
    out: list[Finding] = []
    for match in _NORMAL_SIDE.finditer(text):
        named = (match.group("sides") or match.group("named")).lower()
        sides = [s for s in ("lv", "rv") if re.search(
            rf"\b{s}\b|{'left' if s == 'lv' else 'right'}|bivent|both", named)]
        aspect = match.group("aspect")
        out += [_NORMAL_RULES[(s, "function" if "function" in aspect.lower() else "size")]
                for s in sides] if aspect else [f for s in sides for f in _WHOLE_SIDE[s]]
    return out


_SIDE_NAMED = {"lv": re.compile(r"\b(?:lv|left\s+ventric\w*)\b", re.IGNORECASE),
               "rv": re.compile(r"\b(?:rv|right\s+ventric\w*)\b", re.IGNORECASE)}


def _first_named(text: str) -> dict[str, int]:
    """Where each side named in `text` is first named (the end of it): a side named before a
    phrase is one whose first naming ends before it. Searched again before each phrase, a
    query of many "normal ..." phrases took time quadratic in its length."""
    return {s: m.end() for s, side in _SIDE_NAMED.items() if (m := side.search(text))}


def _unnamed_side(text: str, match: re.Match[str], what: str, first: dict[str, int]) -> str:
    """The side of an aspect said normal with none: "lvef" and "rvef" name theirs; else the
    side just after it ("normal size LV"), or the only one named before it ("RV dilated with
    preserved function" is the RV's: it ruled out LV dysfunction; `first`: `_first_named`);
    else the LV's, as reports mean."""
    if what in ("lvef", "rvef"):
        return what[:2]
    after = text[match.end():match.end() + 20]
    named = [s for s, side in _SIDE_NAMED.items() if side.match(after.lstrip())] or \
        [s for s, end in first.items() if end <= match.start()]
    return named[0] if len(named) == 1 else "lv"


def _sides_of(side: str) -> tuple[str, ...]:
    """The ventricles a side's words name ("biventricular", "lv and rv": both)."""
    if side.startswith(("bi", "both")):
        return ("lv", "rv")
    named = tuple(s for s, words in (("lv", r"\blv\b|left"), ("rv", r"\brv\b|right"))
                  if re.search(words, side))
    return named or ("lv",)


def _normals(text: str) -> tuple[Finding, ...]:
    """Findings a "normal ..." phrase rules out, each aspect of a list."""
    out: list[Finding] = []
    first = _first_named(text)
    # "RV dilated, function preserved": an unnamed function after a named side is no LV's
    after = (m for m in _NORMAL_AFTER.finditer(text) if m.group("side")
             or m.group("what").lower().replace(" ", "").endswith(("ef", "fraction")))
    for match in (*_NORMAL.finditer(text), *after):
        for what in re.split(r"\s*,\s*|,?\s+and\s+", match.group("what").lower()):
            side = (match.group("side") or match.groupdict().get("before")
                    or _unnamed_side(text, match, what, first)).lower()
            aspect = "function" if "function" in what or what.endswith(("ef", "fraction")) \
                else "thickness" if "thick" in what else "size"
            sides = _sides_of(side)
            out += [f for s in sides if (f := _NORMAL_RULES.get((s, aspect))) and f not in out]
    out += [f for f in _normal_sides(text) if f not in out]
    if _NORMAL_MOTION.search(text):
        out.append(Finding.REGIONAL_WALL_MOTION_ABNORMALITY)
    return tuple(out)


@dataclass(frozen=True)
class QueryIntent:
    """A query read like a report: what it wants, what it rules out, how severe."""

    text: str
    wanted: dict[Finding, Severity | None]
    ruled_out: tuple[Finding, ...]
    diagnoses: tuple[Diagnosis, ...]
    ruled_out_diagnoses: tuple[Diagnosis, ...]
    keyword_text: str  # the query without its negated clauses (BM25 cannot negate)
    bounds: tuple[Bound, ...] = ()  # measurement ranges ("LVEF below 35 %")
    # "LVEF below 35 or above 70": groups of ranges, one of each holding
    either_bounds: tuple[tuple[Bound, ...], ...] = ()
    # "DCM or HCM": the sides, each wanted whole; () when the query has no "or" (all wanted)
    any_of: tuple[Alternative, ...] = ()
    either_way: tuple[Finding, ...] = ()  # "with or without LGE": neither wanted nor ruled out
    unread: tuple[str, ...] = ()  # phrases read as no finding nor range, a note each

    @property
    def required(self) -> tuple[Finding, ...]:
        """The wanted findings every side of an "or" names (all of them without one)."""
        return tuple(f for f in self.wanted if all(f in a.findings for a in self.any_of))

    @property
    def image_findings_wanted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.wanted if f in CMR_CLIP_FINDINGS)

    @property
    def image_findings_ruled_out(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.ruled_out if f in CMR_CLIP_FINDINGS)

    def terms(self) -> list[str]:
        """Lower-case content words of the positive part of the query (for highlighting)."""
        return [w.lower() for w in _WORD.findall(self.keyword_text)
                if w.lower() not in _STOP and len(w) > 1]


# abbreviations the text towers read worse than the words ("HCM" brought 4 HCM hearts in 10
# on ACDC where "hypertrophic cardiomyopathy" brought 8): the words are what they embed
_SPELLED_OUT = {"hcm": "hypertrophic cardiomyopathy", "dcm": "dilated cardiomyopathy",
                "arvc": "arrhythmogenic right ventricular cardiomyopathy",
                "arvd": "arrhythmogenic right ventricular dysplasia",
                "lvnc": "left ventricular non-compaction", "mi": "myocardial infarction",
                "lvh": "left ventricular hypertrophy"}
_ABBREVIATION = re.compile(rf"\b({'|'.join(_SPELLED_OUT)})\b", re.IGNORECASE)


def spelled_out(text: str) -> str:
    """The query as the text towers embed it: its abbreviations written out."""
    return _ABBREVIATION.sub(lambda m: _SPELLED_OUT[m.group(1).lower()], text)


def _label(item: Finding | Diagnosis) -> str:
    if isinstance(item, Diagnosis):
        return item.value.replace("_", " ").upper()
    return re.sub(r"\b(lv|rv|lge)\b", lambda m: m.group(1).upper(), item.value.replace("_", " "))


def _both_ways(text: str, asked: list[Finding | Diagnosis],
               excluded: list[Finding | Diagnosis]) -> tuple[set[Finding | Diagnosis], str]:
    """What the query both asks for and rules out ("LGE in the septum but no LGE in the
    lateral wall", "LV dilation and no LV dilation"), and a note saying so: read as both, it
    excluded every study that has it. Such a finding is left open, as "with or without"."""
    both = {x for x in asked if x in excluded}
    if not both:
        return both, ""
    names = ", ".join(sorted(_label(x) for x in both))
    return both, (f"'{text[:80]}' asks for {names} and rules it out (in other places?): "
                  "neither required nor excluded; the words still rank")


def understand(text: str) -> QueryIntent:
    """Read a query: its measurement ranges first, then the words (the rest) like a report."""
    numbers = read_ranges(text)  # "LVEF reduced (< 35 %)" too (`search.bracketed`)
    rest, open_ = either_way(numbers.rest)
    rest = _EITHER_END.sub(" ", rest)  # before the clauses: a comma splits one
    rest = as_reported(rest)  # "LV dysfunction unlikely", "low LVEF and RVEF" (`phrasing`)
    read, tissue = set_aside(rest)  # "reduced T1 values" is no function
    affirmed, denied, negated_clauses = split(read)
    # "reduced LVEF and preserved RVEF": the "normal ..." phrases rule out (`_normals`); left
    # in, the clause's "reduced" made the RV's dysfunction wanted as well
    plain = _GRADE_RANGE.sub(r"\g<low>", _NORMAL_AFTER.sub(" ", _NORMAL.sub(" ", affirmed)))
    positive = (Mention.POSITIVE, Mention.UNCERTAIN)
    # a number left in the words grades nothing: it is noted as not read (`search.unread`)
    wanted = {f: label.severity
              for f, label in label_findings(one_sentence(plain), numbers=False).items()
              if label.mention in positive}
    # the denials of whole clauses ("LV not dilated") and of the affirmed part ("non-dilated
    # LV": no cue to cut at), but not of what the clause affirms before its cue ("dilated LV
    # without LGE": the whole clause reads every finding in it denied)
    ruled_out = negated_within(denied, negated_clauses)
    ruled_out += tuple(dict.fromkeys(
        f for f in (*(f for c in negated_clauses for f in denied_findings(c)), *negated(plain))
        if f not in wanted and f not in ruled_out))
    ruled_out += tuple(f for f in _normals(affirmed) if f not in ruled_out)
    diagnoses = named_diagnoses(affirmed)
    sides = alternatives(plain, read)  # a side may name what the whole did not ("dilated or ...")
    wanted |= {f: None for a in sides for f in a.findings if f not in wanted}
    diagnoses += tuple(dict.fromkeys(d for a in sides for d in a.diagnoses
                                     if d not in diagnoses))
    ruled_out_diagnoses = tuple(d for d, label in label_diagnoses(denied).items()
                                if label.mention is Mention.NEGATIVE)
    both, note = _both_ways(text, [*wanted, *diagnoses], [*ruled_out, *ruled_out_diagnoses])
    return QueryIntent(
        text=text, wanted={f: g for f, g in wanted.items() if f not in both},
        ruled_out=tuple(f for f in ruled_out if f not in both),
        diagnoses=tuple(d for d in diagnoses if d not in both),
        ruled_out_diagnoses=tuple(d for d in ruled_out_diagnoses if d not in both),
        # the tissue words set aside still rank
        keyword_text=(split(rest)[0] if tissue else affirmed).replace(" . ", " "),
        bounds=numbers.bounds,
        either_bounds=numbers.either, any_of=sides,
        either_way=(*open_, *(f for f in both if isinstance(f, Finding) and f not in open_)),
        unread=numbers.notes + unread_numbers(numbers.rest) + tissue
        + implausible(numbers.bounds, numbers.either) + filter_words(numbers.rest)
        + ((note,) if note else ()))


def intent_filter(intent: QueryIntent, use_reports: bool, use_images: bool) -> Filter:
    """Studies that state the opposite of the query are excluded.

    Reports decide where they exist; a study without a report is judged by its image-derived
    findings. Images-only searches ignore the reports altogether.
    """
    must_not: list[Condition] = []
    for finding in intent.ruled_out:
        if use_reports:
            must_not.append(Match(PayloadField.REPORT_FINDINGS, finding.value))
        if use_images and (finding in CMR_CLIP_FINDINGS or finding in RULES):
            shown = Match(PayloadField.IMAGE_FINDINGS, finding.value)
            no_report = Match(PayloadField.REPORT_STATUS, ReportStatus.MISSING.value)
            must_not.append(Filter((no_report, shown)) if use_reports else shown)
    if use_images:  # a report-less study's grade is the measurements' (where QC trusts them)
        no_report = Match(PayloadField.REPORT_STATUS, ReportStatus.MISSING.value)
        for finding in intent.required:  # graded otherwise, or normal (`search.grades`)
            for graded in measured_otherwise(finding, _one_grade(intent, finding)):
                must_not.append(Filter((no_report, graded)) if use_reports else graded)
    if use_reports:
        for finding in intent.required:  # "DCM or LGE": a report without LGE may be the DCM
            must_not.append(Match(PayloadField.REPORT_NEGATED, finding.value))
            if graded_far := far(_one_grade(intent, finding)):
                must_not.append(MatchAny(report_severity_key(finding), graded_far))
        must_not += [Match(PayloadField.REPORT_DIAGNOSES, d.value)
                     for d in intent.ruled_out_diagnoses]
    return Filter(must_not=tuple(must_not)).and_(measured_filter(intent))


def _one_grade(intent: QueryIntent, finding: Finding) -> Severity | None:
    """The grade asked of a finding; none with an "or" ("mild or severe LV dysfunction":
    each side may ask its own, and the whole query's one would exclude the other's)."""
    return None if intent.any_of else intent.wanted[finding]


def measured_filter(intent: QueryIntent) -> Filter:
    """The measurement ranges the query states (whatever the mode: numbers are numbers)."""
    where = Filter()
    if intent.bounds:
        where = build_filters(bound_fields(intent.bounds)).measured_filter()
    for group in intent.either_bounds:
        where = where.and_(any_of([build_filters(bound_fields((b,))).measured_filter()
                                   for b in group]))
    return where


def stated_filter(intent: QueryIntent) -> Filter | None:
    """Reports whose labels state every finding and diagnosis the query asks for (of one side
    of its "or", at least)."""
    sides = intent.any_of or (Alternative(tuple(intent.wanted), intent.diagnoses),)
    stated = [Filter(tuple([Match(PayloadField.REPORT_FINDINGS, f.value) for f in a.findings]
                           + [Match(PayloadField.REPORT_DIAGNOSES, d.value)
                              for d in a.diagnoses])) for a in sides]
    return any_of(stated) if all(stated) else None


def _grade_notes(intent: QueryIntent) -> list[str]:
    """How each grade in the query was read (none for an "or": each side asks its own)."""
    notes = []
    for finding, grade in intent.wanted.items():
        if grade not in GRADES or intent.any_of:
            continue
        assert grade is not None
        worse = [g for g in grades_near(grade) if g != grade.value]
        read = f"{grade.value} first, then {worse[0]}" if worse else f"{grade.value} only"
        notes.append(f"{grade.value} {_label(finding)}: {read}; {left_out_words(grade)}")
    return notes


def interpretation(intent: QueryIntent) -> Interpretation:
    return Interpretation(
        grades=_grade_notes(intent),
        wanted={f.value: (s.value if s else None) for f, s in intent.wanted.items()},
        ruled_out=[f.value for f in intent.ruled_out],
        diagnoses=[d.value for d in intent.diagnoses],
        ruled_out_diagnoses=[d.value for d in intent.ruled_out_diagnoses],
        measurements=[b.read_as() for b in intent.bounds]
        + [either_read_as(g) for g in intent.either_bounds],
        measurement_filters=bound_fields(intent.bounds),
        measurement_any_of=[[bound_fields((b,)) for b in g] for g in intent.either_bounds],
        any_of=[a.labels() for a in intent.any_of],
        either_way=[f.value for f in intent.either_way], not_read=list(intent.unread))
