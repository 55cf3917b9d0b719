"""How reports word a ventricle's systolic function and its wall's thickness: the patterns the
labeler's rules (`reader.labeler.RULES`) read those findings by, each matched case-blind."""

from __future__ import annotations

import re
from functools import cached_property

# "left and right ventricular" names the LV too; diastolic function is not systolic; "impaired"
# names a function ("dilated and impaired RV"), not perfusion or relaxation
LV = r"(?:\blv\b|left (?:and right )?ventric\w*|biventricular|\bboth ventricles|global)"
RV = r"(?:\brv\b|\brvot\b|right ventric\w*|biventricular|\bboth ventricles)"


def together(one: str, other: str) -> str:
    """Both wordings on one line, in either order: what `one.*other|other.*one` finds, in time
    linear in the line. Searched as written, that tried `.*` from every place `one` matched
    ("LV LV LV ...": quadratic, a 48 kB report took minutes); here only each line's first
    match of the first wording, taken whole (atomic), is read on from: any later one
    leaves less after it, and no wording here ends inside the word another starts in."""
    return f"{_then(one, other)}|{_then(other, one)}"


def _then(first: str, second: str) -> str:
    # at a line's start (`.` stops at a line's end), past every place `first` does not match
    return rf"(?<![^\n])(?:(?!{first}).)*+(?>{first}).*{second}"
FUNCTION = (r"(?:systolic|(?<!diastolic )(?<!diastolic dys)function|ejection fraction|\bef\b|"
            r"contractil\w*|hypokine\w*|"
            r"impair\w*+(?! (?:(?!and\b)\w+ ){,2}(?:diastol|perfus|relax|fill|strain)))")
# a word's rest taken whole (possessive): what follows is a space or nothing, and a long word
# backtracked once for each letter
BAD_FUNCTION = (r"(?:impair\w*+|reduc\w*+|depress\w*+|(?<!diastolic )dysfunction|hypokine\w*+|"
                r"poor\w*+|decreas\w*+)")
# RV wall akinesis and dyskinesis are its function ("RV free wall akinesis", an ARVC criterion);
# the LV's are the regional finding
RV_FUNCTION = rf"(?:{FUNCTION}|\bakine\w*|dyskine\w*)"
RV_BAD_FUNCTION = rf"(?:{BAD_FUNCTION}|\bakine\w*|dyskine\w*)"
# "low LVEF", "LVEF is low": a low function is a reduced one only beside its ejection fraction
# or function ("low signal", "low-grade", "low likelihood" are not); "low-normal LVEF" is
# normal, as reports mean it, and so are "low-to-normal" and "low/normal"
LOW = r"\blow\b(?![\s/-]*+(?:to[\s-]++)?normal)"
# "reduced LVEF", "LVEF is severely impaired", "LVEF 30 % (reduced)": the word is the worse
# one's subject only beside it (or its value), for "impaired RV function and LVEF of 60 %"
# says nothing bad of the LV; possessive, as a run of spaces backtracked for seconds;
# "LVEF is not low" (or "not reduced") denies it
EF_VALUE = r"(?:(?:is|was|of)\s++)?(?:\d+(?:\.\d+)?\s*+%?[\s,(]*+)?"
# "is", "appears", "may be": how a report says what it is ("LVEF may be low" is uncertain)
IS = (r"(?:(?:may|might|could|can)\s+be\s+|"
      r"(?:is|are|was|were|remains?|appears?|seems?|looks?)\s+)?")
# what stands between an ejection fraction and its value or judgement: a space, or a table's
# colon ("LVEF: low", "LVEF: 30 % (reduced)")
SAID = r"(?:\s*+:)?\s+"
_WORSE = rf"(?:{BAD_FUNCTION}|{LOW})"
EF_WORSE = (rf"{_WORSE}\s+{{ef}}\b|\b{{ef}}{SAID}{EF_VALUE}{IS}(?:not\s+)?"
            rf"(?:(?!previously|formerly|initially|originally|recently|historically)\w+ly\s+)?"
            rf"{_WORSE}")  # not "LVEF 55 % (previously reduced)"
EF_BETTER = (rf"(?:normal|preserved|good|hyperdynamic)\s+{{ef}}\b|"  # "preserved LVEF" too
             rf"\b{{ef}}{SAID}{EF_VALUE}(?:normal|preserved|good|hyperdynamic)\b"
             # a reference range is no judgement: "(normal range 57-77 %)", "(normal > 57)"
             r"(?!\s*+(?:ref\w*|range|values?|limits?|[<>\u2264\u2265:=]|\d|[,-]\s*\d))")
# an ejection fraction no side names is the LV's, as reports and queries use it ("reduced
# EF"); not in a clause that names the RV anywhere ("RV: EF reduced", "right ventricle EF")
BARE_EF = r"(?:ef|ejection fraction)"


def low_function(side: str, ef: str, other: str) -> str:
    """A function said low, the wording beside it: "low LV ejection fraction", "low EF",
    "RV function is low", "LVEF 32 % (low)", "low LV and RV function" (`side`: the ventricle's
    words, `ef`: its EF's, `other`: the other ventricle's, named with it)."""
    noun = rf"(?:ejection\s+fractions?|\bef|{ef}|function)\b"
    both = r"(?:\s+(?:and|&)\s+|\s*/\s*)"
    sides = rf"(?:(?:{other}){both})?(?:{side})(?:{both}(?:{other}))?"
    return (rf"{LOW}\s+(?:{sides}\s+)?(?:systolic\s+)?{noun}|"
            rf"{noun}{SAID}{EF_VALUE}{IS}(?:not\s+)?"
            rf"(?:\w+ly\s+)?{LOW}")


LV_LOW = low_function(r"lv|left\s+ventricular|biventricular", "lvef", r"rv|right\s+ventricular")
RV_LOW = low_function(r"rv|right\s+ventricular|biventricular", "rvef", r"lv|left\s+ventricular")

# a thickened wall, not the wall's systolic thickening (how it contracts: "reduced systolic
# wall thickening" is hypokinesis); another structure's thickening is `ELSEWHERE_THICKENING`'s
NOT_WALL = r"(?:pericardi\w*|valv\w*|leaflets?|cusps?)"
THICKENED = r"(?<!systolic )(?<!systolic wall )thicken(?:ed|ing)"
# "thick LV walls", "thick septum", "the septum is thick (17 mm)", "thick-walled LV", "thick
# LV": thick beside an LV wall (only its own words between), not "thick slices", "thick
# pericardium"; each of a list of states said of the LV is its own ("thick and dilated LV",
# "LV dilated and thick": only the dilation was read)
_LV_WALL_WORD = (r"(?:lv|left\s+ventricular|ventricular|interventricular|myocardial|septal|"
                 r"concentric|asymmetric|basal|mid|apical|anterior|inferior|lateral|posterior|"
                 r"antero\w*|infero\w*)")
_LV_NOUN = (r"(?:lv|left\s+ventricle)\b(?!\s*+(?:short|long|slices?|stacks?|cines?|images?|"
            r"views?|outflow|sax|lax)\b)")
_WALL_NOUN = rf"(?:walls?|septum|myocardium|{_LV_NOUN})"
# another state in the list, one word: "and dilated", ", severely dilated"
_STATE = (r"(?:\s*+(?:,|and|&|/)\s*+(?:\w+ly\s++)?(?!(?:and|or|but|with|without|the|an?|of|in|"
          r"is|are|was|were|not|no|normal|thin\w*)\b)\w++)")
# "LV dilated and thick": a state before "thick" in the list
_THEN = r"(?:(?:\w+ly\s++)?(?!(?:not|no|normal)\b)\w++\s*+(?:and|&|/)\s*+)?"
# "thick" ends what is said of the wall: not "thick slices", "LV dilated and thick trabeculations"
_NOT_SLICE = (r"(?![\s-]*+(?!(?:and|or|nor|but|with|without|in|at|measuring|to|up|walled|"
              r"throughout|than|\w+ly)\b)[a-z])")
THICK = (rf"\bthick(?:[\s-]+walled\b|{_STATE}{{0,2}}\s+(?:{_LV_WALL_WORD}\s+){{0,3}}{_WALL_NOUN})|"
         rf"\b{_WALL_NOUN}\s+(?:\(?\d+(?:\.\d+)?\s*+mm\)?\s+)?{IS}(?:not\s+)?{_THEN}"
         rf"(?:\w+ly\s+)?thick\b{_NOT_SLICE}")
# what has a wall, septum or muscle that is no LV wall: the aorta, an artery, a vein, an
# atrium and the interatrial septum ("lipomatous hypertrophy" is its fat), a papillary muscle
# (LV hypertrophy is of the wall, not of a papillary muscle alone), a valve, the pericardium,
# the pleura, a cyst; their thickening or hypertrophy says nothing of the LV (read as it,
# "Aortic wall thickening" and "Thickened interatrial septum" were LV hypertrophy, and "No
# aortic wall thickening" ruled it out)
_ELSEWHERE = (r"\b(?:aort\w*|arter\w*|vessels?|vascular|venous|veins?|venae?|"
              r"\w*atri(?:al|um|a)|[lr]a|pulmonary|mitral|tricuspid|papillary|moderator|crista|"
              rf"lipom\w*|{NOT_WALL}|pleura\w*|o?esophag\w*|bronch\w*|cyst\w*|abscess\w*|bowel|"
              r"bladder)\b")
# the parts of such a structure named between it and its thickening ("aortic root wall")
_PART = (r"(?:walls?|septum|septal|muscles?|root|arch|trunk|appendages?|band|terminalis|"
         rf"{_ELSEWHERE})")
# words between a thickening and its structure ("thickened anterolateral papillary muscle"),
# none a link to a cause ("hypertrophy secondary to aortic stenosis") nor an LV wall's
_BETWEEN = (r"(?!(?:and|or|nor|but|with|without|to|due|secondary|from|by|in|of|on|at|as|for|"
            r"than|the|an?|is|are|was|were|be|lv\w*|left\s+ventric\w*|\w*ventric\w*|sept\w*|"
            r"walls?|myocard\w*|cardiomyopath\w*|heart|concentric|asymmetric|rv\w*)\b)\w++")
# an LV wall listed with the structure: "thickened atrial and ventricular walls" is hypertrophy
_AND_LV = (rf"(?:\s++{_PART})*+\s*+(?:,|and|or|&|/)\s*+(?:\w+\s++){{0,2}}?"
           r"(?:lv\b|left\s+ventric|\w*ventric|myocard|sept(?:um|al)\b|apex\b|apical\b|"
           r"anter\w*|infer\w*|later\w*|poster\w*|segments?\b)")
_THICKENED_WORD = r"(?:hypertroph\w*|thick(?:ness|ened|ening)?)\b"
# "thickened interatrial septum", "hypertrophy of the interatrial septum", "thick-walled aorta",
# "aortic wall thickening", "papillary muscles are hypertrophied", "the pericardium is not
# thickened": a thickening and its structure, blanked before the LV's hypertrophy is read
# an LV wall listed before the structure ("asymmetric septal and papillary muscle
# hypertrophy", "LV and aortic wall thickening"): kept (the group `kept`), not blanked, and
# the thickening after it is the LV's too
_LV_LISTED = (r"(?:lv|left\s++ventric\w*|\w*ventricular|myocard\w*|sept(?:um|al)|apex|apical|"
              r"anter\w*|infer\w*|later\w*|poster\w*|concentric|asymmetric)")
# "hypertrophied and dilated atria": the thickening said with another state of the structure;
# only the thickening word is blanked ("thickened and dilated aorta" is still dilated), and only
# where it starts the list (after a clause's start, an article or a grade): in "LV hypertrophied
# and dilated pulmonary artery" it is the LV's
_ALSO = r"(?:dilat\w*|enlarg\w*|calcif\w*|thicken\w*|hypertroph\w*|thick|aneurysm\w*)\b"
_JOINED = (rf"(?=\s*+(?:,|and|or|&|/)\s*+(?:\w+ly\s++)?{_ALSO}(?:\s++the)?"
           rf"(?:\s++{_BETWEEN}){{0,2}}?\s++{_ELSEWHERE}(?!{_AND_LV}))")
ELSEWHERE_THICKENING = (
    rf"(?:(?<![\w ])|(?<=^ )|(?<=\bthe )|(?<=\ban )|(?<=\ba )|(?<=ly )|(?<=, ))"
    rf"\b(?:hypertrophi(?:ed|c)|thickened|thick(?:[\s-]++walled)?)\b{_JOINED}|"
    rf"(?P<kept>\b{_LV_LISTED}(?:\s++{_LV_LISTED}){{0,2}}\s*+(?:,|and|&|/)\s*+(?:the\s++)?"
    rf"{_ELSEWHERE})|"
    rf"\b(?:(?:hypertrophi(?:ed|c)|thickened|thick(?:[\s-]++walled)?)\b|"
    rf"(?:hypertroph(?:y|ies)|thickening|thickness)(?=\s++(?:of|involving|within)\b))"
    rf"(?:\s++(?:of|involving|within))?(?:\s++the)?(?:\s++{_BETWEEN}){{0,2}}?\s++{_ELSEWHERE}"
    rf"(?!{_AND_LV})|"
    rf"{_ELSEWHERE}(?:\s++{_PART}){{0,2}}\s++(?:\(?\d+(?:\.\d+)?\s*+mm\)?\s++)?{IS}"
    rf"(?:not\s++)?(?:\w+ly\s++)?{_THICKENED_WORD}")
# a clause that names the RV's wall and no LV's: "RV free wall thick", "RV hypertrophy", "RV
# wall thickness normal" say nothing of LV hypertrophy (they were read as it, found or ruled
# out)
RV_WALL_ONLY = (r"^(?=.*(?:\brv\b|\brvot\b|right ventric\w*|\bfree wall))"
                r"(?!.*(?:\blv\w*|left ventric\w*|biventricular|both ventricles|sept\w*|"
                r"myocard\w*|concentric|asymmetric))")


class OtherThickening:
    """A clause whose only hypertrophy wording is a thickening, and that names the pericardium
    or a valve: "pericardial effusion or thickening" is the pericardium's."""

    def __init__(self) -> None:
        self._other = re.compile(NOT_WALL, re.IGNORECASE)
        self._wall = re.compile(r"hypertroph\w*|\blvh\b|wall|sept\w*|myocard\w*|\blv\b|"
                                r"ventric\w*", re.IGNORECASE)

    def search(self, text: str, /) -> bool:
        return bool(self._other.search(text)) and not self._wall.search(text)


# an ejection fraction's number, a value or an upper bound ("LVEF 28 % (reduced)", "LVEF
# reduced (< 35 %)", "reduced LVEF (45 %)"): what grades a function said low with no grade word.
# Only words that are not another ejection fraction's name, a number or a comparison stand
# between ("LVEF reduced (> 20 %)" bounds it from below, no grade; "LVEF reduced, RVEF 25 %"),
# and no earlier study's number: "LVEF reduced (previously 25 %)" is not graded by the 25 %
_EF_NAMES = r"(?:[lr]vef|\bef\b|ejection\s++fractions?)"
_EARLIER = r"(?:previous\w*|prior\b|earlier\b|before\b|baseline\b|from\b|was\b|were\b)"
_GAP = (rf"(?:(?!{_EF_NAMES}|{_EARLIER}|above\b|over\b|greater\b|more\b|higher\b|"
        r"at\s++least\b)[^\d;,<>=\u2264\u2265]){0,30}?")
# a value, or an upper bound ("< 35"): `said_value` reads it
_BOUND_VALUE = (r"(?P<bound><=?|\u2264|less\s++than|below|under)?\s*+"
                r"(?<![\d.])(?P<value>\d{1,3}(?:\.\d)?)(?![\d.])")
_EF_NUMBER = (rf"{_GAP}{_BOUND_VALUE}(?!\s*+(?:mm|ml|cm|g\b|ms\b))"
              rf"(?!\s*+(?:%|percent)?\s*+{_EARLIER})")


def ef_number(ef: str) -> str:
    """The pattern of a number said of `ef` (an ejection fraction's words) in a clause."""
    return rf"(?:{ef}){_EF_NUMBER}"


def said_value(said: re.Match[str]) -> float:
    """The value a match of `ef_number` (or `by_cmr`) says: a strict bound holds the values
    under it, and the mildest is half a reported step below ("< 35 %": 34.95)."""
    strict = said["bound"] and not said["bound"].endswith(("=", "\u2264"))
    return float(said["value"]) - (0.05 if strict else 0.0)


LV_EF_NAME = (r"(?:\blvef\b|\b(?:lv|left\s++ventricular)\s++(?:ejection\s++fraction|ef)\b|"
              r"(?<!rv )(?<!right ventricular )(?:\bejection\s++fraction|\bef)\b)")
RV_EF_NAME = r"(?:\brvef\b|\b(?:rv|right\s++ventricular)\s++(?:ejection\s++fraction|ef)\b)"


# the modality a value was measured by: where a sentence gives an ejection fraction by several
# ("Reduced LVEF of 28 % on echo, 35 % on CMR"), the CMR's (or MRI's) is this study's (the
# echo's 28 % graded it severe)
_CMR = r"(?:c?mri?|cardiac\s++(?:mri?\b|magnetic\s++resonance)|magnetic\s++resonance)"
# another modality, whose value is not this study's (`search.bracketed` reads it so too)
OTHER_MODALITY = (r"(?:echo\w*|tte|toe|tee|transthoracic|transoesophageal|transesophageal|"
                  r"muga|spect|nuclear|ct|angio\w*|ventriculogra\w*|cath\w*|ultrasound)")
# an earlier study's CMR is not this one ("prior CMR 30 %", "30 % on CMR in 2015"): read as
# this one's, the old value graded the finding
_NOT_EARLIER = (r"(?<!previous )(?<!prior )(?<!earlier )(?<!baseline )(?<!last )(?<!initial )"
                r"(?<!old )(?<!preceding )")
_THEN_AGO = (r"(?!\s*+\(?\s*+(?:(?:(?:in|from|of)\s++(?:\w+\s++)?)?\d{4}\b|\d+\s++\w+\s++ago\b|"
             r"previously\b|earlier\b|before\b|prior\b))")
_MODALITY = rf"\b(?:{_NOT_EARLIER}(?P<cmr>{_CMR})\b{_THEN_AGO}|{OTHER_MODALITY}\b)"
# a value by a modality is a percentage, not "CMR 3 months ago", "CMR (1.5 T)"
_NO_UNIT = (r"(?!\s*+(?!(?:and|or|vs|versus|on|by|at|in|with|while|whereas|compared|percent)\b)"
            r"[a-z])")
# a value and its modality, either way round: "28 % on echo", "35 % (CMR)", "35 % by cardiac
# MRI"; "echo 28 %", "CMR: 35 %", "CMR LVEF 35 %", "CMR (35 %)"
_VALUE_BY = re.compile(rf"{_BOUND_VALUE}\s*+(?:%|percent)?\s*+\(?\s*+(?:(?:on|by|at|with|per|via|"
                       rf"using|in|from)\s++)?(?:the\s++)?{_MODALITY}", re.IGNORECASE)
_BY_VALUE = re.compile(rf"{_MODALITY}\s*+[(:=]?\s*+(?:{_EF_NAMES}\s*+)?(?:(?:of|is|was|=|:)\s*+)?"
                       rf"{_BOUND_VALUE}{_NO_UNIT}", re.IGNORECASE)
_NEXT_EF = re.compile(rf"\b{_EF_NAMES}", re.IGNORECASE)  # where another measure's values start


def by_cmr(sentence: str, named: re.Match[str]) -> re.Match[str] | None:
    """The value by CMR (its groups `value` and `bound`) of the measure `named` (its name's
    match in `sentence`) names, where the sentence gives it by another modality too, before
    the next ejection fraction named; None otherwise (one modality, or none named)."""
    end = _NEXT_EF.search(sentence, named.end())
    span = (named.start(), end.start() if end else len(sentence))
    after = list(_VALUE_BY.finditer(sentence, *span))
    # "28 % on echo 35 % on CMR": the echo is the 28's, not the 35's
    values = after + [m for m in _BY_VALUE.finditer(sentence, *span)
                      if not any(a.start() < m.end() and m.start() < a.end() for a in after)]
    cmr = sorted((m for m in values if m["cmr"]), key=lambda m: m.start())
    return cmr[0] if cmr and len(cmr) < len(values) else None


class SaidValues:
    """The values a sentence's clauses (`parts`) say of the measure `pattern` names
    (`ef_number`; None: no measure), each read once a sentence, when first asked for: read
    again for each of its clauses, a 5000-word sentence of "LV impaired, " took seconds."""

    def __init__(self, parts: list[str], pattern: re.Pattern[str] | None) -> None:
        self._parts, self._pattern = parts, pattern

    @cached_property
    def first(self) -> re.Match[str] | None:
        """The first value any clause says."""
        pattern = self._pattern
        return next((m for part in self._parts if pattern and (m := pattern.search(part))),
                    None)

    @cached_property
    def by_cmr(self) -> re.Match[str] | None:
        """The value by CMR where several modalities give one (`by_cmr`)."""
        sentence = " , ".join(self._parts)
        named = self._pattern.search(sentence) if self._pattern else None
        return by_cmr(sentence, named) if named else None
