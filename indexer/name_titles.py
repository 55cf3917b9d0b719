"""Names after a title ("Dr J. Smith", "Prof. Dr. med. Hans Meier", "DR VAN DEN BERG", "Drs
Smith and Patel"), each replaced by [name]: `name_forms.TITLED` and `name_forms.DOCTORS` find
them, and a title in capitals ("DR", "PROF") is one only before initials, a particle, a given
name or a known family name: "DR" also names a pacemaker's model ("Adapta DR ADDR01", "Accent
DR RF") and diabetic retinopathy ("with DR Stage 2").
"""

from __future__ import annotations

import re

from indexer import name_forms as forms
from indexer import name_words as wordlists
from indexer.given_names import is_titled
from indexer.name_gazetteer import words

_CAPITALS = re.compile(r"(?:DR|PROF)\b")


def doctors(match: re.Match[str]) -> str:
    """Each name after "Drs" as [name], the words between them kept: "[name] and [name]". On
    the next line ("Drs Smith and\nPatel") a name only where it is a given or a known family
    name and no sentence goes on after it ("Drs Smith and\nBecker muscular dystrophy"): the
    rest of the list is left as it is."""
    names, out, pos = match.group("names"), [], 0
    for one in forms.DOCTOR_ONE.finditer(names):
        if "\n" in names[pos:one.start()] and not _next_line_name(match, one):
            break
        out.append(f"{names[pos:one.start()]}[name]")
        pos = one.end()
    return "".join(out) + names[pos:]


def _next_line_name(match: re.Match[str], one: re.Match[str]) -> bool:
    """Whether a doctor of `match` that begins a line, `one`, is a name (`doctors`): a given or
    a known family name that is no word nor eponym ("Kerley", "Becker", "Ross"), the list's
    end or its next name after it."""
    last = one.group().split()[-1]
    plain = last.lower()
    end = match.start("names") + one.end()
    if plain in words() or plain in wordlists.EPONYM_SURNAMES | wordlists.NO_INITIAL_SURNAMES:
        return False
    return is_titled(last) and (end < match.end() or bool(forms.LIST_END.match(match.string, end)))


def _refused(match: re.Match[str]) -> int | None:
    """Where a title in capitals that names no one ends ("DR" of "Accent DR RF"), or None
    where the match is a name."""
    capitals = _CAPITALS.match(match.group())
    if capitals is None or match.group("initials") or match.group("particles"):
        return None
    return None if is_titled(match.group("surname")) else match.start() + capitals.end()


def scrub_titles(text: str) -> str:
    """`text` with each name after a title as [name]. A title in capitals that is none holds
    only itself: the words after it, a title among them, are read again ("Adapta DR Prof
    Smith"), so that a second scrub, with the words before it gone, finds what the first did."""
    out, pos = [], 0
    while match := forms.TITLED.search(text, pos):
        end = _refused(match)
        out.append(text[pos:match.start()] + ("[name]" if end is None else text[match.start():end]))
        pos = match.end() if end is None else end
    out.append(text[pos:])
    return "".join(out)
