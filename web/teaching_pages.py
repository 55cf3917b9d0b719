"""Teaching-file pages: list and create collections, add, edit and remove cases, delete, leave.

Anyone signed in reads the teaching files shared with them; curators create their own, and
change those they own or that are shared with them to edit. Administrators moderate: they read
every teaching file, and delete, un-share or remove cases from any (an owner who left cannot).
Who may do what is `web.teaching_access`'; sharing and export have their own modules, whose
routes join this router.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import Principal, Role
from db import (
    Access,
    Action,
    Case,
    Collection,
    EventId,
    TeachingError,
    parse_tags,
)
from db.teaching_text import clean_note
from indexer.deidentify import scrub_free_text
from web import teaching_edit, teaching_export, teaching_share
from web.auth import record, viewed
from web.deps import indexed
from web.pages import render, study_page
from web.teaching_access import (
    Curator,
    Reader,
    RowId,
    cannot,
    files_of,
    moderates,
    moderating,
    not_found,
    with_payloads,
)
from web.teaching_kept import flash, keep, safe_back, take
from web.teaching_notes import check_file_name, note_warning

router = APIRouter(prefix="/teaching", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def collections(request: Request, principal: Reader) -> HTMLResponse:
    return _listing(request, principal)


def _listing(request: Request, principal: Principal, status: int = 200,
             error: str | None = None, typed: str = "") -> HTMLResponse:
    """The person's teaching files (an administrator's: every one, each owner named); `typed`:
    a name refused for `error`, kept in the form."""
    found = files_of(request).collections(principal.name, moderates(principal))
    return render(request, "teaching_list.html", status,
                  collections=[_shown(c, principal) for c in found], error=error,
                  may_create=principal.allows(Role.CURATOR), typed=typed)


@router.post("", response_class=HTMLResponse, response_model=None)
def create(request: Request, principal: Curator,
           name: Annotated[str, Form()] = "") -> Response:  # empty: the length's message
    try:
        # a name the curator has already opens that file, and its page says so (it did not)
        existing = files_of(request).find(principal.name, name) is not None
        collection_id = _create(request, principal, name)
    except TeachingError as error:
        return _listing(request, principal, 400, str(error), name)
    return RedirectResponse(f"/teaching/{collection_id}" + ("?existing=1" if existing else ""),
                            status_code=303)


def _create(request: Request, principal: Principal, name: str) -> int:
    """The person's collection of that name; the trail is told when this request made it (of
    two at once, one did)."""
    check_file_name(name)
    collection_id, made = files_of(request).make(principal.name, name)
    if made:
        record(request, EventId.INSTANCES_ACCESSED, Action.CREATE, teaching_file=collection_id)
    return collection_id


@router.post("/add", response_model=None)
def add(request: Request, principal: Curator, study_instance_uid: Annotated[str, Form()],
        collection_id: Annotated[str, Form()] = "", new_name: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = "") -> Response:
    """Add a study to a teaching file, then go to the file (or, from a result card, back to
    the results). A result card's button names the file and the results in the URL it posts
    to (`collection_id`, `back`: no patient's text): its form lies outside the search form,
    as forms do not nest. Input refused: the study's page again, with what was typed."""
    collection_id = collection_id or request.query_params.get("collection_id", "")
    back = safe_back(request.query_params.get("back", ""))
    files = files_of(request)
    target: int | None = None
    known = False
    try:
        if len(study_instance_uid) > 64 or not indexed(request, study_instance_uid):
            raise TeachingError(f"study {study_instance_uid[:64]} is not in the index")
        known = True
        files.check_case(note, tags)  # before a new collection is made for it
        _check_tags(tags)
        if new_name.strip():
            target = _create(request, principal, new_name)
        elif (collection_id.isascii() and collection_id.isdigit() and len(collection_id) < 10
              and int(collection_id) >= 1):  # the ids the file's own routes take
            target = int(collection_id)
        else:
            raise TeachingError("choose a teaching file or name a new one")
        added = files.add(target, principal.name, study_instance_uid, note, tags)
    except TeachingError as error:
        if known and error.status == 400 and back is None:
            return _refused(request, principal, study_instance_uid, error,
                            {"collection_id": collection_id, "new_name": new_name,
                             "note": note, "tags": tags})
        return cannot(request, "Cannot add the case", error, target)
    if not added.new:
        return _already(request, principal, target, added.case, note, tags, back)
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, [study_instance_uid],
           teaching_file=target, change="add case")
    if back is not None:
        _confirm(request, principal, target, "Added to teaching file “{}”.")
        return RedirectResponse(back, status_code=303)
    return RedirectResponse(f"/teaching/{target}", status_code=303)


def _refused(request: Request, principal: Principal, uid: str, error: TeachingError,
             typed: dict[str, str]) -> Response:
    """The study's page again, the refusal beside its form and what was typed still in it
    (an error page lost the note): re-rendered, not redirected, so that nothing typed goes
    into a URL."""
    request.state.teaching_form = {"error": str(error), **typed}
    page = study_page(request, principal, uid)
    page.status_code = error.status
    return page


def _confirm(request: Request, principal: Principal, collection_id: int, line: str) -> None:
    """The line the results say after an add from a card: which file (`line`'s {}), and a
    link to it."""
    found = files_of(request).collection(collection_id, principal.name)
    name = _shown(found, principal).name if found else f"{collection_id}"
    flash(request, line.format(name), f"/teaching/{collection_id}")


def _already(request: Request, principal: Principal, collection_id: int, case: Case,
             note: str, tags: str, back: str | None) -> Response:
    """A study added again: the file's page (or the results, from a card), saying that it was
    there already and kept as it was (an add replaced the curator's note with the one typed,
    and said nothing), with what was typed in its case's form, unsaved; the trail records
    that nothing changed. A redirect, as after an add: a refresh posted it again."""
    record(request, EventId.INSTANCES_ACCESSED, Action.READ, [case.study_instance_uid],
           teaching_file=collection_id, change="add case: already present, unchanged")
    if back is not None:
        _confirm(request, principal, collection_id,
                 "Already in teaching file “{}”: kept as it was.")
        return RedirectResponse(back, status_code=303)
    kept = _merged(case, note, tags)
    if kept[1:] != (case.note, ", ".join(case.tags)):
        keep(principal, collection_id, kept)
    return RedirectResponse(f"/teaching/{collection_id}?already={case.id}", status_code=303)


def _merged(case: Case, note: str, tags: str) -> tuple[int, str, str]:
    """The case's form as shown after it was added again: its own note and tags with what was
    typed added to them, so that a Save loses neither (the typed note alone replaced the one
    there, another curator's perhaps, when saved)."""
    typed = clean_note(note)
    if " ".join(typed.split()) in " ".join(case.note.split()):
        typed = ""
    merged_tags = sorted(set(case.tags) | set(parse_tags(tags)))
    return (case.id, "\n\n".join(t for t in (case.note, typed) if t),
            ", ".join(merged_tags))


@router.get("/{collection_id}", response_class=HTMLResponse)
def collection(request: Request, principal: Reader, collection_id: RowId) -> HTMLResponse:
    found = files_of(request).collection(collection_id, principal.name, moderates(principal))
    if found is None:
        return not_found(request, collection_id)
    return _detail(request, principal, found, **_added_again(request, principal, found.id))


def _added_again(request: Request, principal: Principal, collection_id: int) -> dict[str, Any]:
    """After an add of a case the file held (`?already=` its id): the notice, and the note
    and tags typed for it, held for this one view."""
    raw = request.query_params.get("already", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        return {}
    case_id = int(raw)
    if all(c.id != case_id for c in files_of(request).cases(collection_id)):
        return {}  # removed since, or another file's
    return {"already": case_id, "kept": take(principal, collection_id, case_id)}


def _detail(request: Request, principal: Principal, found: Collection, status: int = 200,
            error: str | None = None, kept: tuple[int, str, str] | None = None,
            already: int | None = None) -> HTMLResponse:
    """A teaching file's page, with the forms the person's role and share let them use (a
    curator demoted to viewer was shown Share and Delete, which then answered 403). `kept`:
    a case's note and tags as typed, refused for `error` (or not saved: the case `already`
    in the file). Notes that look identifying are named to those who may edit them."""
    cases = with_payloads(request, principal, found.id)
    viewed(request, [c.study_instance_uid for c, p in cases if p], teaching_file=found.id,
           **moderating(principal, found))
    if not principal.allows(Role.CLINICIAN):  # a viewer reads no report text, nor raw notes
        cases = [(_scrubbed(c), p) for c, p in cases]
    curator, moderator = principal.allows(Role.CURATOR), moderates(principal)
    may_edit = found.access is not Access.READ and curator
    may_share = found.access is Access.OWN and curator
    warnings = {c.id: w for c, _ in cases if may_edit and (w := note_warning(c.note))}
    return render(request, "teaching_detail.html", status, collection=_shown(found, principal),
                  cases=cases, may_edit=may_edit, may_remove=may_edit or moderator,
                  may_share=may_share, may_unshare=moderator and not may_share,
                  may_delete=may_share or moderator, show_uids=curator, error=error, kept=kept,
                  already=already, warnings=warnings, warned=[
                      (n, c.id) for n, (c, _) in enumerate(cases, 1) if c.id in warnings],
                  may_leave=found.access is not Access.OWN and principal.name.lower() in
                  {g.lower() for g in found.shares})


def _check_tags(tags: str) -> None:
    """Tags are for findings and themes: one the free-text scrubber would change (a titled
    name, an ID, a date) is refused, as the handout would print it."""
    for raw in re.split(r"[,;]", tags):
        tag = raw.strip()
        if tag and scrub_free_text(tag) != tag:
            raise TeachingError(f"tag {tag[:40]!r} looks like a name, an ID or a date: tags "
                                "name findings and themes")


def _shown(collection: Collection, principal: Principal) -> Collection:
    """The collection as the person may read its name: free text, scrubbed for a viewer."""
    if principal.allows(Role.CLINICIAN):
        return collection
    return dataclasses.replace(collection, name=scrub_free_text(collection.name))


def _scrubbed(case: Case) -> Case:
    return Case(case.id, case.study_instance_uid, scrub_free_text(case.note),
                [scrub_free_text(t) for t in case.tags], case.added)


def _change(request: Request, collection_id: int, title: str, change: str,
            act: Callable[[], list[str]], action: Action = Action.UPDATE,
            then: str | None = None, principal: Principal | None = None) -> Response:
    """Make a change to a teaching file (`act` returns the studies it touched), record it in
    the trail and go back to the file, or say why it was refused. `principal`: an
    administrator, who may be acting on a file not theirs (the trail names its owner)."""
    moderated: dict[str, Any] = {}
    if principal is not None and moderates(principal):  # before the act: it may delete it
        moderated = moderating(principal, files_of(request).collection(
            collection_id, principal.name, moderator=True))
    try:
        uids = act()
    except TeachingError as error:
        return cannot(request, title, error, collection_id)
    record(request, EventId.INSTANCES_ACCESSED, action, uids, teaching_file=collection_id,
           change=change, **moderated)
    return RedirectResponse(then or f"/teaching/{collection_id}", status_code=303)


@router.post("/{collection_id}/remove/{case_id}", response_model=None)
def remove(request: Request, principal: Curator, collection_id: RowId,
           case_id: RowId, version: Annotated[str, Form()] = "") -> Response:
    """`version`: the case's when the page was opened (one edited since is kept)."""
    return _change(request, collection_id, "Cannot remove the case", "remove case",
                   lambda: [files_of(request).remove(
                       collection_id, principal.name, case_id, moderates(principal),
                       teaching_edit.opened_version(version))],
                   principal=principal)


@router.post("/{collection_id}/edit/{case_id}", response_model=None)
def edit_case(request: Request, principal: Curator, collection_id: RowId, case_id: RowId,
              note: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = "",
              version: Annotated[str, Form()] = "") -> Response:
    """Replace a case's note and tags; empty clears them (a note holding what identifies a
    patient could otherwise only go with the case). A note or tags refused: the file's page
    again, with what was typed in its form (the error page lost it); so too when another
    saved the case since the form was opened at `version` (409: both saves were taken, and
    the first one's text lost)."""
    try:  # who may change it is checked first, then what was typed
        uid = files_of(request).edit_case(collection_id, principal.name, case_id, note, tags,
                                        check=_check_tags,
                                        version=teaching_edit.opened_version(version))
    except TeachingError as error:
        found = files_of(request).collection(collection_id, principal.name)
        if error.status not in (400, 409) or found is None:
            return cannot(request, "Cannot change the case", error, collection_id)
        return _detail(request, principal, found, error.status, str(error),
                       (case_id, note, tags))
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, [uid],
           teaching_file=collection_id, change="edit note")
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


@router.post("/{collection_id}/delete", response_model=None)
def delete(request: Request, principal: Curator, collection_id: RowId,
           confirm: Annotated[str, Form()] = "") -> Response:
    """Delete a teaching file, by its owner or an administrator; the form's box must be
    ticked (only the browser asked for it: a script's post deleted at once)."""
    def act() -> list[str]:
        if not confirm:
            raise TeachingError(f"teaching file {collection_id} was not deleted: tick the box "
                                "that confirms it")
        return files_of(request).delete(collection_id, principal.name, moderates(principal))

    return _change(request, collection_id, "Cannot delete the teaching file",
                   "delete teaching file", act, Action.DELETE, "/teaching", principal)


@router.post("/{collection_id}/leave", response_model=None)
def leave(request: Request, principal: Reader, collection_id: RowId) -> Response:
    """Take a teaching file shared with one off one's list."""
    def act() -> list[str]:
        files_of(request).leave(collection_id, principal.name)
        return []

    return _change(request, collection_id, "Cannot leave the teaching file", "leave", act,
                   then="/teaching")


# after this module's routes, in the order they were declared before they moved
router.include_router(teaching_share.router)
router.include_router(teaching_export.router)
router.include_router(teaching_edit.router)
