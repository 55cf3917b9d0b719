"""Paging a study search: every page until an empty one, with a warning where a server's
paging may have cut the list."""

from __future__ import annotations

import logging
import socket

import pytest

from pacs.client import PacsError, RemoteStudy, TransientError, connection_failure, pages


def _studies(n: int) -> list[RemoteStudy]:
    return [RemoteStudy(f"1.2.{i}") for i in range(n)]


def test_a_full_page_then_nothing_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    """Orthanc with ModalitiesInStudy answered offset 3 with nothing while 6 studies matched:
    3 were indexed and nothing said so."""
    listed = _studies(6)

    def broken(offset: int, limit: int) -> list[RemoteStudy]:
        return listed[:limit] if offset == 0 else []

    with caplog.at_level(logging.WARNING, logger="pacs.client"):
        found = [s for page in pages(broken, 3) for s in page]
    assert len(found) == 3 and "a whole number of pages of 3" in caplog.text


def test_a_short_last_page_ends_quietly(caplog: pytest.LogCaptureFixture) -> None:
    listed = _studies(5)
    with caplog.at_level(logging.WARNING, logger="pacs.client"):
        found = [s for page in pages(lambda o, n: listed[o:o + n], 3) for s in page]
    assert len(found) == 5 and caplog.text == ""


def _wrapped(cause: BaseException) -> Exception:
    """As requests raises it: a ConnectionError holding urllib3's MaxRetryError, whose reason
    holds the socket's own error as its cause."""
    import requests
    import urllib3

    reason = urllib3.exceptions.NewConnectionError(None, f"failed: {cause}")  # type: ignore[arg-type]
    reason.__cause__ = cause
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(("cause", "transient", "said"), [
    (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), False,
     "q: the host name 'pacs.invalid' does not resolve"),
    (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), True,
     "q: the host name 'pacs.invalid' could not be looked up now"),
    (ConnectionRefusedError(111, "Connection refused"), True,
     "q: connection refused at pacs.invalid:8042"),
    (ConnectionResetError(104, "reset"), True, "q: ConnectionError at pacs.invalid:8042"),
])
def test_a_failed_connection_says_where_and_whether_to_retry(
        cause: BaseException, transient: bool, said: str) -> None:
    """Only a name the resolver says does not exist is final: retrying it for half a minute
    changed nothing, while a DNS server that could not answer may answer next time."""
    error = connection_failure("q", _wrapped(cause), "pacs.invalid", 8042)
    assert isinstance(error, PacsError) and str(error).startswith(said)
    assert isinstance(error, TransientError) is transient
