"""What in a teaching note looks as if it identifies a patient: the text the report scrubber
(`indexer.deidentify.scrub_free_text`) takes out of it, named for the curator who wrote it.

The note is kept as written (it is the curator's, read on the file's page by those it is
shared with); the handout prints it scrubbed. A note "Pt Okafor, MRN SYN000001 - classic case"
went in without a word: the page now says what looked identifying, so that it can be edited.
"""

from __future__ import annotations

import re
from functools import lru_cache

from db import TeachingError
from indexer.deidentify import scrub_free_text

# the scrubber's placeholders, and what each stands for
_KINDS = {"[id]": "an ID", "[date]": "a date", "[name]": "a name", "[email]": "an e-mail address",
          "[phone]": "a phone number", "[over 89]": "an age over 89",
          "[age over 89]": "an age over 89"}
# a literal "[id]" typed in a note stands for itself, not for what was taken out
_PLACEHOLDER = re.compile("(" + "|".join(re.escape(k) for k in sorted(_KINDS, key=len,
                                                                      reverse=True)) + ")")
# what the scrubber leaves and yet points at one patient's study: a research study's label
# (ACDC-style "acdc-patient045", indexed under it as its UID) and a DICOM UID (a root of 0, 1
# or 2 and three or more numeric components: a measurement's "1.5" or "35.5" is no UID)
_STUDY_LABEL = re.compile(r"\b(?:[a-z0-9]+[-_])*patient[-_]?\d+\b", re.IGNORECASE)
_UID = re.compile(r"(?<![\w.])[012](?:\.\d+){3,}(?![\w.]*\w)")
SHOWN = 3  # what looked identifying, named at most; the rest counted
MAX_SHOWN = 40  # characters of each


def identifying(note: str) -> list[tuple[str, str]]:
    """(text, what it looks like) for each stretch of `note` the scrubber would take out, in
    order: ("MRN SYN000001", "an ID"), then each study label or UID it leaves."""
    found = list(_identifying(note))
    for pattern, kind in ((_STUDY_LABEL, "a study label"), (_UID, "a study UID")):
        for match in pattern.finditer(note):
            if any(match[0] in text for text, _ in found):  # the scrubber named it already
                continue
            # a piece of it the scrubber took ("113619" of a UID, as an ID): the whole instead
            found = [(t, k) for t, k in found if not t or t not in match[0]] + [(match[0], kind)]
    return sorted(found, key=lambda f: note.find(f[0]) if f[0] else -1)


def check_file_name(name: str) -> None:
    """A teaching file's name, at create and rename alike, is checked as a tag is: "Cases of
    Mr John Smith 12/03/2024" went in without a word (the page and list show it as typed)."""
    name = " ".join(name.split())
    if name and (scrub_free_text(name) != name or _STUDY_LABEL.search(name)):
        raise TeachingError(f"teaching file name {name[:40]!r} looks like a name, an ID or a "
                            "date: name a teaching file for its findings or theme")


def scrub_note(text: str) -> str:
    """`text` as the handout prints it: scrubbed, and the study labels and UIDs the scrubber
    leaves taken out too (the warning says the handout leaves them out; it printed them)."""
    # before the scrubber, which takes a UID's long component alone ("1.2.840.[id].2.55.3")
    return scrub_free_text(_UID.sub("[id]", _STUDY_LABEL.sub("[id]", text)))


@lru_cache(maxsize=2048)  # a file's page asks again for every note at each view
def _identifying(note: str) -> tuple[tuple[str, str], ...]:
    scrubbed = scrub_free_text(note)
    if scrubbed == note:
        return ()
    pieces = _PLACEHOLDER.split(scrubbed)
    spans = _aligned(note, pieces[::2], pieces[1::2])
    if spans is None:  # the scrubber changed more than the stretches it took out: kinds only
        kinds = pieces[1::2]
        return tuple(("", _KINDS[k]) for k in dict.fromkeys(kinds)
                     if kinds.count(k) > note.count(k))
    return tuple((text, " or ".join(dict.fromkeys(_KINDS[k] for k in kinds)))
                 for text, kinds in spans if text and text not in kinds)


def _aligned(note: str, texts: list[str], kinds: list[str],
             ) -> list[tuple[str, list[str]]] | None:
    """(text taken out, its placeholders) for each run of placeholders in the scrubbed note
    (`texts` kept around `kinds`, placeholders in order): each text kept is found in `note`
    in turn, the leftmost after the last, and what lies between them was taken out. Linear
    in the note: a difference of the two as token sequences (difflib) took 4.5 s for a
    4,000-character note of 235 dates at each first view of the page. None where the two do
    not line up."""
    first, last = texts[0], texts[-1]
    if not note.startswith(first) or not note[len(first):].endswith(last):
        return None
    found: list[tuple[str, list[str]]] = []
    at, end, run = len(first), len(note) - len(last), [kinds[0]]
    for kind, text in zip(kinds[1:], texts[1:-1], strict=True):
        # placeholders side by side, or a space apart: one stretch (a space is found as
        # readily inside "NHS 943 476 5919" as after it; a comma or a bracket is not)
        if not text.strip():
            run.append(kind)
            continue
        after = note.find(text, at + 1, end)
        if after < 0:
            return None
        found.append((note[at:after].strip(), run))
        at, run = after + len(text), [kind]
    if at >= end:
        return None
    found.append((note[at:end].strip(), run))
    return found


def note_warning(note: str) -> str | None:
    """One line for the curator naming what in `note` looks identifying; None when nothing
    does."""
    found = identifying(note)
    if not found:
        return None
    named = "; ".join(f"“{_clip(text)}” ({kind})" if text else kind
                      for text, kind in found[:SHOWN])
    more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return (f"This note may identify a patient: {named}{more}. It is kept as written, and the "
            "handout leaves such text out: edit the note if it should not be there.")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"
