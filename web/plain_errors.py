"""Pydantic's refusals in plain words: one line naming the parameter and what is allowed
("report: 'maybe' is not one of present, missing"), not the schema's jargon ("String should
match pattern '^(present|missing)$'"). What is not worded here keeps `validation_line`'s."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from search import FilterError, SearchFilters
from web.paging import past_depth
from web.render import validation_line

_CHOICES = re.compile(r"\^\(([\w|]+)\)\$")  # a pattern of alternatives: ^(present|missing)$
_NAMES = {"collection_id": "teaching file"}  # a path's number, in the words of its page


def _shown(value: object) -> str:
    """The value as sent, short and printable (it may be a lone surrogate or 1e309): repr
    escapes what does not print; a readable non-ASCII value (Arabic-Indic digits)
    stays readable, not "??"."""
    return repr(str(value)[:30])


def plain_line(errors: Sequence[Mapping[str, Any]], params: Mapping[str, str]) -> str:
    """The first problem in plain words; `params` the query string (a page's limit)."""
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    name, kind, given = (loc[-1] if loc else ""), first.get("type"), first.get("input")
    pattern = _CHOICES.fullmatch(str((first.get("ctx") or {}).get("pattern", "")))
    if kind == "string_pattern_mismatch" and pattern and isinstance(given, str):
        return f"{name}: {_shown(given)} is not one of {pattern[1].replace('|', ', ')}"
    if kind == "missing" and name:
        return f"{name} is missing"
    if kind == "int_parsing" and name:
        return f"{_NAMES.get(name, name)} {_shown(given)}: not a number"
    if kind == "less_than_equal" and loc == ["page"] and first.get("loc", ())[:1] == ("query",):
        limit = params.get("limit", "")
        return past_depth(str(given), int(limit) if limit.isdigit() and len(limit) < 4 else 10)
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
