"""Text preparation both readers share: a report's sentences (`reader.labeler`) and a typed
query (`search.phrasing`) are worded alike before either is read, so that a query and a report
saying the same thing read the same ("LV dysfunction unlikely" ruled LV dysfunction out of a
query and into a report, and a query ruling it out excluded the report).

Hedges are negations, "cannot be excluded" is possible, "low-normal" is normal, one judgement
of two ejection fractions is said of each, and tissue characterisation ("reduced T1 values")
is set aside: no finding reads it.
"""

from __future__ import annotations

import re

# "cannot be excluded" is a possibility, not a denial: its "excluded" was a negation cue, and
# "LGE cannot be excluded" ruled LGE out (of a query and of a report)
_NOT_EXCLUDED = re.compile(
    r"\b(?:can(?:not|'t|\s++not)|could\s++not|couldn't)\s++(?:be\s++)?"
    r"(?:(?:completely|entirely|fully|definitely|reliably|confidently)\s++)?"
    r"(?:excluded|ruled\s++out|exclude|rule\s++out)\b", re.IGNORECASE)
# a hedge that doubts a finding: "low likelihood of LV dysfunction", "LV dysfunction unlikely";
# read as a negation, as "no evidence of" is (it asserted the finding)
_HEDGE = re.compile(r"\b(?:(?:a\s++)?(?:very\s++)?(?:low|little|small|minimal)\s++"
                    r"(?:likelihood|probability|chance|possibility)\s++(?:of|for)"
                    r"|(?:very\s++|highly\s++)?(?:unlikely|improbable)(?:\s++to\s++be)?)\b",
                    re.IGNORECASE)
# "low-normal" (or "low normal", "low-to-normal", "low/normal") is within the normal range
_LOW_NORMAL = re.compile(r"\blow[\s/-]*+(?:to[\s-]++)?normal\b", re.IGNORECASE)
# one judgement over both ejection fractions, before or after them: "low LVEF and RVEF",
# "LVEF and RVEF are reduced", "LVEF and RVEF both normal"; "low LVEF or RVEF" is an "or"
_GRADE = r"(?:(?:mildly|moderately|severely|markedly|slightly)\s++)?"
_JUDGED = rf"{_GRADE}(?:low|reduced|impaired|depressed|decreased|poor|preserved|normal|good)"
_EF_JOIN = r"\s*+(?:,|and|&|/|(?:and\s*+/\s*+)?or)\s*+"
# a second ejection fraction with its own value or judgement takes none from the first:
# "normal LVEF, RVEF reduced", "reduced LVEF and RVEF 55 %"
_OWN = (r"(?!\s*+:?\s*+(?:(?:is|are|was|were|of|remains?|appears?)\s++)?(?:\w+ly\s++)?"
        r"(?:\d|low|reduc|impair|depress|decreas|poor|preserv|normal|good|hyperdynamic|"
        r"borderline|abnormal|not\b))")
_EF_BEFORE = re.compile(rf"\b(?P<judged>{_JUDGED})\s++(?P<first>lvef|rvef)(?P<join>{_EF_JOIN})"
                        rf"(?P<second>lvef|rvef)\b{_OWN}", re.IGNORECASE)
_EF_AFTER = re.compile(r"\b(?P<first>lvef|rvef)(?P<join>" + _EF_JOIN + r")(?P<second>lvef|rvef)"
                       r"\s++(?P<is>(?:are|were)\s++)?(?:both\s++)?(?:(?P<is2>are|were)\s++)?"
                       rf"(?P<judged>{_JUDGED})\b", re.IGNORECASE)
_JUDGED_END = re.compile(rf"\b{_JUDGED}\s++$", re.IGNORECASE)
_SINGULAR = {"are": "is", "were": "was"}  # "LVEF and RVEF are normal": "LVEF is normal and ..."


def _each_ef(match: re.Match[str]) -> str:
    if match.group("first").lower() == match.group("second").lower():
        return match.group(0)
    if match.re is _EF_BEFORE:
        said = match.group("judged")
        return f"{said} {match.group('first')}{match.group('join')}{said} {match.group('second')}"
    if _JUDGED_END.search(match.string, max(match.start() - 40, 0), match.start()):
        return match.group(0)  # "normal LVEF, RVEF reduced": the first has its own
    verb = (match.group("is") or match.group("is2") or "").strip().lower()
    said = f"{_SINGULAR[verb]} {match.group('judged')}" if verb else match.group("judged")
    return f"{match.group('first')} {said}{match.group('join')}{match.group('second')} {said}"


# "hypertrophy of the papillary muscles, septum and lateral wall": a list of walls after a
# structure; its commas cut the LV walls from the hypertrophy (each a clause of its own)
_WALL_NAME = (r"(?:sept\w*|apex|apical|anter\w*|infer\w*|later\w*|poster\w*|lv|left\s++"
              r"ventric\w*|myocard\w*|segments?)")
_LISTED_WALLS = re.compile(rf"\b(papillary\s++muscles?),(?=\s*+(?:the\s++)?{_WALL_NAME}\b"
                           r"[^,.;\n]{0,60}?\band\b)", re.IGNORECASE)


# a thickening word starting a list of states of one structure, cut from it at a comma or at
# "and" and a grade: "thick and severely dilated LV" is "thick LV and severely dilated LV" (cut,
# the "thick" had no LV; read whole, the dilation's grade was the hypertrophy's), "thick,
# dilated LV" is "thick LV, dilated LV", "thickened and mildly dilated aorta" the aorta's
# thickening (cut, it was LV hypertrophy); not after a structure ("RV thickened, dilated LV")
_THICK_LISTED = re.compile(
    r"(?:(?<![\w\s])|(?<=[.;:,(]\s)|(?<=\bthe\s)|(?<=\ba\s)|(?<=ly\s))"
    r"\b(thick|thickened|hypertrophied)(\s*+,\s*+(?:\w+ly\s++)?|\s++and\s++\w+ly\s++)(\w++)"
    r"\s++((?:the\s++)?(?:lv\b(?!\s*+(?:outflow|short|long|slices?|stacks?|cines?|sax|lax)\b)|"
    r"left\s++ventricle\b|aort\w*+(?:\s++(?:root|arch|wall))?))",
    re.IGNORECASE)


def as_reported(text: str) -> str:
    """`text` worded as both readers read it: "cannot be excluded" as possible, its hedges as
    negations, "low-normal" as normal, a judgement of two ejection fractions said of each, a
    comma list of walls after the papillary muscles as one list, and a thickening and a graded
    state of one structure each said of it."""
    text = _THICK_LISTED.sub(r"\1 \4\2\3 \4", _NOT_EXCLUDED.sub("possible", text))
    text = _LOW_NORMAL.sub("normal", _HEDGE.sub("not", text))
    text = _EF_AFTER.sub(_each_ef, _EF_BEFORE.sub(_each_ef, text))
    return _LISTED_WALLS.sub(r"\1 and", text)


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
# a list said nothing of is read once whole (the group `bare`, left as it is): tried from each
# of its items, a long list ("T1, T2, T1, ...") was read again from every one; at a word's
# start only, as the others: from "septal" inside "inferoseptal T1 reduced" it took the list
# and left "reduced" to be read as a function
_TISSUE_PHRASE = re.compile(rf"\b{_TISSUE_SAID}\s++{_TISSUE}|\b{_TISSUE}\s++"
                            rf"(?:(?:is|are|was|were)\s++)?{_TISSUE_SAID}|(?P<bare>\b{_TISSUE})",
                            re.IGNORECASE)


def tissue_phrases(text: str) -> list[str]:
    """The tissue characterisation `text` says ("reduced T1 values", "T2 elevated")."""
    return [" ".join(m.group(0).split()) for m in _TISSUE_PHRASE.finditer(text)
            if not m["bare"]]


def without_tissue(text: str) -> str:
    """`text` with its tissue characterisation made spaces (a position in it is one in
    `text`): read as function words, they ruled a finding in or out."""
    return _TISSUE_PHRASE.sub(lambda m: m[0] if m["bare"] else " " * len(m[0]), text)
