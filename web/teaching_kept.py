"""What an add to a teaching file leaves for the page the browser is sent to next (the add
answers with a redirect, so that a refresh does not post it again): the note and tags a
curator typed for a case already in the file, and the line that confirms an add from a result
card. Neither goes into a URL or the log: the note stays in this process, keyed by the person
and the case, and is read once; the line rides in the session.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from fastapi import Request

from accounts import Principal, Role
from db import Access, Collection
from web.pages import templates
from web.teaching_access import files_of

KEPT_MOST = 256  # typed notes waiting for their page, the oldest dropped first
FLASH = "teaching_added"  # the session's key for the line after an add from a card

_kept: OrderedDict[tuple[str, int, int], tuple[int, str, str]] = OrderedDict()
_lock = threading.Lock()


def keep(principal: Principal, collection_id: int, kept: tuple[int, str, str]) -> None:
    """Hold a case's form as typed (case id, note, tags) for the person's next view of it."""
    with _lock:
        _kept[(principal.name.lower(), collection_id, kept[0])] = kept
        while len(_kept) > KEPT_MOST:
            _kept.popitem(last=False)


def take(principal: Principal, collection_id: int, case_id: int) -> tuple[int, str, str] | None:
    """The form held for that case, once (a second view shows the case as saved). Another
    server process held it: None, the page then says only that the case was there."""
    with _lock:
        return _kept.pop((principal.name.lower(), collection_id, case_id), None)


def flash(request: Request, text: str, href: str) -> None:
    """A line for the next page of results: what was added, and where."""
    request.session[FLASH] = {"text": text[:200], "href": href}


def safe_back(back: str) -> str | None:
    """`back` when it is a path on this site to go back to (the results a card was on): an
    absolute or scheme-relative URL would send the curator elsewhere."""
    back = back.strip()
    if (len(back) > 2000 or not back.startswith("/") or back.startswith("//")
            or "\\" in back or any(ord(c) < 32 for c in back)):
        return None
    return back


def card_targets(request: Request, principal: Principal | None) -> list[Collection] | None:
    """The teaching files a result card's "Add to teaching file" offers: those the person may
    add to, as on the study page; None for a person who is no curator (no control shown).
    Asked once a page: every card of it reads the same list."""
    if principal is None or not principal.allows(Role.CURATOR):
        return None
    cached = getattr(request.state, "card_targets", None)
    if cached is None:
        cached = [c for c in files_of(request).collections(principal.name)
                  if c.access is not Access.READ]
        request.state.card_targets = cached
    return list(cached)


# the result cards' templates ask it (_card_teach.html, _teach_added.html)
templates.env.globals["card_targets"] = card_targets
