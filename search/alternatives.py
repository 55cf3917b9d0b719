"""The "or" of a query and its "with or without": alternatives and findings left open.

A report rarely says "or"; a clinician's query often does ("DCM or HCM", "LV or RV
dilation"). Read like a report, "or" was "and": "dilated or hypertrophic cardiomyopathy" kept
the HCM alone, and "HCM with or without LGE" ruled LGE out (its "without").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cmr_search.vocab import Diagnosis, Finding
from reader.labeler import Mention, label_diagnoses, label_findings

# "with or without LGE", "with/without LGE", "± LGE": the finding may or may not be there; the
# phrase reaches to the clause's end or its next joining word
_EITHER_WAY = re.compile(
    r"(?:\b(?:with|and)\s+or\s+without|\bwith\s*/\s*without|\bw/\s*or\s*w/o"
    r"|\bwhether\s+or\s+not|±|\+/-)\s*"
    r"((?:(?!\b(?:and|but|with|without|no|not|in|or|showing|shows?|plus)\b)[^,.;:()])+)",
    re.IGNORECASE)

# "a normal heart" names no finding; as a side of an "or" it is the normal diagnosis
_NORMAL_HEART = re.compile(r"\bnormal\s+(?:heart|study|cmr|(?:cardiac\s+)?mri?|examination)\b",
                          re.IGNORECASE)

# a head shared by two alternatives: "dilated or hypertrophic cardiomyopathy" is two diagnoses,
# "LV or RV dilation" two findings
_JOIN = r"\s+(?:and\s*/\s*)?or\s+"
_SHARED_HEAD = (
    (re.compile(rf"\b([\w-]+){_JOIN}([\w-]+)\s+(cardiomyopath(?:y|ies))\b", re.IGNORECASE),
     r"\1 \3 or \2 \3"),
    (re.compile(rf"\b(lv|rv|left|right){_JOIN}(lv|rv|left|right)\s+"
                r"((?:ventricular\s+)?(?:systolic\s+)?[\w-]+)", re.IGNORECASE),
     r"\1 \3 or \2 \3"),
    # "dilated LV or RV": the adjective before the first side is the second's too
    (re.compile(rf"\b((?:severely\s+|mildly\s+|moderately\s+)?[a-z]+(?:ed|ing))\s+"
                rf"(lv|rv){_JOIN}(lv|rv)\b", re.IGNORECASE), r"\1 \2 or \1 \3"),
    # "pericardial effusion or thickening": the second is the pericardium's too
    (re.compile(rf"\b(pericardial)\s+([a-z]+){_JOIN}([a-z]+ing)\b", re.IGNORECASE),
     r"\1 \2 or \1 \3"),
)
# "HCM/DCM", "DCM vs HCM", "LV/RV dilation": an "or" (not "and/or", "w/", "ml/m2", "w/o");
# the word before the slash is a hyphenated word's first part that starts with a letter and
# follows no slash ("3D-SSFP/cine": "SSFP"). Read from a word's start only, its other parts
# (`lead`) kept: tried from each part, a long hyphenated word was read again from every one
_SLASH = re.compile(r"(?<![\w-])(?:(?<!/)|(?P<lead>\w*+-(?:(?![a-z])\w*+-)*+))"
                    r"(?P<one>[a-z][\w-]*+)\s*/\s*(?=(?P<other>[a-z][\w-]*)(?![\w/]))",
                    re.IGNORECASE)
_NOT_SLASH_OR = frozenset(("and", "or", "w", "o", "with", "without", "ml", "g", "m", "m2"))
_VERSUS = re.compile(r"\b(?:vs\.?|versus)(?=\s)", re.IGNORECASE)


def _as_or(text: str) -> str:
    def slash(m: re.Match[str]) -> str:
        words = {m["one"].lower(), m["other"].lower()}
        return m.group(0) if words & _NOT_SLASH_OR else f"{m['lead'] or ''}{m['one']} or "
    return _VERSUS.sub("or", _SLASH.sub(slash, text))
# not the "or" of a bound the number reader left ("2 or more segments", "aged 60 or over")
_OR = re.compile(r"\b(?:and\s*/\s*or|or|either)\b(?!\s+(?:more|less|over|under|above"
                 r"|below|older|younger|greater|fewer|higher|lower)\b)", re.IGNORECASE)
_NAMING = (Mention.POSITIVE, Mention.UNCERTAIN)


@dataclass(frozen=True)
class Alternative:
    """One side of an "or": every finding and diagnosis it names."""

    findings: tuple[Finding, ...]
    diagnoses: tuple[Diagnosis, ...]

    def labels(self) -> list[str]:
        return [d.value for d in self.diagnoses] + [f.value for f in self.findings]


def either_way(text: str) -> tuple[str, tuple[Finding, ...]]:
    """The text without its "with or without X" phrases, and the findings they leave open."""
    open_: list[Finding] = []
    for match in _EITHER_WAY.finditer(text):
        open_ += [f for f, label in label_findings(match.group(1)).items()
                  if label.mention in _NAMING and f not in open_]
    return _EITHER_WAY.sub(" ", text), tuple(open_)


def named_diagnoses(text: str) -> tuple[Diagnosis, ...]:
    """The diagnoses a query's text asks for ("a normal heart" is the normal one)."""
    diagnoses = tuple(d for d, label in label_diagnoses(text).items()
                      if label.mention in _NAMING)
    if _NORMAL_HEART.search(text) and Diagnosis.NORMAL not in diagnoses:
        diagnoses += (Diagnosis.NORMAL,)
    return diagnoses


def _named(text: str) -> Alternative:
    return Alternative(
        tuple(f for f, label in label_findings(text).items() if label.mention in _NAMING),
        named_diagnoses(text))


def _listed(text: str) -> bool:
    """Whether the "or" ends a list ("DCM, HCM or ARVC"), not a clause ("DCM with LGE or
    HCM": the clauses of the affirmed text come joined by " . " either way)."""
    found = _OR.search(text)
    head = text[:found.start()] if found else ""
    return "," in head and not re.search(r"\bwith\b", head, re.IGNORECASE)


def alternatives(affirmed: str, text: str = "") -> tuple[Alternative, ...]:
    """The sides of the affirmed text's "or", each naming something; () when fewer than two
    sides do (the query is then read as a whole, every finding wanted). `text`: the query
    the affirmed part came from, to tell a list from clauses."""
    affirmed = _as_or(affirmed)
    if not _OR.search(affirmed):
        return ()
    for shared, both in _SHARED_HEAD:
        affirmed = shared.sub(both, affirmed)
    parts = _OR.split(affirmed)
    # "DCM, HCM or ARVC": the list before the "or" holds sides too
    if len(parts) > 1 and _listed(text):
        parts = [*re.split(r"\s\.\s", parts[0]), *parts[1:]]
    sides = [_named(side) for side in parts]
    sides = [s for s in sides if s.findings or s.diagnoses]
    return tuple(sides) if len(sides) > 1 else ()
