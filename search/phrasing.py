"""A query's words as the report labeler (`reader.labeler`) reads them, and its clauses split
into what it affirms and what it denies.

A query is typed, not dictated: "LV dysfunction unlikely", "low LVEF and RVEF", "LVEF
low-normal", "normal LV function and reduced T1 values". Read as a report reads them, a hedge
asserted its finding, one judgement reached one ejection fraction of a list, and "reduced"
anywhere in an LV-function clause was LV dysfunction.
"""

from __future__ import annotations

import re

from cmr_search.vocab import Finding
from reader.labeler import Mention, clauses, label_diagnoses, label_findings, negation_at

# a hedge that doubts a finding: "low likelihood of LV dysfunction", "LV dysfunction unlikely";
# read as a negation, as "no evidence of" is (it asserted the finding)
_HEDGE = re.compile(r"\b(?:(?:a\s++)?(?:very\s++)?(?:low|little|small|minimal)\s++"
                    r"(?:likelihood|probability|chance|possibility)\s++(?:of|for)"
                    r"|(?:very\s++|highly\s++)?(?:unlikely|improbable)(?:\s++to\s++be)?)\b",
                    re.IGNORECASE)
# "low-normal" (or "low normal", "low-to-normal", "low/normal") is within the normal range:
# "LVEF low-normal" and "LVEF 52 % (low-normal)" were read as nothing, "low-normal LVEF" as
# LV dysfunction ruled out; each is now read as "normal"
_LOW_NORMAL = re.compile(r"\blow[\s/-]*+(?:to[\s-]++)?normal\b", re.IGNORECASE)
# one judgement over both ejection fractions, before or after them: "low LVEF and RVEF",
# "LVEF and RVEF are reduced" (the RV's was left unread); "low LVEF or RVEF" is an "or"
_JUDGED = (r"(?:(?:mildly|moderately|severely|markedly|slightly)\s++)?"
           r"(?:low|reduced|impaired|depressed|decreased|poor|preserved|normal|good)")
_EF_JOIN = r"\s*+(?:,|and|&|/|(?:and\s*+/\s*+)?or)\s*+"
_EF_BEFORE = re.compile(rf"\b(?P<judged>{_JUDGED})\s++(?P<first>lvef|rvef)(?P<join>{_EF_JOIN})"
                        r"(?P<second>lvef|rvef)\b", re.IGNORECASE)
_EF_AFTER = re.compile(r"\b(?P<first>lvef|rvef)(?P<join>" + _EF_JOIN + r")(?P<second>lvef|rvef)"
                       rf"\s++(?P<is>(?:are|were|both)\s++)?(?P<judged>{_JUDGED})\b",
                       re.IGNORECASE)


def _each_ef(match: re.Match[str]) -> str:
    if match.group("first").lower() == match.group("second").lower():
        return match.group(0)
    said = f"{match.groupdict().get('is') or ''}{match.group('judged')}"
    if match.re is _EF_BEFORE:
        return f"{said} {match.group('first')}{match.group('join')}{said} {match.group('second')}"
    return f"{match.group('first')} {said}{match.group('join')}{match.group('second')} {said}"


def as_reported(text: str) -> str:
    """The query worded as a report words it: its hedges as negations, "low-normal" as
    normal, and a judgement of two ejection fractions said of each."""
    text = _LOW_NORMAL.sub("normal", _HEDGE.sub("not", text))
    return _EF_AFTER.sub(_each_ef, _EF_BEFORE.sub(_each_ef, text))


# tissue characterisation: mapping values and signal, which no finding here reads (reduced T1
# is Fabry disease or iron, not a function); "reduced" in "normal LV function and reduced T1
# values" made the clause LV dysfunction
_PARAMETER = (r"(?:(?:t1|t2\s*+\*|t2\s*+star|t2|ecv|extracellular\s++volume(?:\s++fraction)?)"
              r"(?:[\s-]++weighted)?(?:\s++signal(?:\s++intensity)?)?|signal(?:\s++intensity)?)"
              r"(?:\s++(?:values?|times?|relaxation(?:\s++times?)?|mapping|maps?|fraction))?"
              r"(?![a-z0-9*])")
_TISSUE = (r"(?:(?:native|post[\s-]*+contrast|myocardial|septal|global|mean|lv|rv|left\s++"
           r"ventricular|right\s++ventricular)\s++){0,2}"
           rf"{_PARAMETER}(?:\s*+(?:,|and|&|/)\s*+{_PARAMETER})*+")
_TISSUE_SAID = (r"(?:(?:mildly|moderately|severely|markedly|slightly|significantly|very)\s++)?"
                r"(?:reduc\w*|low(?:er)?|decreas\w*|elevat\w*|rais\w*|increas\w*|high(?:er)?"
                r"|prolong\w*|shortened|short|abnormal|normal)\b")
_TISSUE_PHRASE = re.compile(rf"\b{_TISSUE_SAID}\s++{_TISSUE}|\b{_TISSUE}\s++"
                            rf"(?:(?:is|are|was|were)\s++)?{_TISSUE_SAID}", re.IGNORECASE)


def set_aside(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its tissue characterisation ("reduced T1 values", "T2 elevated"), and
    a note for each: no finding reads them, and read as function words they ruled a finding in
    or out. The words still rank (`understand`)."""
    found = [" ".join(m.group(0).split()) for m in _TISSUE_PHRASE.finditer(text)]
    notes = tuple(f"'{phrase}': T1, T2, ECV and signal (tissue characterisation) are not "
                  "read as a finding; searched as words" for phrase in dict.fromkeys(found))
    return _TISSUE_PHRASE.sub(" ", text), notes


_JOINED = re.compile(r"[.;]?\s\.\s")  # where `split` joined two clauses


def one_sentence(affirmed: str) -> str:
    """The affirmed clauses read as one sentence, a full stop as a semicolon: a clause's side
    reaches the next ("dilated LV, impaired function", "dilated LV. impaired function")."""
    return _JOINED.sub(" ; ", affirmed)


# a cue after what it denies, ending its clause: "LGE absent", "LV dysfunction ruled out",
# "LV dysfunction unlikely" (`as_reported`: "... not")
_DENIED_BEFORE = re.compile(r"(?:not|absent|excluded|ruled\s++out|negative)(?:\s++(?:seen|"
                            r"present|identified|detected|demonstrated|evident|shown|found|"
                            r"likely))?\W*+", re.IGNORECASE)


def _denies_before(clause: str, at: int) -> bool:
    """Whether the clause's cue denies what comes before it: it ends the clause, and what
    stands before it names a finding or diagnosis (cut at the cue, that was affirmed)."""
    if not _DENIED_BEFORE.fullmatch(clause[at:].strip()):
        return False
    head = clause[:at]
    return any(label.mention is not Mention.NOT_MENTIONED
               for label in (*label_findings(head).values(), *label_diagnoses(head).values()))


def split(text: str) -> tuple[str, str, list[str]]:
    """The affirmed and the negated parts: "HCM without LGE" -> ("HCM", "without LGE"), and
    the negated clauses whole ("LV not dilated": cut at "not", the denial lost its subject).
    A clause whose cue follows what it denies ("LGE absent") is negated whole."""
    affirmed, denied, whole = [], [], []
    for clause in clauses(text):
        at = negation_at(clause)
        if at is None:
            affirmed.append(clause)
            continue
        cut = 0 if _denies_before(clause, at) else at
        affirmed.append(clause[:cut])
        denied.append(clause[cut:])
        whole.append(clause)
    return " . ".join(a for a in affirmed if a.strip()), " . ".join(denied), whole


def negated(*parts: str) -> tuple[Finding, ...]:
    """The findings any part states absent: "without LGE", "LV not dilated", "undilated LV"."""
    out: list[Finding] = []
    for part in parts:
        out += [f for f, label in label_findings(part).items()
                if label.mention is Mention.NEGATIVE and f not in out]
    return tuple(out)
