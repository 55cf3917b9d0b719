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

