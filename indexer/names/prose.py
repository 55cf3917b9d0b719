"""The cues a name has besides a signer's label: the prose that names a person next ("Discussed
with J. Stokes", "Results phoned to Mary Stokes") and a role on the line below it, as a
signature's block writes it ("Mary Stokes\\nRadiographer", "Dmitri Volkov\\nConsultant
Cardiologist"). Either cue expects a name as a label does, and the words are weighed as after
one (`signatures`, `labelled.named_by_label`): an eponym faker knows as a surname is a name
there after a given name or initials, as clinical text never writes one ("Stokes-Adams",
"Simpson's method" stay; "Austin Flint" is an eponym whole), and a term, a role or a report
word on the line above a role keeps the line ("Normal study\\nConsultant review advised").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from indexer.names import forms, labelled, wordlists
from indexer.names.gazetteer import (
    family_names,
    given_names,
    pieces,
    report_word,
    short_family_names,
    terms,
    unknown_name,
    words,
)

_UP, _LOW = forms.UPPER, forms.LOWER
_INITIALS = rf"[{_UP}]\.(?:[^\S\n]?[{_UP}]\.){{0,2}}|[{_UP}](?:[^\S\n]?[{_UP}]){{0,2}}"
# a cue, then initials or a given name, then one word: the eponym's surname, a whole word
# neither hyphenated nor possessive ("Stokes-Adams", "Simpson's")
_CUED = re.compile(
    rf"(?P<cue>(?i:{forms.PROSE_CUE})[^\S\n]+)(?P<name>(?:(?P<initials>{_INITIALS})"
    rf"|(?P<given>[{_UP}][{_LOW}]+))[^\S\n]+(?P<surname>[{_UP}][{_LOW}]+))(?![\w'’-])")
_TWO = 2  # letters of the shortest family names ("Li", "Ng")
_NO_INITIALS = frozenset({"A", "I"})  # without a full stop, words: "discussed with A Simpson"
# a line of one to four words shaped as a name's, initials before them maybe, a comma maybe,
# and a role starting the next
_ABOVE_ROLE = re.compile(
    rf"(?m:^)(?P<lead>[^\S\n]*+)(?:(?P<initials>{_INITIALS})[^\S\n]+)?(?P<name>{forms.SIGN_NAME})"
    rf"[^\S\n]*+,?[^\S\n]*+\n(?=[^\S\n]*+(?i:{forms.SIGNERS})(?![\w'’-]))")
# a cue, then one to four words shaped as a name's, then the sentence's, the clause's or the
# line's end, or a word a clause goes on with ("Discussed with Dmitri Volkov.", "phoned to
# Okafor on the ward"; not a noun: "discussed with Turner syndrome" is the patient's), not a
# comma before a capital: "Jones, Mark" is the given-name rules' (`given`), and "Patel, Hope to
# repeat" is no name; weighed as after a label, but no English word in it
_GOES_ON = "on|at|in|by|about|regarding|re|today|yesterday|who|and|or|as|via|over|from"
_PROSE_NAMED = re.compile(
    rf"(?P<lead>(?i:{forms.PROSE_CUE})[^\S\n]+)(?:(?P<initials>{_INITIALS})[^\S\n]+)?"
    rf"(?P<name>{forms.SIGN_NAME})"
    rf"(?=[^\S\n]*+(?:,(?![^\S\n]*+[{_UP}])|[;()&/]|\.?[^\S\n]*+(?:\n|\Z)|\.[^\S\n]"
    rf"|\d{{1,2}}[:.]\d\d\b|(?:{_GOES_ON})(?![\w'’-])))")
_NUMERAL = re.compile(r"[IVX]+")


def _cued(match: re.Match[str]) -> bool:
    """Whether the initials or given name and the eponym after a prose cue are a person's: a
    given name faker knows that is no word, or initials that are no article, then an eponym a
    label makes a name (`labelled.named_by_label`: "Stokes", "Simpson"; not "Ross", "Becker")
    that is no eponym whole with the word before it ("Austin Flint")."""
    surname, given = match.group("surname"), match.group("given")
    if surname.lower() not in wordlists.EPONYM_TERMS.split() or not labelled.named_by_label(
            surname) or f"{(given or '').lower()} {surname.lower()}" in wordlists.EPONYMS:
        return False
    if given is not None:
        return given in given_names() and given.lower() not in words()
    return _prose_initials(match)


def scrub_cued_eponyms(text: str, then: Callable[[str, int], tuple[str, int]]) -> str:
    """`text` with an eponym's surname after initials or a given name after a prose cue as
    [name] ("Discussed with J. Stokes" is "Discussed with [name]"), and the list going on after
    it as `then` reads it from where it ends ("J. Stokes and Dmitri Volkov"): the other names
    there are the given-name rules' (`given`), which refuse each term."""
    out: list[str] = []
    pos = 0
    while match := _CUED.search(text, pos):
        if _cued(match):
            others, end = then(text, match.end())
            out.append(f"{text[pos:match.start()]}{match.group('cue')}[name]{others}")
        else:
            end = match.end()
            out.append(text[pos:end])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _named(match: re.Match[str], signer: Callable[[str], bool]) -> str:
    """The match with what follows its lead to its name's end (initials and the name) as
    [name] where `signer` weighs the name's words a person's."""
    if not signer(match.group("name")):
        return match.group()
    whole, start = match.group(), match.start()
    return f"{whole[:match.end('lead') - start]}[name]{whole[match.end('name') - start:]}"


def _above_role(name: str, initials: bool) -> bool:
    """Whether the words on a line above a role may be a person's: a role below is a weaker cue
    than a label before, as a clinical line may end above it ("Allergies Nil\nNurse", "Cox
    Maze\nConsultant review"). No report word nor role, each word a name faker knows or one it
    lacks shaped as a name ("Dmitri Volkov"; not "Medtronic Micra", "McGoon Ratio"), an
    English word or an eponym only as the surname after initials or a given name faker knows
    that is no word ("Mary Stokes"; not "Carpentier Edwards", "Royal Brompton"), and one word
    alone a given or family name faker knows that is no word nor eponym ("Okafor"; not
    "Jatene", "Whipple")."""
    named = [w for w in name.split() if w.lower() not in forms.SIGN_PARTICLES]
    lows = [w.lower() for w in named]
    if not named or any(report_word(w) or w in wordlists.ROLES for w in lows):
        return False
    first = name.split(maxsplit=1)[0]  # a particle first is no given name ("Da Silva Cone")
    given = initials or (first in given_names() and first.lower() not in words())
    if any(_clinical(w) or w in words() for w in lows[:-1]) or (
            (_clinical(lows[-1]) or lows[-1] in words()) and not given):
        return False
    if given:  # after it, a surname as a label's ("Anna Lazarus", "J. Stokes")
        return True
    if len(named) == 1:  # two letters as after a label ("Li", "Ng"; not "OP")
        return lows[0] in family_names() or named[0] in given_names() or (
            len(lows[0]) == _TWO and labelled.named_by_label(named[0]))
    return all(w in family_names() or w.title() in given_names() or unknown_name(w.title())
               for w in lows)


def _clinical(low: str) -> bool:
    """Whether a word is an eponym's or a term (`terms`, the eponym lists)."""
    return low in terms() or low in _eponyms() or low in wordlists.EPONYM_SURNAMES or (
        low in wordlists.BARE_EPONYMS or low in wordlists.NO_INITIAL_SURNAMES)


@cache
def _eponyms() -> frozenset[str]:
    return frozenset(wordlists.EPONYM_TERMS.split())


def scrub_above_roles(text: str, signer: Callable[[str], bool]) -> str:
    """`text` with a line's name above a role as [name] where `signer` weighs its words a
    person's and they read as one above a role (`_above_role`: "Mary Stokes\nRadiographer" is
    "[name]\nRadiographer"): initials before the name go with it."""
    return _ABOVE_ROLE.sub(lambda m: _named(m, lambda name: _prose_initials(m) and _above_role(
        name, m.group("initials") is not None) and signer(name)), text)


def _prose_initials(match: re.Match[str]) -> bool:
    """Whether the initials before a name after a prose cue or above a role, where there are
    any, are no article, abbreviation nor numeral ("J Volkov", "JS Volkov"; not "A Volkov",
    "MR Volkov")."""
    initials = match.group("initials")
    if initials is None:
        return True
    letters = re.sub(r"[.\s]", "", initials)
    return initials not in _NO_INITIALS and letters not in wordlists.ABBREVIATIONS and not (
        len(letters) > 1 and _NUMERAL.fullmatch(letters))


def _prose_word(name: str, initials: bool) -> bool:
    """Whether one word alone after a prose cue may be a name: a family name faker knows
    ("Discussed with Okafor"); a word it lacks needs initials or a given name before it, as
    prose names a place, a program or a method by one ("Reviewed with Osirix", "Discussed with
    Southampton", "Reviewed with Fick"), and several words each a name's."""
    named = [w for w in name.split() if w.lower() not in forms.SIGN_PARTICLES]
    if initials:
        return True
    if len(named) > 1:  # each a name faker knows or shaped as one ("Dmitri Volkov"; not "Hey")
        return all(w.lower() in family_names() or w in given_names() or unknown_name(w)
                   for w in named)
    low = named[-1].lower() if named else ""
    return low in family_names() or low in short_family_names()


def scrub_prose_named(text: str, signer: Callable[[str], bool],
                      then: Callable[[str, int], tuple[str, int]]) -> str:
    """`text` with the words shaped as a name after a prose cue as [name] where `signer` weighs
    them a person's, none is an English word and one alone is a known family name: prose
    writes them as often as a name ("Discussed with Dmitri Volkov." is "Discussed with
    [name]."; "Discussed with Mark Brown regarding" stays, as the given-name rules leave it);
    initials before them go with them ("d/w JS Volkov"), and the list going on after them as
    `then` reads it from where they end ("Mary Stokes and Dmitri Volkov")."""
    out: list[str] = []
    pos = 0
    while match := _PROSE_NAMED.search(text, pos):
        name = match.group("name")
        if (_prose_initials(match) and _prose_word(name, match.group("initials") is not None)
                and signer(name)
                and not any(p in words() for w in name.split() for p in pieces(w))):
            others, end = then(text, match.end("name"))
            out.append(f"{text[pos:match.end('lead')]}[name]{others}")
        else:
            end = match.end()
            out.append(text[pos:end])
        pos = end
    out.append(text[pos:])
    return "".join(out)
