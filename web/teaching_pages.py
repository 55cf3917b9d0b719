"""Teaching-file pages: list and create collections, add and remove cases, share, export.

Anyone signed in reads the teaching files shared with them; curators create their own, and
change those they own or that are shared with them to edit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import AccountError, Principal, Role, check_name
from catalog import PayloadField, point_id
from db import Action, Case, EventId, TeachingError, TeachingFiles
from db.teaching import EVERYONE
from web.auth import record, require, viewed
from web.deps import indexed, layout_of, store_of
from web.pages import render
from web.redact import payload_for
from web.render import STATIC
from web.teaching import handout_zip

router = APIRouter(prefix="/teaching", include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Role.VIEWER))]
Curator = Annotated[Principal, Depends(require(Role.CURATOR))]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _files(request: Request) -> TeachingFiles:
    files: TeachingFiles = request.app.state.teaching
    return files


def _not_found(request: Request, collection_id: int) -> HTMLResponse:
    return render(request, "error.html", 404, title="Not found",
                  message=f"There is no teaching file {collection_id} shared with you.")


@router.get("", response_class=HTMLResponse)
def collections(request: Request, principal: Reader) -> HTMLResponse:
    return render(request, "teaching_list.html",
                  collections=_files(request).collections(principal.name), error=None,
                  may_create=principal.allows(Role.CURATOR))


@router.post("", response_class=HTMLResponse, response_model=None)
def create(request: Request, principal: Curator,
           name: Annotated[str, Form()] = "") -> Response:  # empty: the length's message
    files = _files(request)
    try:
        collection_id = files.create(principal.name, name)
    except TeachingError as error:
        return render(request, "teaching_list.html", 400, may_create=True,
                      collections=files.collections(principal.name), error=str(error))
    record(request, EventId.INSTANCES_ACCESSED, Action.CREATE, teaching_file=collection_id)
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


@router.post("/add", response_model=None)
def add(request: Request, principal: Curator, study_instance_uid: Annotated[str, Form()],
        collection_id: Annotated[str, Form()] = "", new_name: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = "") -> Response:
    files = _files(request)
    try:
        if len(study_instance_uid) > 64 or not indexed(request, study_instance_uid):
            raise TeachingError(f"study {study_instance_uid[:64]} is not in the index")
        files.check_case(note, tags)  # before a new collection is made for it
        if new_name.strip():
            target = files.create(principal.name, new_name)
        elif collection_id.isascii() and collection_id.isdigit() and len(collection_id) < 10:
            target = int(collection_id)
        else:
            raise TeachingError("choose a teaching file or name a new one")
        files.add(target, principal.name, study_instance_uid, note, tags)
    except TeachingError as error:
        return render(request, "error.html", 400, title="Cannot add the case",
                      message=str(error))
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, [study_instance_uid],
           teaching_file=target, change="add case")
    return RedirectResponse(f"/teaching/{target}", status_code=303)


@router.get("/{collection_id}", response_class=HTMLResponse)
def collection(request: Request, principal: Reader, collection_id: RowId) -> HTMLResponse:
    found = _files(request).collection(collection_id, principal.name)
    if found is None:
        return _not_found(request, collection_id)
    cases = _with_payloads(request, principal, collection_id)
    viewed(request, [c.study_instance_uid for c, _ in cases], teaching_file=collection_id)
    return render(request, "teaching_detail.html", collection=found, cases=cases)


@router.post("/{collection_id}/remove/{case_id}", response_model=None)
def remove(request: Request, principal: Curator, collection_id: RowId,
           case_id: RowId) -> Response:
    try:
        _files(request).remove(collection_id, principal.name, case_id)
    except TeachingError as error:
        return render(request, "error.html", 400, title="Cannot remove the case",
                      message=str(error))
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, teaching_file=collection_id,
           change="remove case", case=case_id)
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


@router.post("/{collection_id}/share", response_model=None)
def share(request: Request, principal: Curator, collection_id: RowId,
          grantee: Annotated[str, Form()] = "", access: Annotated[str, Form()] = "read"
          ) -> Response:
    """Share with a user (or `*`, everyone) to read or edit; `none` withdraws it."""
    try:
        if access != "none":  # a share is withdrawn by the name it lists, account or not
            grantee = _grantee(request, principal, grantee)
        _files(request).share(collection_id, principal.name, grantee, access)
    except TeachingError as error:
        return render(request, "error.html", 400, title="Cannot share", message=str(error))
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, teaching_file=collection_id,
           change="share", grantee=grantee[:80], access=access[:8])
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


def _grantee(request: Request, principal: Principal, typed: str) -> str:
    """The account a share names, as it is spelt ("BOB" is bob), or `*`: a grant to a name
    no account has was listed and took effect for whoever took that name later."""
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
    return str(account.name)


@router.get("/{collection_id}/export.zip", response_model=None)
def export(request: Request, principal: Reader, collection_id: RowId) -> Response:
    found = _files(request).collection(collection_id, principal.name)
    if found is None:
        return _not_found(request, collection_id)
    cases = _with_payloads(request, principal, collection_id)
    body = handout_zip(found.name, cases, layout_of(request).root,
                       (STATIC / "handout.css").read_text(encoding="utf-8"))
    record(request, EventId.EXPORT, Action.READ, [c.study_instance_uid for c, _ in cases],
           teaching_file=collection_id, cases=len(cases))
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="teaching-file-{collection_id}.zip"'})


def _with_payloads(request: Request, principal: Principal,
                   collection_id: int) -> list[tuple[Case, dict[str, Any]]]:
    cases = _files(request).cases(collection_id)
    hits = store_of(request).retrieve([point_id(c.study_instance_uid) for c in cases])
    settings = request.app.state.settings
    by_uid = {h.payload.get(PayloadField.STUDY_INSTANCE_UID):
              payload_for(h.payload, principal, settings) for h in hits}
    return [(c, by_uid.get(c.study_instance_uid, {})) for c in cases]
