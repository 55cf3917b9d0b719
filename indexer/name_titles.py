"""Names after a title ("Dr J. Smith", "Prof. Dr. med. Hans Meier", "DR VAN DEN BERG"), each
replaced by [name]: `name_forms.TITLED` finds them, and a title in capitals ("DR", "PROF") is
one only before initials, a particle, a given name or a known family name: "DR" also names a
pacemaker's model ("Adapta DR ADDR01", "Accent DR RF") and diabetic retinopathy ("with DR
Stage 2").
"""

from __future__ import annotations

import re

from indexer import name_forms as forms
from indexer.given_names import is_titled

_CAPITALS = re.compile(r"(?:DR|PROF)\b")


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
