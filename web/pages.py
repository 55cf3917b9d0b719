"""The pages clinicians use: search, study, compare, similar, upload (server-rendered)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from accounts import Principal, Role
from catalog import PayloadField
from cmr_search.vocab import LAX_VIEWS, LGE_VIEWS, ClipSlot, View
from cmrclip.clips import ClipCache
from db import Access, Action, EventId
from indexer.upload import UploadError, upload_label
from search import (
    FilterError,
    Mode,
    NotFoundError,
    Page,
    QueryError,
    SearchFilters,
    SearchRequest,
    SimilarRequest,
    Sort,
)
from search.models import MAX_EXAMPLES, MAX_LIMIT, MAX_QUERY_CHARS
from search.understand import understand
from web.api import filters_from, uid_path
from web.auth import SignInRequired, csrf_token, current, record, require, viewed
from web.contours import study_overlays
from web.deps import (
    engine_of,
    given_once,
    layout_of,
    one_of_each,
    study_encoder,
    uploaded_previews,
)
from web.filter_words import (
    FIELDS,
    MORE_RANGES,
    RANGES,
    applied,
    as_typed,
    filter_message,
    filter_pairs,
    typed_filters,
)
from web.measurements import curve_points, measurement_rows
from web.media import clip_interval_ms, reading_notes, sax_slices
from web.paging import page_number
from web.plain_errors import plain_line
from web.redact import detail_for, response_for
from web.render import PREVIEW_ORDER, label, make_templates, url_with
from web.uploads import keeping_withheld, read_kept

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
templates = make_templates()
templates.env.globals["FILTER_RANGES"] = RANGES  # the filter form's boxes (_filters.html)
templates.env.globals["MORE_FILTER_RANGES"] = MORE_RANGES
templates.env.filters["as_typed"] = as_typed
_PAGE_KEYS = {"q", "mode", "sort", "page", "all", "unlike", "limit"}
EXAMPLES = ("dilated LV with transmural LGE", "no LGE", "severe LV systolic dysfunction",
            "amyloid", "hypertrophic cardiomyopathy", "normal study")


def _choice(value: str | None, kind: type[Mode] | type[Sort], default: Any) -> Any:
    try:
        return kind(value) if value else default
    except ValueError:
        raise QueryError(f"unknown {kind.__name__.lower()} {value!r}") from None


def _int(value: str | None, default: int, name: str, most: int) -> int:
    if not value:
        return default
    number = int(value) if value.isascii() and value.isdigit() and len(value) < 10 else -1
    if not 1 <= number <= most:
        raise QueryError(f"{name} must be a whole number from 1 to {most}, not {value[:20]!r}")
    return number


def _uids(params: Any, name: str, most: int = MAX_EXAMPLES) -> list[str]:
    values = [v for v in params.getlist(name) if v]
    if len(values) > most:
        raise QueryError(f"{name}: at most {most} studies")
    return [uid_path(v) for v in values]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; every page knows who is signed in, whether sign-in is off, and the CSRF token."""
    try:
        context.setdefault("principal", current(request))
    except SignInRequired:
        context.setdefault("principal", None)
    context["open_access"] = request.app.state.open_access
    context["csrf"] = csrf_token(request)
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, principal: Viewer) -> HTMLResponse:
    """Search; the URL holds the whole query. htmx requests get the results part only."""
    params = request.query_params
    engine = engine_of(request)
    q = (params.get("q") or "").strip()[:MAX_QUERY_CHARS + 1]
    # the form as typed until the filters are read: a refused search keeps its values
    context: dict[str, Any] = {"q": q, "examples": EXAMPLES, "response": None, "error": None,
                               "facets": None, "filters": typed_filters(params), "terms": []}
    status = 200
    try:
        given_once(params, ("q", "mode", "sort", "limit", "page", "all"))
        context["mode"] = _choice(params.get("mode"), Mode, Mode.BOTH)
        context["sort"] = _choice(params.get("sort"), Sort, Sort.RELEVANCE)
        filters = filters_from(params, _PAGE_KEYS)
        context["filters"] = filters
        context["filtered"] = bool(filters.active())
        limit = _int(params.get("limit"), 12, "limit", MAX_LIMIT)
        page = Page(limit=limit, page=page_number(params.get("page"), limit),
                    sort=context["sort"], per_patient=params.get("all") != "1")
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is over {MAX_QUERY_CHARS} characters")
        if q:
            unlike = _uids(params, "unlike")
            record(request, EventId.QUERY, Action.EXECUTE, unlike, q=q, mode=context["mode"],
                   filters=filters.active())
            context["response"] = response_for(engine.search(SearchRequest(
                q=q, mode=context["mode"], filters=filters, page=page, unlike=unlike)), principal)
            context["terms"] = understand(q).terms()
        context["facets"] = engine.facets(filters, q or None, context["mode"])
    except (QueryError, NotFoundError, ValidationError) as error:  # inline: htmx swaps it in
        context["error"] = plain_line(error.errors(), params) \
            if isinstance(error, ValidationError) else \
            filter_message(error, context["filters"]) if isinstance(error, FilterError) \
            else str(error)
        status = 404 if isinstance(error, NotFoundError) else 400
        context.setdefault("mode", Mode.BOTH)
        context.setdefault("sort", Sort.RELEVANCE)
    partial = request.headers.get("HX-Request") == "true" and \
        request.headers.get("HX-Target") == "main"
    return render(request, "_main.html" if partial else "search.html", status, **context)


@router.get("/study/{uid}", response_class=HTMLResponse)
def study_page(request: Request, principal: Viewer, uid: str) -> HTMLResponse:
    engine = engine_of(request)
    settings = request.app.state.settings
    detail = detail_for(engine.study(uid_path(uid)), principal, settings)
    viewed(request, [detail.study_instance_uid])
    cache = ClipCache(layout_of(request).clips, study_encoder(request).spec)
    similar = engine.similar(SimilarRequest(positive=[uid], page=Page(limit=6)))
    collections = [c for c in request.app.state.teaching.collections(principal.name)
                   if c.access is not Access.READ] if principal.allows(Role.CURATOR) else None
    return render(request, "study.html", study=detail, p=detail.payload,
                  similar=response_for(similar, principal), per_view=engine.encoder.per_view,
                  slices=sax_slices(cache, uid),
                  slice_interval=clip_interval_ms(cache, uid), collections=collections,
                  notes=reading_notes(cache, uid),
                  measurements=measurement_rows(detail.payload),
                  contour_slots=sorted(study_overlays(request, detail.study_instance_uid)),
                  curves=curve_points(detail.payload.get("volume_curves")))


@router.get("/similar/{uid}", response_class=HTMLResponse)
def similar_page(request: Request, principal: Viewer, uid: str) -> HTMLResponse:
    """More like this study (and `also`), less like `unlike`; optionally in one view."""
    params = request.query_params
    given_once(params, ("view", "mode", "sort", "limit", "page", "all"))
    engine = engine_of(request)
    view = (params.get("view") or "")[:20] or None
    positive = [uid_path(uid), *_uids(params, "also", MAX_EXAMPLES - 1)]
    negative = _uids(params, "unlike")
    limit = _int(params.get("limit"), 12, "limit", MAX_LIMIT)
    request_ = SimilarRequest(
        positive=positive, negative=negative, view=view,
        mode=_choice(params.get("mode"), Mode, Mode.IMAGES),
        filters=filters_from(params, {"also", "unlike", "view", *_PAGE_KEYS}),
        page=Page(limit=limit, page=page_number(params.get("page"), limit),
                  sort=_choice(params.get("sort"), Sort, Sort.RELEVANCE),
                  per_patient=params.get("all") != "1"))
    record(request, EventId.QUERY, Action.EXECUTE, [*positive, *negative], similar=True,
           view=view)
    response = response_for(engine.similar(request_), principal)
    anchor = detail_for(engine.study(uid), principal, request.app.state.settings)
    # why nothing came back: the page, the filters or the view ("has this view" was said of all)
    empty = "page" if request_.page.page > 1 else "filters" if request_.filters.active() \
        else "view" if view else "index"
    return render(request, "similar.html", uid=uid, anchor=anchor, view=view, empty=empty,
                  response=response, terms=[], per_view=engine.encoder.per_view,
                  views=compared_views(anchor.payload.get(PayloadField.VIEWS) or []),
                  **_similar_links(request, request_.filters))


def _similar_links(request: Request, filters: SearchFilters) -> dict[str, Any]:
    """The filters the similar page applies, in words, and its links, each keeping them: the
    page filtered without a word of it, and "whole study" dropped the filters that "less like
    this" kept. A card's "More like this" keeps them too (its own `similar_query`)."""
    kept = urlencode(filter_pairs(request.query_params))
    return {"applied": applied(filters, label), "similar_query": f"?{kept}" if kept else "",
            "clear_filters": url_with(request, drop=("page", *FIELDS))}


def compared_views(views: list[str]) -> list[str]:
    """The view slots a study can be compared by: those it has (each offered view it lacked
    was a link to a 400)."""
    slots = [ClipSlot.SAX_MID.value] if View.SAX_CINE in views else []
    for view, (slot, _) in (*LAX_VIEWS.items(), *LGE_VIEWS.items()):
        if view in views:
            slots.append(slot.value)
    return slots


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, principal: Viewer, a: str | None = None,
                 b: str | None = None) -> HTMLResponse:
    missing = [side for side, uid in (("a", a), ("b", b)) if uid is None]
    if missing:  # it said "query.b: Field required"
        raise QueryError(f"compare needs two studies: {' and '.join(missing)} "
                         f"{'is' if len(missing) == 1 else 'are'} missing")
    a, b = uid_path(a or ""), uid_path(b or "")  # before "a and b are the same study" (both empty)
    _two_studies(request, a, b)
    engine = engine_of(request)
    settings = request.app.state.settings
    left = detail_for(engine.study(a), principal, settings)
    right = detail_for(engine.study(b), principal, settings)
    viewed(request, [left.study_instance_uid, right.study_instance_uid], compare=True)
    slots = [s.value for s in PREVIEW_ORDER
             if s in (left.payload.get(PayloadField.PREVIEWS) or {}) or
             s in (right.payload.get(PayloadField.PREVIEWS) or {})]
    # the short axis plays the model's clip of its mid slice, one cycle in as many frames on
    # both sides, as the study page does (a research study's preview holds ED and ES only,
    # each side then at its own rate)
    cache = ClipCache(layout_of(request).clips, study_encoder(request).spec)
    mid = {side.study_instance_uid: clip_interval_ms(cache, side.study_instance_uid)
           for side in (left, right)
           if ClipSlot.SAX_MID.value in sax_slices(cache, side.study_instance_uid)}
    return render(request, "compare.html", left=left, right=right, slots=slots, mid=mid)


def _two_studies(request: Request, a: str, b: str) -> None:
    """QueryError for a comparison of a study with itself, a third study or a second `b`
    (each was taken without a word, the last of two `b` compared)."""
    params = request.query_params
    unknown = sorted(set(params) - {"a", "b"})
    if unknown:
        raise QueryError(f"unknown parameter {unknown[0][:30]!r}: compare takes two "
                         "studies, a and b")
    given_once(params, ("a", "b"), "compare takes one study on each side")
    if a.strip() == b.strip():
        raise QueryError("a and b are the same study: choose another to compare it with")


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, principal: Viewer) -> HTMLResponse:
    return render(request, "upload.html", result=None, error=None,
                  withheld=keeping_withheld(request, principal))


@router.post("/upload", response_class=HTMLResponse, dependencies=[Depends(one_of_each)])
def upload_page(request: Request, principal: Viewer,
                file: Annotated[UploadFile, File(description="a zipped DICOM study, or one "
                                                 "ACDC-style NIfTI patient folder")],
                add: Annotated[bool, Form()] = False) -> HTMLResponse:
    withheld = keeping_withheld(request, principal)
    try:
        study, response = read_kept(request, principal, file, add, 12, None)
    except (UploadError, QueryError) as error:
        return render(request, "upload.html", 400, result=None, error=str(error),
                      withheld=withheld)
    return render(request, "upload.html", result=response_for(response, principal),
                  study=study, previews=uploaded_previews(request, study), error=None, terms=[],
                  filename=upload_label(file.filename or ""), kept=study.kept,
                  withheld=withheld, reads_reports=principal.allows(Role.CLINICIAN),
                  measurements=measurement_rows({
                      "sex": study.sex, "measurements": study.measurements,
                      "measurement_flags": study.measurement_flags}))
