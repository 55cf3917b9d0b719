"""Teaching-file pages: list and create collections, add and remove cases, share, export.

Anyone signed in reads the teaching files shared with them; curators create their own, and
change those they own or that are shared with them to edit. Administrators moderate: they read
every teaching file, and delete, un-share or remove cases from any (an owner who left cannot).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from accounts import AccountError, Principal, Role, check_name
from catalog import PayloadField, point_id
from db import (
    Access,
    Action,
    Case,
    Collection,
    EventId,
    TeachingAccessError,
    TeachingError,
    TeachingFiles,
    parse_tags,
)
from db.teaching import EVERYONE
from db.teaching_text import clean_note
from indexer.deidentify import scrub_free_text
from web.auth import is_head, record, refused, require, viewed
from web.deps import indexed, layout_of, store_of
from web.pages import render
from web.redact import payload_for
from web.render import STATIC
from web.teaching import chunks, handout_file
from web.teaching_notes import note_warning

router = APIRouter(prefix="/teaching", include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Role.VIEWER))]
Curator = Annotated[Principal, Depends(require(Role.CURATOR))]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _files(request: Request) -> TeachingFiles:
    files: TeachingFiles = request.app.state.teaching
    return files


def _moderator(principal: Principal) -> bool:
    """Administrators moderate every teaching file (an owner who left cannot take theirs
    down, and a disabled owner's stayed shared)."""
    return principal.allows(Role.ADMIN)


def _not_found(request: Request, collection_id: int) -> HTMLResponse:
    """404 whether or not the file exists (that it does is not told); one that exists but is
    not the person's to read is a Security Alert in the trail, as a refused change is."""
    if _files(request).exists(collection_id):
        refused(request, teaching_file=collection_id, reason="not shared with you")
    return render(request, "error.html", 404, title="Not found",
                  message=f"There is no teaching file {collection_id} shared with you.")


def _cannot(request: Request, title: str, error: TeachingError, collection_id: int | None,
            ) -> HTMLResponse:
    """The page for a change refused, with the error's status (400 bad input, 403 not yours
    to change, 404 no such file or case); one to a file not the person's is a Security Alert
    in the trail, as a refused role is."""
    if isinstance(error, TeachingAccessError):
        refused(request, teaching_file=collection_id, reason=str(error)[:120])
    return render(request, "error.html", error.status, title=title, message=str(error))


@router.get("", response_class=HTMLResponse)
def collections(request: Request, principal: Reader) -> HTMLResponse:
    return _listing(request, principal)


def _listing(request: Request, principal: Principal, status: int = 200,
             error: str | None = None) -> HTMLResponse:
    """The person's teaching files (an administrator's: every one, each owner named)."""
    found = _files(request).collections(principal.name, _moderator(principal))
    return render(request, "teaching_list.html", status,
                  collections=[_shown(c, principal) for c in found], error=error,
                  may_create=principal.allows(Role.CURATOR))


@router.post("", response_class=HTMLResponse, response_model=None)
def create(request: Request, principal: Curator,
           name: Annotated[str, Form()] = "") -> Response:  # empty: the length's message
    try:
        collection_id = _create(request, principal, name)
    except TeachingError as error:
        return _listing(request, principal, 400, str(error))
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


def _create(request: Request, principal: Principal, name: str) -> int:
    """The person's collection of that name; the trail is told when this request made it (of
    two at once, one did)."""
    collection_id, made = _files(request).make(principal.name, name)
    if made:
        record(request, EventId.INSTANCES_ACCESSED, Action.CREATE, teaching_file=collection_id)
    return collection_id


@router.post("/add", response_model=None)
def add(request: Request, principal: Curator, study_instance_uid: Annotated[str, Form()],
        collection_id: Annotated[str, Form()] = "", new_name: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = "") -> Response:
    files = _files(request)
    target: int | None = None
    try:
        if len(study_instance_uid) > 64 or not indexed(request, study_instance_uid):
            raise TeachingError(f"study {study_instance_uid[:64]} is not in the index")
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
        return _cannot(request, "Cannot add the case", error, target)
    if not added.new:
        return _already(request, principal, target, added.case, note, tags)
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, [study_instance_uid],
           teaching_file=target, change="add case")
    return RedirectResponse(f"/teaching/{target}", status_code=303)


def _already(request: Request, principal: Principal, collection_id: int, case: Case,
             note: str, tags: str) -> Response:
    """A study added again: the file's page, saying that it was there already and kept as it
    was (an add replaced the curator's note with the one typed, and said nothing), with what
    was typed in its case's form, unsaved; the trail records that nothing changed."""
    record(request, EventId.INSTANCES_ACCESSED, Action.READ, [case.study_instance_uid],
           teaching_file=collection_id, change="add case: already present, unchanged")
    found = _files(request).collection(collection_id, principal.name)
    if found is None:  # deleted since: there is no page to show it on
        return RedirectResponse("/teaching", status_code=303)
    kept = _merged(case, note, tags)
    return _detail(request, principal, found, already=case.id,
                   kept=kept if kept[1:] != (case.note, ", ".join(case.tags)) else None)


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
    found = _files(request).collection(collection_id, principal.name, _moderator(principal))
    if found is None:
        return _not_found(request, collection_id)
    return _detail(request, principal, found)


def _detail(request: Request, principal: Principal, found: Collection, status: int = 200,
            error: str | None = None, kept: tuple[int, str, str] | None = None,
            already: int | None = None) -> HTMLResponse:
    """A teaching file's page, with the forms the person's role and share let them use (a
    curator demoted to viewer was shown Share and Delete, which then answered 403). `kept`:
    a case's note and tags as typed, refused for `error` (or not saved: the case `already`
    in the file). Notes that look identifying are named to those who may edit them."""
    cases = _with_payloads(request, principal, found.id)
    viewed(request, [c.study_instance_uid for c, p in cases if p], teaching_file=found.id,
           **_moderating(principal, found))
    if not principal.allows(Role.CLINICIAN):  # a viewer reads no report text, nor raw notes
        cases = [(_scrubbed(c), p) for c, p in cases]
    curator, moderator = principal.allows(Role.CURATOR), _moderator(principal)
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


def _moderating(principal: Principal, found: Collection | None) -> dict[str, Any]:
    """For the trail: the owner of a file an administrator acts on that is not theirs."""
    if found is None or found.access is Access.OWN or not _moderator(principal):
        return {}
    return {"owner": found.owner}


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
    if principal is not None and _moderator(principal):  # before the act: it may delete it
        moderated = _moderating(principal, _files(request).collection(
            collection_id, principal.name, moderator=True))
    try:
        uids = act()
    except TeachingError as error:
        return _cannot(request, title, error, collection_id)
    record(request, EventId.INSTANCES_ACCESSED, action, uids, teaching_file=collection_id,
           change=change, **moderated)
    return RedirectResponse(then or f"/teaching/{collection_id}", status_code=303)


@router.post("/{collection_id}/remove/{case_id}", response_model=None)
def remove(request: Request, principal: Curator, collection_id: RowId,
           case_id: RowId) -> Response:
    return _change(request, collection_id, "Cannot remove the case", "remove case",
                   lambda: [_files(request).remove(collection_id, principal.name, case_id,
                                                   _moderator(principal))],
                   principal=principal)


@router.post("/{collection_id}/edit/{case_id}", response_model=None)
def edit_case(request: Request, principal: Curator, collection_id: RowId, case_id: RowId,
              note: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = "",
              ) -> Response:
    """Replace a case's note and tags; empty clears them (a note holding what identifies a
    patient could otherwise only go with the case). A note or tags refused: the file's page
    again, with what was typed in its form (the error page lost it)."""
    try:  # who may change it is checked first, then what was typed
        uid = _files(request).edit_case(collection_id, principal.name, case_id, note, tags,
                                        check=_check_tags)
    except TeachingError as error:
        found = _files(request).collection(collection_id, principal.name)
        if error.status != 400 or found is None:
            return _cannot(request, "Cannot change the case", error, collection_id)
        return _detail(request, principal, found, 400, str(error), (case_id, note, tags))
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
        return _files(request).delete(collection_id, principal.name, _moderator(principal))

    return _change(request, collection_id, "Cannot delete the teaching file",
                   "delete teaching file", act, Action.DELETE, "/teaching", principal)


@router.post("/{collection_id}/leave", response_model=None)
def leave(request: Request, principal: Reader, collection_id: RowId) -> Response:
    """Take a teaching file shared with one off one's list."""
    def act() -> list[str]:
        _files(request).leave(collection_id, principal.name)
        return []

    return _change(request, collection_id, "Cannot leave the teaching file", "leave", act,
                   then="/teaching")


@router.post("/{collection_id}/share", response_model=None)
def share(request: Request, principal: Curator, collection_id: RowId,
          grantee: Annotated[str, Form()] = "", access: Annotated[str, Form()] = "read"
          ) -> Response:
    """Share with a user (or `*`, everyone) to read or edit; `none` withdraws it (all an
    administrator may do to a file not theirs)."""
    files, moderator = _files(request), _moderator(principal)
    try:
        found = files.readable(collection_id, principal.name, moderator)
        if found.access is not Access.OWN and not (moderator and access == "none"):
            raise TeachingAccessError(f"teaching file {collection_id}: only its owner may "
                                      "share it" + (" (an administrator may stop sharing it)"
                                                    if moderator else ""))
        if access != "none":  # a share is withdrawn by the name it lists, account or not
            grantee = _grantee(request, principal, grantee, access)
        files.share(collection_id, principal.name, grantee, access, moderator)
    except TeachingError as error:
        return _cannot(request, "Cannot share", error, collection_id)
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, teaching_file=collection_id,
           change="share", grantee=grantee[:80], access=access[:8],
           **_moderating(principal, found))
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


def _grantee(request: Request, principal: Principal, typed: str, access: str) -> str:
    """The account a share names, as it is spelt ("BOB" is bob), or `*`: a grant to a name
    no account has was listed and took effect for whoever took that name later. Editing is
    shared with a role that may edit only (a viewer's "may edit" was shown and meant
    nothing)."""
    typed = typed.strip()
    if typed == EVERYONE:
        return typed
    if not typed:  # it was "Bad request name: Field required"
        raise TeachingError("share with: a user name, or * for everyone")
    try:
        account = request.app.state.users.get(check_name(typed))
    except AccountError:
        account = None
    if account is None:
        raise TeachingError(f"no account named {typed[:80]!r}: share with a user name (a "
                            "colleague who signs in through the identity provider has one "
                            "after signing in once), or * for everyone")
    if account.name == principal.name:
        raise TeachingError("you own this teaching file: share it with someone else")
    if access == "edit" and not account.role.allows(Role.CURATOR):
        raise TeachingError(f"{account.name} is a {account.role.value}, whose role cannot "
                            "edit teaching files: share it to read")
    return str(account.name)


@router.get("/{collection_id}/export.zip", response_model=None)
def export(request: Request, principal: Reader, collection_id: RowId) -> Response:
    """The handout, zipped into a temporary file case by case and streamed from it (in
    memory, 1,000 cases took 1.2 GB); a HEAD builds and records nothing, as nothing is
    sent."""
    found = _files(request).collection(collection_id, principal.name, _moderator(principal))
    if found is None:
        return _not_found(request, collection_id)
    headers = {"Content-Disposition":
               f'attachment; filename="teaching-file-{collection_id}.zip"'}
    if is_head(request):
        answer = Response(media_type="application/zip", headers=headers)
        del answer.headers["content-length"]  # not known without building it
        return answer
    held = _with_payloads(request, principal, collection_id)
    cases = [(c, p) for c, p in held if p]  # a study no longer indexed has nothing to show
    file = handout_file(found.name, cases, layout_of(request).root,
                        (STATIC / "handout.css").read_text(encoding="utf-8"),
                        missing=len(held) - len(cases))
    try:
        headers["Content-Length"] = str(file.seek(0, 2))
        file.seek(0)
        record(request, EventId.EXPORT, Action.READ, [c.study_instance_uid for c, _ in cases],
               teaching_file=collection_id, cases=len(cases), **_moderating(principal, found))
    except BaseException:
        file.close()
        raise
    # closed after the response too: a client gone mid-download left it to the collector
    return StreamingResponse(chunks(file), media_type="application/zip", headers=headers,
                             background=BackgroundTask(file.close))


def _with_payloads(request: Request, principal: Principal,
                   collection_id: int) -> list[tuple[Case, dict[str, Any]]]:
    cases = _files(request).cases(collection_id)
    hits = store_of(request).retrieve([point_id(c.study_instance_uid) for c in cases])
    settings = request.app.state.settings
    by_uid = {h.payload.get(PayloadField.STUDY_INSTANCE_UID):
              payload_for(h.payload, principal, settings) for h in hits}
    return [(c, by_uid.get(c.study_instance_uid, {})) for c in cases]
