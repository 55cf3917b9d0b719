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


def past_depth(page: int | str, limit: int) -> str:
    return (f"page {str(page)[:_DIGITS]} is past the first {MAX_DEPTH} results: at {limit} "
            f"per page the last page is {last_page(limit)} (narrow the query or the filters)")


def check_depth(page: int, limit: int) -> None:
    """QueryError for a page past the first MAX_DEPTH results (before the engine says it in
    its own words)."""
    if page > last_page(limit):
        raise QueryError(past_depth(page, limit))


def page_refusal(value: str, limit: int) -> str:
    """The one line refusing page `value` (as sent: the query string's text, or a body's
    JSON) at `limit` per page: past the last page, or no whole number from 1 to it (a body's
    0 or 5000 was pydantic's "page.page: Input should be greater than or equal to 1")."""
    if value.isascii() and value.isdigit() and int(value[:_DIGITS]) > last_page(limit):
        return past_depth(int(value[:_DIGITS]), limit)
    return f"page must be a whole number from 1 to {last_page(limit)}, not {value[:20]!r}"


def page_number(value: str | None, limit: int) -> int:
    """`page` from a page's query string: a whole number from 1 to the last page."""
    if not value:
        return 1
    number = int(value[:_DIGITS]) if value.isascii() and value.isdigit() else 0
    if number < 1 or number > last_page(limit):
        raise QueryError(page_refusal(value, limit))
    return number
