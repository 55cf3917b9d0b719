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
from vectorstore import Filter

# "with or without LGE", "with/without LGE", "± LGE": the finding may or may not be there; the
# phrase reaches to the clause's end or its next joining word
_EITHER_WAY = re.compile(
    r"(?:\b(?:with|and)\s+or\s+without|\bwith\s*/\s*without|\bw/\s*or\s*w/o|±|\+/-)\s+"
    r"((?:(?!\b(?:and|but|with|in|or)\b)[^,.;:()])+)", re.IGNORECASE)

# a head shared by two alternatives: "dilated or hypertrophic cardiomyopathy" is two diagnoses,
# "LV or RV dilation" two findings
_SHARED_HEAD = (
    re.compile(r"\b([\w-]+)\s+or\s+([\w-]+)\s+(cardiomyopath(?:y|ies))\b", re.IGNORECASE),
    re.compile(r"\b(lv|rv|left|right)\s+or\s+(lv|rv|left|right)\s+"
               r"((?:ventricular\s+)?(?:systolic\s+)?[\w-]+)", re.IGNORECASE),
)
_OR = re.compile(r"\b(?:and\s*/\s*or|or|either)\b", re.IGNORECASE)
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


def _named(text: str) -> Alternative:
    return Alternative(
        tuple(f for f, label in label_findings(text).items() if label.mention in _NAMING),
        tuple(d for d, label in label_diagnoses(text).items() if label.mention in _NAMING))


def alternatives(affirmed: str) -> tuple[Alternative, ...]:
    """The sides of the affirmed text's "or", each naming something; () when fewer than two
    sides do (the query is then read as a whole, every finding wanted)."""
    if not _OR.search(affirmed):
        return ()
    for shared in _SHARED_HEAD:
        affirmed = shared.sub(r"\1 \3 or \2 \3", affirmed)
    sides = [_named(side) for side in _OR.split(affirmed)]
    sides = [s for s in sides if s.findings or s.diagnoses]
    return tuple(sides) if len(sides) > 1 else ()


def any_of(filters: list[Filter]) -> Filter:
    """Studies passing at least one of `filters` (none of them failing all)."""
    return filters[0] if len(filters) == 1 else Filter(must_not=(Filter(must_not=tuple(filters)),))
