"""The pages clinicians use: search, study, compare, similar, upload (server-rendered)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from catalog import PayloadField
from cmrclip.clips import ClipCache
from indexer.upload import UploadError, study_from_upload
from search import (
    Mode,
    Page,
    QueryError,
    SearchFilters,
    SearchRequest,
    SimilarRequest,
    Sort,
)
from search.understand import understand
from web.api import filters_from
from web.deps import engine_of, layout_of, study_encoder, upload_archive, uploaded_previews
from web.media import clip_interval_ms, sax_slices
from web.render import PREVIEW_ORDER, make_templates

router = APIRouter(include_in_schema=False)
templates = make_templates()
_PAGE_KEYS = {"q", "mode", "sort", "page", "all", "unlike", "limit"}
EXAMPLES = ("dilated LV with transmural LGE", "no LGE", "severe LV systolic dysfunction",
            "amyloid", "hypertrophic cardiomyopathy", "normal study")


def _choice(value: str | None, kind: type[Mode] | type[Sort], default: Any) -> Any:
    try:
        return kind(value) if value else default
    except ValueError:
        raise QueryError(f"unknown {kind.__name__.lower()} {value!r}") from None


def _int(value: str | None, default: int, name: str) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise QueryError(f"{name} must be 1 or more")
    return number


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    """Search; the URL holds the whole query. htmx requests get the results part only."""
    params = request.query_params
    engine = engine_of(request)
    q = (params.get("q") or "").strip()
    context: dict[str, Any] = {"q": q, "examples": EXAMPLES, "response": None, "error": None,
                               "facets": None, "filters": SearchFilters(), "terms": []}
    status = 200
    try:
        context["mode"] = _choice(params.get("mode"), Mode, Mode.BOTH)
        context["sort"] = _choice(params.get("sort"), Sort, Sort.RELEVANCE)
        filters = filters_from(params, _PAGE_KEYS)
        context["filters"] = filters
        page = Page(limit=_int(params.get("limit"), 12, "limit"),
                    page=_int(params.get("page"), 1, "page"), sort=context["sort"],
                    per_patient=params.get("all") != "1")
        if q:
            context["response"] = engine.search(SearchRequest(
                q=q, mode=context["mode"], filters=filters, page=page,
                unlike=params.getlist("unlike")))
            context["terms"] = understand(q).terms()
        context["facets"] = engine.facets(filters, q or None, context["mode"])
    except QueryError as error:
        context["error"], status = str(error), 400
        context.setdefault("mode", Mode.BOTH)
        context.setdefault("sort", Sort.RELEVANCE)
    partial = request.headers.get("HX-Request") == "true" and \
        request.headers.get("HX-Target") == "main"
    return render(request, "_main.html" if partial else "search.html", status, **context)


@router.get("/study/{uid}", response_class=HTMLResponse)
def study_page(request: Request, uid: str) -> HTMLResponse:
    engine = engine_of(request)
    detail = engine.study(uid)
    cache = ClipCache(layout_of(request).clips, study_encoder(request).spec)
    similar = engine.similar(SimilarRequest(positive=[uid], page=Page(limit=6)))
    return render(request, "study.html", study=detail, p=detail.payload, similar=similar,
                  per_view=engine.encoder.per_view,
                  slices=sax_slices(cache, uid), slice_interval=clip_interval_ms(cache, uid),
                  collections=request.app.state.teaching.collections())


@router.get("/similar/{uid}", response_class=HTMLResponse)
def similar_page(request: Request, uid: str) -> HTMLResponse:
    """More like this study (and `also`), less like `unlike`; optionally in one view."""
    params = request.query_params
    engine = engine_of(request)
    view = params.get("view") or None
    response = engine.similar(SimilarRequest(
        positive=[uid, *params.getlist("also")], negative=params.getlist("unlike"), view=view,
        mode=_choice(params.get("mode"), Mode, Mode.IMAGES),
        filters=filters_from(params, {"also", "unlike", "view", "mode", "page"}),
        page=Page(limit=12, page=_int(params.get("page"), 1, "page"))))
    return render(request, "similar.html", uid=uid, anchor=engine.study(uid), view=view,
                  response=response, terms=[], per_view=engine.encoder.per_view)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, a: str, b: str) -> HTMLResponse:
    engine = engine_of(request)
    left, right = engine.study(a), engine.study(b)
    slots = [s.value for s in PREVIEW_ORDER
             if s in (left.payload.get(PayloadField.PREVIEWS) or {}) or
             s in (right.payload.get(PayloadField.PREVIEWS) or {})]
    return render(request, "compare.html", left=left, right=right, slots=slots)


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request) -> HTMLResponse:
    return render(request, "upload.html", result=None, error=None)


@router.post("/upload", response_class=HTMLResponse)
def upload_page(request: Request,
                file: Annotated[UploadFile, File(description="a zipped DICOM study")],
                add: Annotated[bool, Form()] = False) -> HTMLResponse:
    engine = engine_of(request)
    engine.check_ready()
    try:
        study = study_from_upload(file.file, file.filename or "", study_encoder(request),
                                  layout_of(request).upload_previews,
                                  upload_archive(request) if add else None)
    except (UploadError, QueryError) as error:
        return render(request, "upload.html", 400, result=None, error=str(error))
    response = engine.near_vectors(study.vectors, SearchFilters(), Page(limit=12))
    return render(request, "upload.html", result=response, study=study,
                  previews=uploaded_previews(request, study), error=None, terms=[],
                  filename=Path(file.filename or "upload.zip").name, kept=study.kept)


