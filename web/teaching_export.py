"""Exporting a teaching file: its handout, zipped case by case into a temporary file and
streamed from it, recorded in the trail."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from db import Action, EventId
from web.auth import is_head, record
from web.deps import layout_of
from web.render import STATIC
from web.teaching import chunks, handout_file
from web.teaching_access import (
    Reader,
    RowId,
    files_of,
    moderates,
    moderating,
    not_found,
    with_payloads,
)

# its routes join the teaching-file pages' router (`web.teaching_pages`), under /teaching
router = APIRouter(include_in_schema=False)


@router.get("/{collection_id}/export.zip", response_model=None)
def export(request: Request, principal: Reader, collection_id: RowId) -> Response:
    """The handout, zipped into a temporary file case by case and streamed from it (in
    memory, 1,000 cases took 1.2 GB); a HEAD builds and records nothing, as nothing is
    sent."""
    found = files_of(request).collection(collection_id, principal.name, moderates(principal))
    if found is None:
        return not_found(request, collection_id)
    headers = {"Content-Disposition":
               f'attachment; filename="teaching-file-{collection_id}.zip"'}
    if is_head(request):
        answer = Response(media_type="application/zip", headers=headers)
        del answer.headers["content-length"]  # not known without building it
        return answer
    held = with_payloads(request, principal, collection_id)
    cases = [(c, p) for c, p in held if p]  # a study no longer indexed has nothing to show
    file = handout_file(found.name, cases, layout_of(request).root,
                        (STATIC / "handout.css").read_text(encoding="utf-8"),
                        missing=len(held) - len(cases))
    try:
        headers["Content-Length"] = str(file.seek(0, 2))
        file.seek(0)
        record(request, EventId.EXPORT, Action.READ, [c.study_instance_uid for c, _ in cases],
               teaching_file=collection_id, cases=len(cases), **moderating(principal, found))
    except BaseException:
        file.close()
        raise
    # closed after the response too: a client gone mid-download left it to the collector
    return StreamingResponse(chunks(file), media_type="application/zip", headers=headers,
                             background=BackgroundTask(file.close))
