"""The JSON API under /api/v1: search, similar, query by upload, study detail, facets.

Bad requests get a 4xx with a one-line `detail`; a missing or mismatched index is a 503.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, StringConstraints
from starlette.datastructures import QueryParams

from accounts import Principal, Role
from db import Action, EventId
from search import (
    FacetsResponse,
    FilterError,
    Mode,
    Page,
    QueryError,
    SearchFilters,
    SearchRequest,
    SearchResponse,
    SimilarRequest,
    Sort,
    StudyDetail,
    build_filters,
)
from search.filters import MAX_VALUES, check_text
from search.models import MAX_EXAMPLES, MAX_LIMIT, MAX_QUERY_CHARS, MAX_UID_CHARS
from search.results import given_flagged, given_measurements
from web.auth import record, require, viewed
from web.deps import engine_of, one_of_each, uploaded_previews
from web.paging import check_depth
from web.plain_errors import plain_filter_error
from web.redact import detail_for, response_for
from web.uploads import read_kept

_FILTER_FIELDS = dict(SearchFilters.model_fields)
_LIST_FIELDS = {name for name, f in _FILTER_FIELDS.items()
                if typing.get_origin(f.annotation) is list}
_PAGE_PARAMS = {"limit", "page", "sort", "per_patient"}


def _filter_schema(name: str, field: dict[str, Any]) -> dict[str, Any]:
    """The query parameter's schema, from the filter model's own (the null branch dropped)."""
    if name in _LIST_FIELDS:
        items = field["items"]
        if "enum" in items:
            items = {**items, "enum": ["", *items["enum"]]}
        return {"type": "array", "items": items, "maxItems": MAX_VALUES}
    branches = [b for b in field.get("anyOf", [field]) if b.get("type") != "null"]
    typed = {k: v for k, v in branches[0].items() if k != "title"}
    return {"anyOf": [typed, {"type": "string", "enum": [""]}]}  # '' leaves it unset


def _filter_parameters() -> list[dict[str, Any]]:
    """OpenAPI entries for the filter query parameters (parsed by hand to refuse unknown ones)."""
    fields = SearchFilters.model_json_schema()["properties"]
    return [{"name": name, "in": "query", "required": False,
             "schema": _filter_schema(name, fields[name]),
             "description": f.description or name} for name, f in _FILTER_FIELDS.items()]


class ErrorDetail(BaseModel):
    """Every refusal: one line saying what is wrong and, where it helps, what to do."""

    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorDetail, "description": text} for code, text in (
        (400, "a bad query, filter or upload"), (401, "sign in: no or a bad bearer token"),
        (403, "your role does not allow it, or a cross-site request"),
        (404, "no such study"), (413, "the request body is over its limit"),
        (422, "a parameter or body field out of its schema"),
        (429, "too many uploads at once"), (503, "the index is not ready"))}


_FILTER_DOCS = {"parameters": _filter_parameters()}
router = APIRouter(prefix="/api/v1", tags=["search"], responses=_ERRORS)


def filters_from(params: QueryParams, known: set[str]) -> SearchFilters:
    """Filters from query parameters; lists may repeat or be comma-separated; '' means unset."""
    unknown = sorted(set(params.keys()) - set(_FILTER_FIELDS) - known)
    if unknown:
        raise QueryError(f"unknown parameter {unknown[0]!r} (filters: "
                         f"{', '.join(_FILTER_FIELDS)})")
    fields: dict[str, Any] = {}
    for name in _FILTER_FIELDS:
        raw = params.getlist(name)
        if len(raw) > (MAX_VALUES if name in _LIST_FIELDS else 1):
            raise QueryError(f"filter {name}: at most "
                             f"{MAX_VALUES if name in _LIST_FIELDS else 1} value(s)")
        if name in _LIST_FIELDS:  # "F,,M" holds a blank value: only a whole "" means unset
            raw = [part for item in raw if item != "" for part in item.split(",")]
        values = [v.strip() for v in raw if v != "" or name in _LIST_FIELDS]
        if not all(values):
            raise QueryError(f"filter {name}: a blank value (leave it out, or send it empty)")
        if values:
            fields[name] = values if name in _LIST_FIELDS else values[-1]
    try:
        return build_filters(fields)
    except FilterError as error:
        raise plain_filter_error(error, fields) from None


LimitQ = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
PageQ = Annotated[int, Query(ge=1, le=1000)]
Uid = Annotated[str, StringConstraints(min_length=1, max_length=MAX_UID_CHARS)]
UidQ = Annotated[list[Uid] | None, Query(max_length=MAX_EXAMPLES, description="study UIDs")]
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]


def uid_path(value: str) -> str:
    """A study UID from a URL path: as checked as one from a query or a body."""
    if not value or len(value) > MAX_UID_CHARS:
        raise QueryError(f"study UID: 1 to {MAX_UID_CHARS} characters")
    try:
        check_text(value, "study UID")
    except ValueError as error:  # a NUL went into the page and the log as it was
        raise QueryError(str(error)) from None
    return value


@router.get("/search", openapi_extra=_FILTER_DOCS)
def search_get(request: Request, principal: Viewer,
               q: Annotated[str, Query(max_length=MAX_QUERY_CHARS,
                                       description="free text, e.g. 'dilated LV, no LGE'")],
               mode: Mode = Mode.BOTH, limit: LimitQ = 10, page: PageQ = 1,
               sort: Sort = Sort.RELEVANCE, per_patient: bool = True,
               unlike: UidQ = None) -> SearchResponse:
    """Free-text search over images, reports or both; filters as query parameters."""
    filters = filters_from(request.query_params, {"q", "mode", "unlike", *_PAGE_PARAMS})
    if not q.strip():
        raise QueryError("empty query: type what to look for")
    return search_post(request, principal, SearchRequest(
        q=q, mode=mode, filters=filters, unlike=unlike or [],
        page=Page(limit=limit, page=page, sort=sort, per_patient=per_patient)))


@router.post("/search")
def search_post(request: Request, principal: Viewer, body: SearchRequest) -> SearchResponse:
    """The same search with a JSON body."""
    check_depth(body.page.page, body.page.limit)
    record(request, EventId.QUERY, Action.EXECUTE, body.unlike, q=body.q, mode=body.mode,
           filters=body.filters.model_dump(mode="json", exclude_defaults=True))
    engine = engine_of(request)
    return response_for(engine.search(body), principal)


@router.get("/similar/{study_instance_uid}", openapi_extra=_FILTER_DOCS)
def similar_get(request: Request, principal: Viewer, study_instance_uid: str,
                negative: UidQ = None, also: UidQ = None,
                view: Annotated[str | None, Query(max_length=20, description="one view slot: "
                                                  "sax_mid, 4ch, lge_sax, ...")] = None,
                mode: Mode = Mode.IMAGES, limit: LimitQ = 10, page: PageQ = 1,
                sort: Sort = Sort.RELEVANCE, per_patient: bool = True) -> SearchResponse:
    """Studies like this one (and `also`), unlike `negative`; other patients only."""
    filters = filters_from(request.query_params,
                           {"negative", "also", "view", "mode", *_PAGE_PARAMS})
    positive = [uid_path(study_instance_uid), *(also or [])]
    if len(positive) > MAX_EXAMPLES:
        raise QueryError(f"also: at most {MAX_EXAMPLES - 1} studies")
    return similar_post(request, principal, SimilarRequest(
        positive=positive, negative=negative or [], view=view or None, mode=mode,
        filters=filters, page=Page(limit=limit, page=page, sort=sort, per_patient=per_patient)))


@router.post("/similar")
def similar_post(request: Request, principal: Viewer, body: SimilarRequest) -> SearchResponse:
    """More like `positive`, less like `negative` (JSON body)."""
    check_depth(body.page.page, body.page.limit)
    record(request, EventId.QUERY, Action.EXECUTE, [*body.positive, *body.negative],
           similar=True, view=body.view, mode=body.mode,
           filters=body.filters.model_dump(mode="json", exclude_defaults=True))
    return response_for(engine_of(request).similar(body), principal)


@router.post("/upload", dependencies=[Depends(one_of_each)])
def upload(request: Request, principal: Viewer,
           file: Annotated[UploadFile, File(description="a zipped DICOM study (or one "
                                            "ACDC-style NIfTI patient folder)")],
           view: Annotated[str | None, Form(max_length=20)] = None,
           limit: Annotated[int, Form(ge=1, le=MAX_LIMIT)] = 10,
           add: Annotated[bool, Form(description="keep the study in the archive for the next "
                                     "index run (clinician or above; a research NIfTI "
                                     "patient is never kept, and says so in "
                                     "reading_notes)")] = False
           ) -> dict[str, Any]:
    """Read and embed an uploaded study and return similar studies. It is not added to the
    index unless `add` is set; then it is kept in the archive and the next index run embeds it."""
    study, response = read_kept(request, principal, file, add, limit, view or None)
    measured = given_measurements(study.measurements)  # no heart's value: null, as a search's
    return {"study": {"study_instance_uid": study.study_instance_uid, "views": study.views,
                      "impression": study.impression if principal.allows(Role.CLINICIAN)
                      else "", "skipped_files": study.skipped,
                      "previews": uploaded_previews(request, study), "added_to_index": False,
                      "kept_for_indexing": study.kept is not None,
                      "already_indexed": study.already_indexed,
                      "measurements": measured,
                      "flagged_measurements": given_flagged(measured,
                                                            list(study.measurement_flags)),
                      "measure_error": study.measure_error,
                      # "" where they joined the search (or none were made)
                      "measurements_not_compared": study.measures_not_compared,
                      "reading_notes": study.notes},
            **response_for(response, principal).model_dump(mode="json")}


@router.get("/studies/{study_instance_uid}")
def study(request: Request, principal: Viewer, study_instance_uid: str) -> StudyDetail:
    """Everything the index holds about one study that your role may see, and the patient's
    other studies."""
    detail = engine_of(request).study(uid_path(study_instance_uid))
    viewed(request, [detail.study_instance_uid])
    return detail_for(detail, principal, request.app.state.settings)


@router.get("/facets", openapi_extra=_FILTER_DOCS)
def facets(request: Request, principal: Viewer,
           q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS)] = None,
           mode: Mode = Mode.BOTH) -> FacetsResponse:
    """Counts per sex, vendor, view, finding, diagnosis and age band for the current query."""
    filters = filters_from(request.query_params, {"q", "mode"})
    try:  # the query is text as a search's is (a NUL was counted where search refused it)
        check_text(q, "q")
    except ValueError as error:
        raise QueryError(str(error)) from None
    # counts of an archive by free text are a query of it, as a search is
    record(request, EventId.QUERY, Action.EXECUTE, q=q, mode=mode, facets=True,
           filters=filters.model_dump(mode="json", exclude_defaults=True))
    return engine_of(request).facets(filters, q, mode)
