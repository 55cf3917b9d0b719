"""Changing a teaching file's shape: renaming it and moving its cases up or down, by its owner
or those it is shared with to edit (as its cases' notes are edited), each recorded in the
trail; and the version a case's form was opened at, which a save or a remove is checked
against (`db.teaching`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from db import Action, EventId, TeachingError
from web.auth import record
from web.teaching_access import Curator, RowId, cannot, files_of
from web.teaching_notes import check_file_name

# its routes join the teaching-file pages' router (`web.teaching_pages`), under /teaching
router = APIRouter(include_in_schema=False)


def opened_version(version: str) -> int | None:
    """The case's version its form was opened at; None when the form sent none (a script's
    post, saved as before)."""
    version = version.strip()
    if not version:
        return None
    if not (version.isascii() and version.isdigit() and len(version) < 10):
        raise TeachingError(f"version {version[:20]!r}: not a number (reload the page)")
    return int(version)


@router.post("/{collection_id}/rename", response_model=None)
def rename(request: Request, principal: Curator, collection_id: RowId,
           name: Annotated[str, Form()] = "") -> Response:
    """A new name, by the rules of a new file's (one its owner's other file has is
    refused)."""
    try:
        check_file_name(name)  # a person's name went in by rename, refused at create
        before, after = files_of(request).rename(collection_id, principal.name, name)
    except TeachingError as error:
        return cannot(request, "Cannot rename the teaching file", error, collection_id)
    if before != after:
        record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE,
               teaching_file=collection_id, change="rename")
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


@router.post("/{collection_id}/cases/{case_id}/move", response_model=None)
def move(request: Request, principal: Curator, collection_id: RowId, case_id: RowId,
         direction: Annotated[str, Form()] = "") -> Response:
    """One place up or down; back to the case on the file's page."""
    try:
        uid, before, after = files_of(request).move(collection_id, principal.name, case_id,
                                                    direction)
    except TeachingError as error:
        return cannot(request, "Cannot move the case", error, collection_id)
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, [uid],
           teaching_file=collection_id, change="move case", case_from=before, case_to=after)
    return RedirectResponse(f"/teaching/{collection_id}#case-{case_id}", status_code=303)
