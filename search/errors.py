"""What can go wrong with a search, as exceptions the API maps to status codes."""

from __future__ import annotations


class SearchError(Exception):
    """Base class; the message is one line a user can act on."""


class QueryError(SearchError, ValueError):
    """The query itself is wrong: empty, too long, an unknown filter, a bad date (HTTP 400)."""


class NotFoundError(SearchError, LookupError):
    """A study asked for by UID is not in the index (HTTP 404)."""


class NotReadyError(SearchError):
    """No index yet, or one built by another model (HTTP 503)."""



class FilterError(QueryError):
    """A filter value the query cannot take (HTTP 400). `fields` names the filter fields it is
    about: one, or a range's two ends where they are the wrong way round (low, high), so that
    a page can say it in its own labels ("LVEF from 90 % is above LVEF to 10 %") while the API
    and the command line keep the field names."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields
