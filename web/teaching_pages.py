"""Teaching-file pages: list and create collections, add and remove cases, export a handout."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from catalog import PayloadField, point_id
from web.deps import indexed, layout_of, store_of
from web.pages import render
from web.render import STATIC
from web.teaching import Case, TeachingError, TeachingFiles, handout_zip

router = APIRouter(prefix="/teaching", include_in_schema=False)


def _files(request: Request) -> TeachingFiles:
    files: TeachingFiles = request.app.state.teaching
    return files


@router.get("", response_class=HTMLResponse)
def collections(request: Request) -> HTMLResponse:
    return render(request, "teaching_list.html", collections=_files(request).collections(),
                  error=None)


@router.post("", response_class=HTMLResponse, response_model=None)
def create(request: Request, name: Annotated[str, Form()]) -> Response:
    try:
        collection_id = _files(request).create(name)
    except TeachingError as error:
        return render(request, "teaching_list.html", 400,
                      collections=_files(request).collections(), error=str(error))
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


@router.post("/add", response_model=None)
def add(request: Request, study_instance_uid: Annotated[str, Form()],
        collection_id: Annotated[str, Form()] = "", new_name: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = "") -> Response:
    files = _files(request)
    try:
        if not indexed(request, study_instance_uid):
            raise TeachingError(f"study {study_instance_uid} is not in the index")
        target = files.create(new_name) if new_name.strip() else int(collection_id or 0)
        files.add(target, study_instance_uid, note, tags)
    except (TeachingError, ValueError) as error:
        return render(request, "error.html", 400, title="Cannot add the case",
                      message=str(error))
    return RedirectResponse(f"/teaching/{target}", status_code=303)


@router.get("/{collection_id}", response_class=HTMLResponse)
def collection(request: Request, collection_id: int) -> HTMLResponse:
    files = _files(request)
    found = files.collection(collection_id)
    if found is None:
        return render(request, "error.html", 404, title="Not found",
                      message=f"There is no teaching file {collection_id}.")
    return render(request, "teaching_detail.html", collection=found,
                  cases=_with_payloads(request, collection_id))


@router.post("/{collection_id}/remove/{case_id}", response_model=None)
def remove(request: Request, collection_id: int, case_id: int) -> Response:
    _files(request).remove(collection_id, case_id)
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


@router.get("/{collection_id}/export.zip", response_model=None)
def export(request: Request, collection_id: int) -> Response:
    found = _files(request).collection(collection_id)
    if found is None:
        return render(request, "error.html", 404, title="Not found",
                      message=f"There is no teaching file {collection_id}.")
    body = handout_zip(found.name, _with_payloads(request, collection_id), layout_of(request).root,
                       (STATIC / "handout.css").read_text(encoding="utf-8"))
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="teaching-file-{collection_id}.zip"'})


def _with_payloads(request: Request, collection_id: int) -> list[tuple[Case, dict[str, Any]]]:
    cases = _files(request).cases(collection_id)
    hits = store_of(request).retrieve([point_id(c.study_instance_uid) for c in cases])
    by_uid = {h.payload.get(PayloadField.STUDY_INSTANCE_UID): h.payload for h in hits}
    return [(c, by_uid.get(c.study_instance_uid, {})) for c in cases]
