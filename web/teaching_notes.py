"""What in a teaching note looks as if it identifies a patient: the text the report scrubber
(`indexer.deidentify.scrub_free_text`) takes out of it, named for the curator who wrote it.

The note is kept as written (it is the curator's, read on the file's page by those it is
shared with); the handout prints it scrubbed. A note "Pt Okafor, MRN SYN000001 - classic case"
went in without a word: the page now says what looked identifying, so that it can be edited.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from indexer.deidentify import scrub_free_text

# the scrubber's placeholders, and what each stands for
_KINDS = {"[id]": "an ID", "[date]": "a date", "[name]": "a name", "[email]": "an e-mail address",
          "[phone]": "a phone number", "[over 89]": "an age over 89",
          "[age over 89]": "an age over 89"}
# words, single marks and spaces; a placeholder is one token (a literal "[id]" typed in a
# note is one on both sides, so it is no change)
_TOKEN = re.compile("|".join(re.escape(k) for k in sorted(_KINDS, key=len, reverse=True))
                    + r"|\w+|[^\w\s]|\s+")
SHOWN = 3  # what looked identifying, named at most; the rest counted
MAX_SHOWN = 40  # characters of each


def identifying(note: str) -> list[tuple[str, str]]:
    """(text, what it looks like) for each stretch of `note` the scrubber would take out, in
    order: ("MRN SYN000001", "an ID")."""
    return list(_identifying(note))


@lru_cache(maxsize=2048)  # a file's page asks again for every note at each view
def _identifying(note: str) -> tuple[tuple[str, str], ...]:
    scrubbed = scrub_free_text(note)
    if scrubbed == note:
        return ()
    before, after = _TOKEN.findall(note), _TOKEN.findall(scrubbed)
    found: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        kinds = [_KINDS[t] for t in after[j1:j2] if t in _KINDS]
        text = "".join(before[i1:i2]).strip()
        if op != "equal" and kinds and text:
            found.append((text, " or ".join(dict.fromkeys(kinds))))
    return tuple(found)


def note_warning(note: str) -> str | None:
    """One line for the curator naming what in `note` looks identifying; None when nothing
    does."""
    found = identifying(note)
    if not found:
        return None
    named = "; ".join(f"“{_clip(text)}” ({kind})" for text, kind in found[:SHOWN])
    more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return (f"This note may identify a patient: {named}{more}. It is kept as written, and the "
            "handout leaves such text out: edit the note if it should not be there.")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"
