"""What a signer's label makes a person's name that the word lists alone keep. Right after
"Reported by:", "Radiographer:", "Nurse:", "Signature:" or "cc:" (`forms.SIGN_LABEL`) a name is
expected, and a name faker knows is one there even where it is also an English word or an
eponym ("Signed by: Mark", "Reported by: Sarah Simpson", "Radiographer: Stokes", "Radiographer:
PARK", "Radiographer: LI"): a report writes an eponym that only heads its noun with that noun
("Simpson's method", "Stokes-Adams", "Parkinson's disease"), and a clinical word with a name's
spelling never alone where a signer is named. What clinical text writes alone for a diagnosis,
an operation or a technique stays (`wordlists.BARE_EPONYMS`: "Reported by: Rastelli.",
"Verified: Glenn."), and so do a clinical abbreviation, a term that is no eponym, a role and a
medicine (`signatures` refuses them first). A name in a script faker's lists do not hold
(Chinese, Japanese, Korean, Arabic, Hebrew, Indic, Thai) after such a label is a name whole
("Radiographer: 王伟", "Reported by: 佐藤 健"): no clinical word of an English report is written
in it; so is one right after a name scrubbed, its own writing ("Wang Wei 王伟"). An eponym
faker knows as a surname with initials is a name there too ("Radiographer: J. Stokes").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from indexer.names import forms, medicines, wordlists
from indexer.names.gazetteer import (
    family_names,
    given_names,
    pieces,
    qualities,
    report_word,
    short_family_names,
    terms,
    words,
)

_LAST = 0x32400  # past the last CJK ideographs (Extension H); beyond, private use
_TWO = 2  # letters of the shortest family names ("Li", "Wu"), which only a label makes names
_SHORT_CLINICAL = frozenset(forms.SHORT_CLINICAL.split("|"))


def named_by_label(word: str) -> bool:
    """Whether one word after a signer's label is a name by the label alone: one word, a given
    or family name faker knows, in any case, that an English word or an eponym spells too
    ("Mark", "Simpson", "Stokes", "PARK"), or a family name of two letters that is no word
    ("LI", "Wu"); not an eponym written alone (`wordlists.BARE_EPONYMS`: "Ross", "Becker"), a
    term that is no eponym ("Wall", "Philips"), a state or a quality (`gazetteer.qualities`:
    "Good", "Long", "Early"), a report's word, a role or a medicine."""
    if len(pieces(word)) != 1 or len(word) < _TWO:
        return False
    plain = word.title() if word.isupper() else word
    low = plain.lower()
    if (low in wordlists.BARE_EPONYMS or low in wordlists.EPONYM_SURNAMES
            or low in wordlists.NO_INITIAL_SURNAMES or low in wordlists.ROLES
            or low in wordlists.ACCESS  # "Nurse: Line."
            or report_word(low) or medicines.is_medicine(low) or low in qualities()
            or (low in terms() and low not in _eponyms())):
        return False
    if len(low) == _TWO:  # in capitals, a clinical abbreviation first ("OP", "FU"; "LI")
        return low in short_family_names() and low not in words() and (
            low not in forms.SIGN_PARTICLES) and word not in _SHORT_CLINICAL
    return plain in given_names() or low in family_names()


@cache
def _eponyms() -> frozenset[str]:
    return frozenset(wordlists.EPONYM_TERMS.split())


def _other_scripts() -> str:
    """The letters and marks of the scripts `forms.UPPER` and `forms.LOWER` lack (all but Latin,
    Greek and Cyrillic, which the name rules read), as a character class's ranges."""
    ranges: list[list[int]] = []
    for code in range(0x0530, _LAST):
        if 0x1E00 <= code < 0x2000 or 0x2C60 <= code < 0x2C80 or 0xA720 <= code < 0xA800 or (
                0xFB00 <= code < 0xFB07) or 0xFF00 <= code < 0xFF60:
            continue  # Latin and Greek extended, Latin ligatures, full-width Latin
        if unicodedata.category(chr(code))[0] not in "LM":
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"{chr(a)}-{chr(b)}" if b > a else chr(a) for a, b in ranges)


_SCRIPT = _other_scripts()
# a word of them, its parts joined by a blank or a middle dot ("佐藤 健", "サトウ・ケン"), up to
# four; a list of them after a comma, "and", "&", "/" or an ideographic comma ("王伟、李娜")
_WORD = rf"[{_SCRIPT}]+"
_NAME = rf"{_WORD}(?:(?:[^\S\n]|[・·])++{_WORD}){{0,3}}"
# (full-width and Arabic marks too: "王伟，李娜", "محمد، علي")
_JOINT = r"[^\S\n]*+(?:[,;&/、，；／،؛]|(?i:and)(?![\w'’-]))[^\S\n]*+"
# on the line after an empty label unless a clinical abbreviation or a measure follows: a
# line of clinical text in the script may follow a label left empty ("Nurse:\n心肌梗死 LVEF
# 45%"), but a name below its label goes on as a signature does ("王伟 MD", "王伟 (consultant)",
# "王伟 12/03/2024", "王伟、李娜。"), and a name leaked is worse than a note scrubbed
_CLINICAL_AFTER = (rf"[^\S\n]*+(?:(?:{forms.CLINICAL})(?![\w'’-])"
                   r"|\d+(?:[.,]\d+)?[^\S\n]*+(?:%|mm|cm|ml|ms|bpm|g\b))")
_OTHER_SCRIPT = re.compile(
    rf"(?P<label>{forms.SIGN_LABEL}[^\S\n]*+(?P<below>\n[^\S\n]*+)?)(?P<names>(?>{_NAME}"
    rf"(?:{_JOINT}{_NAME})*))(?![\w'’-])(?(below)(?!{_CLINICAL_AFTER}))")
_ONE = re.compile(_NAME)
# and the same after a name just scrubbed, its own writing or the list's next ("[name] 王伟",
# "[name], 王伟", "[name] and 김민준": "Reported by: Wang Wei 王伟", "Smith and 王伟")
_AFTER_NAME = re.compile(rf"(?<=\[name\])(?:{_JOINT}|[^\S\n]++)(?P<names>{_NAME}"
                         rf"(?:{_JOINT}{_NAME})*)(?![\w'’-])")


def scrub_after_names(text: str) -> str:
    """`text` with the names in a script faker's lists do not hold right after a [name] as
    [name] (`_AFTER_NAME`: "[name] 王伟" is "[name] [name]")."""
    return _AFTER_NAME.sub(lambda m: m.group()[:m.start("names") - m.start()]
                           + _ONE.sub("[name]", m.group("names")), text)


def scrub_other_scripts(text: str, then: Callable[[str, int], tuple[str, int]]) -> str:
    """`text` with each name in a script faker's lists do not hold after a signer's label as
    [name], the list's marks kept ("Radiographer: 王伟" is "Radiographer: [name]",
    "Radiographers: 王伟、李娜" is "Radiographers: [name]、[name]"), and the list going on after
    them in Latin letters as `then` reads it from where they end ("王伟 and Dmitri Volkov")."""
    out: list[str] = []
    pos = 0
    while match := _OTHER_SCRIPT.search(text, pos):
        others, end = then(text, match.end())
        out.append(f"{text[pos:match.start()]}{match.group('label')}"
                   f"{_ONE.sub('[name]', match.group('names'))}{others}")
        pos = end
    out.append(text[pos:])
    return "".join(out)


# initials before or after one capitalised word, at the list's, the sentence's or the line's
# end ("Radiographer: J. Stokes", "Reported by: Simpson J"): the eponyms a label makes names
# (`named_by_label`) are never initialled in clinical text, where the rules for initials
# refuse them as terms ("J. Stokes" was kept)
_UP, _LOW = forms.UPPER, forms.LOWER
_SURNAME = rf"[{_UP}](?:[{_LOW}]+|[{_UP}]+)(?![\w'’-])"
_BEFORE = rf"[{_UP}]\.(?:[^\S\n]?[{_UP}]\.){{0,2}}|[{_UP}](?:[^\S\n][{_UP}]){{0,2}}"
_AFTER = rf"[{_UP}](?:\.?[^\S\n]?[{_UP}]){{0,2}}\.?(?![\w'’-])"
_INITIALLED = re.compile(
    rf"(?P<label>{forms.SIGN_LABEL}[^\S\n]*+(?:\n[^\S\n]*+)?)"
    rf"(?:(?P<initials>{_BEFORE})[^\S\n]++(?P<surname>{_SURNAME})"
    rf"|(?P<family>{_SURNAME})[^\S\n]++(?P<letters>{_AFTER}))"
    rf"(?=[^\S\n]*+(?:[,;()&/]|\.?[^\S\n]*+(?:\n|\Z)|\.[^\S\n]|(?i:and|or)(?![\w'’-]))"
    rf"|{forms.BEFORE_CLINICAL})")
_NO_INITIALS = frozenset({"A", "I"})  # without a full stop, words: "Reported by: A Simpson"


def _initialled(match: re.Match[str]) -> bool:
    """Whether the initials and the word `_INITIALLED` found are a person's: the word an eponym
    the label makes a name (the rules for initials refuse each term; they read the other
    names, and the lists of them: "cc: Neubauer S, Myerson S"), the initials no article ("A
    Stokes") nor a clinical abbreviation or a numeral after it ("Simpson MR", "Stokes II")."""
    word = match.group("surname") or match.group("family")
    letters = re.sub(r"[.\s]", "", match.group("initials") or match.group("letters"))
    if match.group("initials") in _NO_INITIALS or letters in wordlists.ABBREVIATIONS or (
            len(letters) > 1 and not set(letters) - set("IVX")):
        return False
    return word.lower() in _eponyms() and named_by_label(word)


def scrub_initialled(text: str, then: Callable[[str, int], tuple[str, int]]) -> str:
    """`text` with a name `_INITIALLED` finds after a signer's label as [name]
    ("Radiographer: J. Stokes" is "Radiographer: [name]"), and the list going on after it as
    `then` reads it from where it ends."""
    out: list[str] = []
    pos = 0
    while match := _INITIALLED.search(text, pos):
        if _initialled(match):
            others, end = then(text, match.end())
            out.append(f"{text[pos:match.start()]}{match.group('label')}[name]{others}")
        else:
            end = match.end()
            out.append(text[pos:end])
        pos = end
    out.append(text[pos:])
    return "".join(out)
