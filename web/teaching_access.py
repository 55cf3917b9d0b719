"""Who may read and change a teaching file, for the teaching-file routes: the roles they take,
the person's teaching files, moderation by administrators, the refusals (a 404 that does not
tell whether the file exists, a change refused), and a file's cases with the index payloads
the person may read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse

from accounts import Principal, Role
from catalog import PayloadField, point_id
from db import Access, Case, Collection, TeachingAccessError, TeachingError, TeachingFiles
from web.auth import refused, require
from web.deps import store_of
from web.pages import render
from web.redact import payload_for

Reader = Annotated[Principal, Depends(require(Role.VIEWER))]
Curator = Annotated[Principal, Depends(require(Role.CURATOR))]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def files_of(request: Request) -> TeachingFiles:
    files: TeachingFiles = request.app.state.teaching
    return files


def moderates(principal: Principal) -> bool:
    """Administrators moderate every teaching file (an owner who left cannot take theirs
    down, and a disabled owner's stayed shared)."""
    return principal.allows(Role.ADMIN)


def not_found(request: Request, collection_id: int) -> HTMLResponse:
    """404 whether or not the file exists (that it does is not told); one that exists but is
    not the person's to read is a Security Alert in the trail, as a refused change is."""
    if files_of(request).exists(collection_id):
        refused(request, teaching_file=collection_id, reason="not shared with you")
    return render(request, "error.html", 404, title="Not found",
                  message=f"There is no teaching file {collection_id} shared with you.")


def cannot(request: Request, title: str, error: TeachingError, collection_id: int | None,
           ) -> HTMLResponse:
    """The page for a change refused, with the error's status (400 bad input, 403 not yours
    to change, 404 no such file or case); one to a file not the person's is a Security Alert
    in the trail, as a refused role is."""
    if isinstance(error, TeachingAccessError):
        refused(request, teaching_file=collection_id, reason=str(error)[:120])
    return render(request, "error.html", error.status, title=title, message=str(error))


def moderating(principal: Principal, found: Collection | None) -> dict[str, Any]:
    """For the trail: the owner of a file an administrator acts on that is not theirs."""
    if found is None or found.access is Access.OWN or not moderates(principal):
        return {}
    return {"owner": found.owner}


def with_payloads(request: Request, principal: Principal,
                  collection_id: int) -> list[tuple[Case, dict[str, Any]]]:
    """The file's cases, each with its study's index payload as the person may read it (empty
    for a study no longer indexed)."""
    cases = files_of(request).cases(collection_id)
    hits = store_of(request).retrieve([point_id(c.study_instance_uid) for c in cases])
    settings = request.app.state.settings
    by_uid = {h.payload.get(PayloadField.STUDY_INSTANCE_UID):
              payload_for(h.payload, principal, settings) for h in hits}
    return [(c, by_uid.get(c.study_instance_uid, {})) for c in cases]
