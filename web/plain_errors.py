"""Pydantic's refusals in plain words: one line naming the parameter and what is allowed
("report: 'maybe' is not one of present, missing"), not the schema's jargon ("String should
match pattern '^(present|missing)$'"). What is not worded here keeps `validation_line`'s."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from search import FilterError, SearchFilters
from search.models import MAX_LIMIT
from web.paging import page_refusal
from web.render import validation_line

_CHOICES = re.compile(r"\^\(([\w|]+)\)\$")  # a pattern of alternatives: ^(present|missing)$
_NAMES = {"collection_id": "teaching file"}  # a path's number, in the words of its page


def _shown(value: object) -> str:
    """The value as sent, short and printable (it may be a lone surrogate or 1e309): repr
    escapes what does not print; a readable non-ASCII value (Arabic-Indic digits)
    stays readable, not "??"."""
    return repr(str(value)[:30])


def _path(loc: Sequence[Any]) -> str:
    """Where the value was, as the client sent it: `filters.report` of a body (it said
    "report", which names no field of the body), `unlike[1]`, `limit` of a query string."""
    start = 1 if loc and loc[0] in ("body", "query", "path") else 0
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[start:]).lstrip(".")


def _limit(value: object) -> int:
    """The page size the refused page was asked at: the default 10 unless it is one allowed."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() and len(text) < 4 and 1 <= int(text) <= MAX_LIMIT else 10


def _page_line(first: Mapping[str, Any], params: Mapping[str, str], body: object) -> str | None:
    """A refused page number, of a query string (`page=0`) or a body ({"page": {"page": 0}}),
    in `web.paging`'s one wording; None for any other refusal."""
    loc, given = tuple(first.get("loc", ())), first.get("input")
    if loc == ("query", "page"):
        return page_refusal(str(given), _limit(params.get("limit")))
    if loc[-2:] != ("page", "page"):
        return None
    page = body.get("page") if isinstance(body, dict) else None
    limit = page.get("limit") if isinstance(page, dict) else params.get("limit")
    return page_refusal(json.dumps(given, ensure_ascii=False, default=str), _limit(limit))


def plain_line(errors: Sequence[Mapping[str, Any]], params: Mapping[str, str],
               body: object = None) -> str:
    """The first problem in plain words; `params` the query string (a page's limit), `body`
    the JSON body as sent (its page's limit)."""
    first = errors[0] if errors else {}
    name, kind, given = _path(first.get("loc", ())), first.get("type"), first.get("input")
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
