"""qdrant-client with every failure as one `StoreError` line naming the server.

A server that is down, a wrong host, or a proxy answering a web page surfaced as qdrant-client's
and httpx's own exceptions: hundreds of lines of traceback from `stats`, and from `index` after
hours of embedding.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import httpx
from qdrant_client.http.exceptions import (
    ApiException,
    ResponseHandlingException,
    UnexpectedResponse,
)

from vectorstore.base import StoreError

_FAILURES = (ApiException, httpx.HTTPError, OSError, json.JSONDecodeError)


def why(url: str, error: BaseException) -> str:
    """One line: what went wrong talking to the Qdrant at `url`."""
    if isinstance(error, UnexpectedResponse):
        body = (error.content or b"")[:200].decode("utf-8", "replace").lower()
        if "<html" in body or "<!doctype" in body:
            return (f"Qdrant at {url}: answered HTTP {error.status_code} with a web page, not "
                    "Qdrant's API (is the URL right?)")
        detail = " ".join(body.split())[:160]
        return f"Qdrant at {url}: HTTP {error.status_code} {error.reason_phrase}: {detail}"
    cause = error.source if isinstance(error, ResponseHandlingException) else error
    if isinstance(cause, json.JSONDecodeError | ValueError):
        return f"Qdrant at {url}: answered something that is not Qdrant's API (is the URL right?)"
    if isinstance(cause, httpx.TimeoutException):
        return f"Qdrant at {url}: no answer in time (CMR_SEARCH_QDRANT_URL, the network)"
    text = " ".join(str(cause).split())[:160] or type(cause).__name__
    return f"Qdrant at {url}: not reachable ({text})"


class GuardedClient:
    """Calls pass through to the client; a failure is a `StoreError` (`why`)."""

    def __init__(self, client: Any, url: str) -> None:
        self._client, self._url = client, url

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr
        return self._guard(attr)

    def _guard(self, call: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(call)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return call(*args, **kwargs)
            except _FAILURES as error:
                raise StoreError(why(self._url, error)) from error

        return guarded
