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
from reader.labeler import (
    Mention,
    clauses,
    denied_in,
    label_diagnoses,
    label_findings,
    negation_at,
)
from reader.negation import DENIED_AFTER
from reader.phrasing import as_reported, tissue_phrases, without_tissue

__all__ = ["as_reported", "denied_findings", "negated", "negated_within", "one_sentence",
           "set_aside", "split"]


def set_aside(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its tissue characterisation ("reduced T1 values", "T2 elevated"), and
    a note for each: no finding reads them, and read as function words they ruled a finding in
    or out. The words still rank (`understand`)."""
    notes = tuple(f"'{phrase}': T1, T2, ECV and signal (tissue characterisation) are not "
                  "read as a finding; searched as words"
                  for phrase in dict.fromkeys(tissue_phrases(text)))
    return without_tissue(text), notes


_JOINED = re.compile(r"[.;]?\s\.\s")  # where `split` joined two clauses


def one_sentence(affirmed: str) -> str:
    """The affirmed clauses read as one sentence, a full stop as a semicolon: a clause's side
    reaches the next ("dilated LV, impaired function", "dilated LV. impaired function")."""
    return _JOINED.sub(" ; ", affirmed)


# a cue after what it denies, ending its clause: "LGE absent", "LV dysfunction ruled out",
# "LV dysfunction unlikely" (`as_reported`: "... not"), "LGE: none" (LGE was asked for)
_DENIED_BEFORE = DENIED_AFTER  # the cues one list holds for both readers


# "HCM phenocopy unlikely": the cue denies the phenocopy, not HCM (nor a mimic the HCM)
_NOT_ITSELF = re.compile(r"\b(?:phenocop\w*|mimic\w*|look[\s-]*+alikes?)\W*+$", re.IGNORECASE)
_WORDS_BACK = 8  # how far back the last thing named is looked for: a label read per word


def _names(text: str) -> bool:
    return any(label.mention is not Mention.NOT_MENTIONED
               for label in (*label_findings(text).values(), *label_diagnoses(text).values()))


def _denied_from(clause: str, at: int) -> int:
    """Where the clause's denial starts: at its cue, or, when the cue ends the clause and
    follows what it denies ("LGE absent"), at the last thing named before it: "HCM LGE
    absent" denies the LGE, and HCM is asked for (denied from the clause's start, both were
    ruled out)."""
    if not _DENIED_BEFORE.fullmatch(clause[at:].strip()):
        return at
    head = clause[:at]
    if (itself := _NOT_ITSELF.search(head)) is not None:
        return itself.start()
    for start in reversed([m.start() for m in re.finditer(r"\b\w", head)][-_WORDS_BACK:]):
        if _names(head[start:]):
            return start
    return 0 if _names(head) else at


def split(text: str) -> tuple[str, str, list[str]]:
    """The affirmed and the negated parts: "HCM without LGE" -> ("HCM", "without LGE"), and
    the negated clauses whole ("LV not dilated": cut at "not", the denial lost its subject).
    A cue that follows what it denies ("HCM LGE absent") denies the last thing named."""
    affirmed, denied, whole = [], [], []
    for clause in clauses(text):
        at = negation_at(clause)
        if at is None:
            affirmed.append(clause)
            continue
        cut = _denied_from(clause, at)
        affirmed.append(clause[:cut])
        denied.append(clause[cut:])
        whole.append(clause[cut:] if cut < at else clause)
    return " . ".join(a for a in affirmed if a.strip()), " . ".join(denied), whole


# LGE named only as an infarct: "infarct unlikely" rules out an ischaemic cause, not the LGE
# a query asks for ("midwall LGE, infarct unlikely" asked for LGE and ruled it out)
_LGE_ITSELF = re.compile(r"\blge\b|enhanc|scar|fibros", re.IGNORECASE)


def _infarct_only(finding: Finding, text: str) -> bool:
    return finding is Finding.LGE and not _LGE_ITSELF.search(text)


def denied_findings(clause: str) -> list[Finding]:
    """The findings a negated clause denies (`reader.labeler.denied_in`), not the LGE of an
    infarct."""
    return [f for f in denied_in(clause) if not _infarct_only(f, clause)]


def negated(*parts: str) -> tuple[Finding, ...]:
    """The findings any part states absent: "without LGE", "LV not dilated", "undilated LV"."""
    out: list[Finding] = []
    for part in parts:
        out += [f for f, label in label_findings(part).items()
                if label.mention is Mention.NEGATIVE and f not in out
                and not _infarct_only(f, part)]
    return tuple(out)


def negated_within(denied: str, whole: list[str]) -> tuple[Finding, ...]:
    """The findings the denied parts state absent (`negated`) that a whole negated clause
    (`split`) denies too: cut from its clause, "not thickened" lost the aortic wall or RV free
    wall it was said of ("LVH, aortic wall not thickened" ruled the LVH asked for out)."""
    in_whole = {f for clause in whole for f, label in label_findings(clause).items()
                if label.mention is Mention.NEGATIVE}
    return tuple(f for f in negated(denied) if f in in_whole)
