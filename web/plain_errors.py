"""Pydantic's refusals in plain words: one line naming the parameter and what is allowed
("report: 'maybe' is not one of present, missing"), not the schema's jargon ("String should
match pattern '^(present|missing)$'"). What is not worded here keeps `validation_line`'s."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from search import FilterError, SearchFilters
from search.models import Page
from web.paging import last_page, page_refusal
from web.render import BOUNDS, field_path, validation_line

_CHOICES = re.compile(r"\^\(([\w|]+)\)\$")  # a pattern of alternatives: ^(present|missing)$
# a path's number, in the words of its page: "teaching file 0: not a teaching file number"
_NAMES = {"collection_id": "teaching file", "case_id": "case"}
_QUERY_INT = TypeAdapter(int)  # a query string's number, read as FastAPI reads it ("0100")


def _shown(value: object) -> str:
    """The value as sent, short and printable (it may be a lone surrogate or 1e309): repr
    escapes what does not print; a readable non-ASCII value (Arabic-Indic digits)
    stays readable, not "??"."""
    return repr(str(value)[:30])


def _limit(value: object, query: bool) -> int:
    """The page size the refused page was asked at, read by the page's own field (1e2 and
    50.0 in a body, 0100 in a query string were taken, and the line named 10 a page): the
    default where it is none allowed, or not given (None)."""
    try:
        if query and value is not None:
            value = _QUERY_INT.validate_python(value)
        return Page.model_validate({} if value is None else {"limit": value}).limit
    except ValidationError:
        return Page().limit


def _page_line(first: Mapping[str, Any], params: Mapping[str, str], body: object) -> str | None:
    """A refused page number, of a query string (`page=0`) or a body ({"page": {"page": 0}}),
    in `web.paging`'s one wording; None for any other refusal."""
    loc, given = tuple(first.get("loc", ())), first.get("input")
    if loc == ("query", "page"):
        return page_refusal(str(given), _limit(params.get("limit"), query=True))
    if loc[-2:] != ("page", "page"):
        return None
    page = body.get("page") if isinstance(body, dict) else None
    limit = _limit(page.get("limit"), query=False) if isinstance(page, dict) else \
        _limit(params.get("limit"), query=True)
    if isinstance(given, str):  # it said "not '\"3\"'", its JSON cut with its quotes
        return (f"page must be a whole number from 1 to {last_page(limit)}, not text "
                f"({given[:20]!r})")
    return page_refusal(json.dumps(given, ensure_ascii=False, default=str), limit)


def plain_line(errors: Sequence[Mapping[str, Any]], params: Mapping[str, str],
               body: object = None) -> str:
    """The first problem in plain words; `params` the query string (a page's limit), `body`
    the JSON body as sent (its page's limit)."""
    first = errors[0] if errors else {}
    name, kind, given = field_path(first.get("loc", ())), first.get("type"), first.get("input")
    pattern = _CHOICES.fullmatch(str((first.get("ctx") or {}).get("pattern", "")))
    paged = _page_line(first, params, body)
    if paged is not None:
        return paged
    if kind == "string_pattern_mismatch" and pattern and isinstance(given, str):
        return f"{name}: {_shown(given)} is not one of {pattern[1].replace('|', ', ')}"
    if kind == "missing" and name:
        return f"{name} is missing"
    if kind == "int_parsing" and name:
        return f"{_NAMES.get(name, name)} {_shown(given)}: not a number"
    if kind in BOUNDS and name in _NAMES and tuple(first.get("loc", ()))[:1] == ("path",):
        return f"{_NAMES[name]} {str(given)[:20]}: not a {_NAMES[name]} number"
    return validation_line(errors)


def plain_filter_error(error: FilterError, fields: Mapping[str, Any]) -> FilterError:
    """A refused filter value of a set (`report=maybe`) in plain words; any other refusal as
    the filters said it. Asked again of the one field, whose error pydantic then gives whole."""
    alone = {name: fields[name] for name in error.fields if isinstance(fields.get(name), str)}
    if len(alone) != 1:
        return error
    try:
        SearchFilters(**alone)
    except ValidationError as again:
        if again.errors()[0].get("type") == "string_pattern_mismatch":
            return FilterError(f"filter {plain_line(again.errors(), {})}", error.fields)
    return error
