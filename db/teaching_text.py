"""What a teaching file's free text may be: its name, a case's note and its tags, each checked
before anything is stored (`db.teaching` stores them)."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 120
MAX_NOTE = 4000
MAX_TAG = 40
MAX_TAGS = 20  # per case: 3,000 tags were accepted, bounded only by the request size


class TeachingError(ValueError):
    """A bad collection name, note or tag, or a teaching file one may not change; the message
    says which. `status`: the HTTP status a page answers it with."""

    status = 400


def printable(text: str) -> bool:
    """Printable, spaces of any width included ("LVEF 35\u00a0%" pasted from a report)."""
    return all(c.isprintable() or unicodedata.category(c) == "Zs" for c in text)


def collection_name(name: str) -> str:
    """A teaching file's name as stored: its runs of spaces as one."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise TeachingError(f"collection name: 1 to {MAX_NAME} characters")
    if not name.isprintable():  # a NUL, a terminal escape, a right-to-left override
        raise TeachingError("collection name: printable characters only")
    return name


def parse_tags(text: str) -> list[str]:
    tags = sorted({t.strip().lower() for t in re.split(r"[,;]", text) if t.strip()})
    for tag in tags:
        if len(tag) > MAX_TAG:
            raise TeachingError(f"tag {tag[:MAX_TAG]!r}...: at most {MAX_TAG} characters")
        if not printable(tag):  # a NUL or a terminal escape was stored and exported
            raise TeachingError("tags: printable characters only")
    if len(tags) > MAX_TAGS:
        raise TeachingError(f"tags: at most {MAX_TAGS} per case")
    return tags


def clean_note(note: str) -> str:
    """The note as stored: line breaks as LF before it is counted (a browser sends CRLF but
    counts a break as one character: a 4,000-character note it took was refused at 4,010)."""
    note = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(note) > MAX_NOTE:
        raise TeachingError(f"note: at most {MAX_NOTE} characters")
    # lines, tabs and the spaces reports hold (no-break, thin) are a note's; a NUL, a bell or
    # a terminal escape is not
    if not printable(note.replace("\n", " ").replace("\t", " ")):
        raise TeachingError("note: printable characters, lines and tabs only")
    return note
