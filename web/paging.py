"""How deep pages go: the ranking reaches the first MAX_DEPTH results, so a page is refused
when it reaches past them (result 1,001 or later), in one wording on the pages and the API
alike. A page past the last result of a query (but within them) is an empty page with the
total, as before."""

from __future__ import annotations

from search import QueryError
from search.models import MAX_DEPTH

_DIGITS = 12  # a longer number is past any page anyway (and int() of 5,000 digits is refused)


def last_page(limit: int) -> int:
    """The last page the first MAX_DEPTH results fill at `limit` per page (the engine ranks no
    further: a page that reaches result 1,001 was refused)."""
    return max(1, MAX_DEPTH // max(1, limit))


def _quoted(page: int | str) -> str:
    """A page number as sent, or its start and length when longer than `_DIGITS`: cut to 12
    digits, 10**30 read "page 100000000000", 4000 nines "page 999999999999"."""
    text = str(page)
    return text if len(text) <= _DIGITS else f"{text[:4]}... ({len(text)} digits)"


def past_depth(page: int | str, limit: int) -> str:
    return (f"page {_quoted(page)} is past the first {MAX_DEPTH} results: at {limit} "
            f"per page the last page is {last_page(limit)} (narrow the query or the filters)")


def check_depth(page: int, limit: int) -> None:
    """QueryError for a page past the first MAX_DEPTH results (before the engine says it in
    its own words)."""
    if page > last_page(limit):
        raise QueryError(past_depth(page, limit))


def _whole(value: str) -> int:
    """The number that ASCII digits `value` spell, or 0 (no page): 10**_DIGITS stands for any
    longer number (int() of 5,000 digits is refused); leading zeros do not count as digits."""
    if not (value.isascii() and value.isdigit()):
        return 0
    digits = value.lstrip("0") or "0"
    return int(digits) if len(digits) <= _DIGITS else 10**_DIGITS


def page_refusal(value: str, limit: int) -> str:
    """The one line refusing page `value` (as sent: the query string's text, or a body's
    JSON) at `limit` per page: past the last page, or no whole number from 1 to it (a body's
    0 or 5000 was pydantic's "page.page: Input should be greater than or equal to 1")."""
    if _whole(value) > last_page(limit):
        return past_depth(value.lstrip("0"), limit)
    return f"page must be a whole number from 1 to {last_page(limit)}, not {value[:20]!r}"


def page_number(value: str | None, limit: int) -> int:
    """`page` from a page's query string: a whole number from 1 to the last page."""
    if not value:
        return 1
    number = _whole(value)
    if number < 1 or number > last_page(limit):
        raise QueryError(page_refusal(value, limit))
    return number
