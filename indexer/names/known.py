"""A surname a title or a signature's label has shown to be a name ("Mr Volkov", "Reported by:
Dmitri Volkov") is one wherever else its report writes it, and so is the given name or the
initials beside it there ("Mr Volkov and Dmitri Volkov" kept "Dmitri Volkov": neither word
is faker's, and no word before it names a person). A surname that is also a word, a term, an
eponym or a role ("Mr Long": "Long QT"; "Dr Becker": "Becker muscular dystrophy") is one only
where a rule finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from indexer.names import forms, wordlists
from indexer.names.gazetteer import (
    family_names,
    given_names,
    ordinary_word,
    terms,
    unknown_name,
    words,
)

# a capitalised word, or one in capitals, whole ("Volkov", "VOLKOV", "Volkov's")
_WORD = re.compile(rf"(?<![\w'’-])[{forms.UPPER}][{forms.UPPER}{forms.LOWER}'’-]*"
                   rf"[{forms.UPPER}{forms.LOWER}](?![\w-])")
# what stands beside a surname on its line: a word or initials before it ("Dmitri Volkov",
# "D. Volkov", "J.R. Volkov", "J Volkov"; not the article "A"), a word after it ("Volkov
# Dmitri")
_BEFORE = re.compile(rf"(?:(?<![\w'’-])(?P<given>[{forms.UPPER}][{forms.UPPER}{forms.LOWER}'’-]+)"
                     rf"|(?P<initials>(?<![\w'’.-])(?:[{forms.UPPER}]\.(?:[^\S\n]?[{forms.UPPER}]"
                     rf"\.){{0,2}}|(?![AI])[{forms.UPPER}])))[^\S\n]+$")
_AFTER = re.compile(rf"[^\S\n]+(?P<given>[{forms.UPPER}][{forms.UPPER}{forms.LOWER}'’-]+)"
                    rf"(?![\w'’-])")
_POSSESSIVE = re.compile(r"['’]s?$")
# the word after a surname, its possessive passed ("Turner's syndrome"), and the word before it
_NEXT = re.compile(rf"(?:['’]s?)?[^\S\n]+(?P<word>[{forms.UPPER}{forms.LOWER}]+)")
_PREVIOUS = re.compile(rf"(?P<word>[{forms.UPPER}{forms.LOWER}]+)[^\S\n]+$")
# a term's nouns, not a place's: "Turner syndrome", "Waterston shunt", "Gibbs artefact" are no
# Dr Turner's, Waterston's or Gibbs's; "Volkov clinic" is Dr Volkov's
_TERM_NOUNS = wordlists.NOUN_WORDS - wordlists.PLACES - {"medical", "dental", "research",
                                                          "memorial", "children"}
_REACH = 40  # characters before a surname its given name may take: a word and its blank


def surname(name: str, surname_first: bool = False) -> str | None:
    """The surname of a name a rule found ("Dmitri Volkov": "Volkov"; "Volkov, Dmitri" where
    `surname_first`: "Volkov"), None where it is an initial or a particle."""
    named = [w for w in name.replace(",", " ").split()
             if w.lower() not in forms.SIGN_PARTICLES and len(w.rstrip(".")) > 1]
    if not named:
        return None
    return named[0] if surname_first else named[-1]


def is_surname(word: str) -> bool:
    """Whether a word alone reads as a surname wherever it stands: a known family name, or a
    name faker lacks, that spreads (`_spreads`; "Okafor", "Volkov"; not "Still", "Anxious",
    "Claustrophobic", "Fabry"). In capitals only a known one ("OKAFOR"; not "HCM")."""
    plain = word.title() if word.isupper() else word
    known = plain.lower() in family_names()
    return _spreads(plain) and (known or (not word.isupper() and unknown_name(plain)))


def in_a_term(text: str, start: int, end: int) -> bool:
    """Whether the surname between `start` and `end` is a term's here: a term's noun in lower
    case follows ("Turner syndrome", "Kawashima procedure"), or it and the word beside it are
    an eponym whole ("Austin Flint murmur", "Graham Steell")."""
    after = _NEXT.match(text, end)
    if after and after.group("word") in _TERM_NOUNS:
        return True
    before = _PREVIOUS.search(text, max(0, start - _REACH), start)
    word = text[start:end].lower()
    return bool(after and f"{word} {after.group('word').lower()}" in wordlists.EPONYMS) or bool(
        before and f"{before.group('word').lower()} {word}" in wordlists.EPONYMS)


def _spreads(word: str) -> bool:
    """Whether a surname stands for its person wherever its report writes it: no word, term,
    eponym, role or abbreviation, nor a word of the text model's vocabulary ("Volkov",
    "Nakamura", "Smith"; not "Long", "Brown", "Becker", "Ward")."""
    low = word.lower()
    return len(low) >= 3 and not (
        low in words() or low in terms() or low in wordlists.EPONYM_SURNAMES
        or low in wordlists.NO_INITIAL_SURNAMES or low in wordlists.ROLES
        or word.upper() in wordlists.ABBREVIATIONS or ordinary_word(low))


def _given(word: str) -> bool:
    """Whether a word beside a known surname is its given name: one faker knows that is no
    word, or one it lacks that reads as a name ("Anna", "Dmitri"; not "Mark", "Later",
    "Known", "Severe")."""
    plain = word.title() if word.isupper() else word
    low = plain.lower()
    if low in words() or low in terms() or low in wordlists.EPONYM_SURNAMES or (
            low in wordlists.ROLES):
        return False
    # in capitals one faker knows only: "CMR", "LGE" read as names faker lacks
    return plain in given_names() or (not word.isupper() and unknown_name(plain))


def spread(text: str, surnames: Iterable[str]) -> str:
    """`text` with every other place it writes one of `surnames` (as found, or in capitals)
    as [name], the given name or initials beside it taken with it. Each word of the text is
    looked up once: a 100 kB report with a thousand staff names is read in linear time."""
    known = {s.lower() for s in surnames if _spreads(s)}
    if not known:
        return text
    out, pos = [], 0
    for match in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", match.group())  # "Volkov's report": "[name]'s report"
        if word.lower() not in known or match.start() < pos:
            continue
        start, end = match.start(), match.start() + len(word)
        if in_a_term(text, start, end):
            continue
        before = _BEFORE.search(text, max(pos, start - _REACH), start)
        if before and (before.group("initials") or _given(before.group("given"))):
            start = before.start()
        after = _AFTER.match(text, end)
        if after and after.group("given").lower() not in known and _given(after.group("given")):
            end = after.end()
        out.append(f"{text[pos:start]}[name]")
        pos = end
    out.append(text[pos:])
    return "".join(out)
