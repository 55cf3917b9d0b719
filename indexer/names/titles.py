"""Names after a title ("Dr J. Smith", "Prof. Dr. med. Hans Meier", "DR VAN DEN BERG", "Drs
Smith and Patel"), each replaced by [name]: `forms.TITLED` and `forms.DOCTORS` find
them, and a title in capitals ("DR", "PROF") is one only before initials, a particle, a given
name or a known family name: "DR" also names a pacemaker's model ("Adapta DR ADDR01", "Accent
DR RF") and diabetic retinopathy ("with DR Stage 2"). Names right after a signature's word
("Reported by: Mark Brown") are `signatures`'s.
"""

from __future__ import annotations

import re

from indexer.names import forms, known, wordlists
from indexer.names.gazetteer import unknown_name, words
from indexer.names.given import is_titled
from indexer.names.patients import scrub_patients

_CAPITALS = re.compile(r"(?:DR|PROF)\b")


def doctors(match: re.Match[str]) -> str:
    """Each name after "Drs" as [name], the words between them kept: "[name] and [name]", and
    none before a term's noun ("Drs Smith and Turner syndrome"). On the next line ("Drs Smith
    and\nPatel") a name only where it is a given or a known family name and the list, or the
    sentence, ends or goes on in words after it ("Patel. LVEF 55 %", "Patel at the MDT"; not
    "Becker muscular dystrophy", "Killip IV"): the rest of the list is left as it is."""
    names, out, pos = match.group("names"), [], 0
    for one in forms.DOCTOR_ONE.finditer(names):
        end = match.start("names") + one.end()
        if _before_a_noun(match.string, end) or (
                "\n" in names[pos:one.start()] and not _next_line_name(match, one)):
            break
        out.append(f"{names[pos:one.start()]}[name]")
        pos = one.end()
    return "".join(out) + names[pos:]


def _doctors(match: re.Match[str], found: list[str | None]) -> str:
    """`doctors`, each surname it scrubs added to `found`: "Drs Smith and Volkov" shows
    "Volkov" elsewhere in the report to be a name."""
    scrubbed = doctors(match)  # the list without its "Drs", as the scrubber always wrote it
    names = forms.DOCTOR_ONE.finditer(match.group("names"))
    found += [known.surname(one.group()) for one, _ in zip(
        names, range(scrubbed.count("[name]")), strict=False)]
    return scrubbed


# what goes on after a name: a sentence's full stop, or a lower-case word ("Patel. LVEF 55 %",
# "Patel at the MDT", "Patel who agreed"), and the word after a name on its line
_GOES_ON = re.compile(rf"\.[^\S\n]|[^\S\n]+(?P<word>[{forms.LOWER}]+)(?![\w'’-])")
_FULL_STOP = re.compile(r"\.[^\S\n]")


# a term's nouns after a doctor's name, not a place's: "Drs Smith and Jones clinic" is theirs
_TERM_NOUNS = wordlists.NOUN_WORDS - {
    "hospital", "clinic", "centre", "center", "infirmary", "institute", "university",
    "foundation", "trust", "unit", "wing", "lodge", "building", "suite", "theatre", "ward",
    "research", "memorial", "children", "medical", "laboratory", "hospice", "dental", "team"}


def _before_a_noun(text: str, end: int) -> bool:
    """Whether the name that ends at `end` begins a term: a term's noun in lower case follows
    ("Turner syndrome", "Ross procedure"; not "Jones clinic")."""
    after = forms.NEXT.match(text, end)
    word = forms.POSSESSIVE.sub("", after.group("word")) if after else ""
    return word.islower() and word in _TERM_NOUNS


def _next_line_name(match: re.Match[str], one: re.Match[str]) -> bool:
    """Whether a doctor of `match` that begins a line, `one`, is a name (`doctors`): a given or
    a known family name that is no word nor eponym ("Kerley", "Becker", "Ross"), the list's
    next name, its end, or words after it (`_GOES_ON`); or one faker lacks that reads as a
    name's ("Zybrowski") where the list or the sentence ends right after it, not before a
    word ("Regadenoson stress")."""
    last = one.group().split()[-1]
    plain = last.lower()
    end = match.start("names") + one.end()
    if plain in words() or plain in wordlists.EPONYM_SURNAMES | wordlists.NO_INITIAL_SURNAMES:
        return False
    if plain in wordlists.ROLES or plain.removesuffix("s") in wordlists.ROLES:
        return False  # "Drs Smith and\nRadiologists.": the staff by role
    ends = end < match.end() or bool(forms.LIST_END.match(match.string, end))
    if unknown_name(last):
        return ends or bool(_FULL_STOP.match(match.string, end))
    return is_titled(last) and (ends or bool(_GOES_ON.match(match.string, end)))


def _refused(match: re.Match[str]) -> int | None:
    """Where a title in capitals that names no one ends ("DR" of "Accent DR RF"), or None
    where the match is a name."""
    capitals = _CAPITALS.match(match.group())
    if capitals is None or match.group("initials") or match.group("particles"):
        return None
    return None if is_titled(match.group("surname")) else match.start() + capitals.end()


def scrub_titles(text: str) -> str:
    """`text` with each name after a title, of a doctors list ("Drs Smith and Volkov",
    `doctors`), and a patient's or a family's surname alone (`patients`) as [name]. A title
    in capitals that is none holds
    only itself: the words after it, a title among them, are read again ("Adapta DR Prof
    Smith"), so that a second scrub, with the words before it gone, finds what the first did.
    A surname a title showed to be a name is one wherever else the text writes it ("Mr Volkov
    and Dmitri Volkov", `known.spread`)."""
    text, patients = scrub_patients(text)
    found: list[str | None] = [*patients]  # the surnames scrubbed
    text = forms.DOCTORS.sub(lambda m: _doctors(m, found), text)
    out: list[str] = []
    pos = 0
    while match := forms.TITLED.search(text, pos):
        end = _refused(match)
        out.append(text[pos:match.start()] + ("[name]" if end is None else text[match.start():end]))
        if end is None:
            found.append(known.surname(match.group()[match.start("surname") - match.start():]))
        pos = match.end() if end is None else end
    out.append(text[pos:])
    return known.spread("".join(out), [s for s in found if s])
