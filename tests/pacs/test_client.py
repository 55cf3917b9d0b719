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
    (ConnectionResetError(104, "reset"), True,
     "q: the connection was closed by pacs.invalid:8042 before it answered"),
    (OSError(113, "No route to host"), True, "q: No route to host at pacs.invalid:8042"),
])
def test_a_failed_connection_says_where_and_whether_to_retry(
        cause: BaseException, transient: bool, said: str) -> None:
    """Only a name the resolver says does not exist is final: retrying it for half a minute
    changed nothing, while a DNS server that could not answer may answer next time."""
    error = connection_failure("q", _wrapped(cause), "pacs.invalid", 8042)
    assert isinstance(error, PacsError) and str(error).startswith(said)
    assert isinstance(error, TransientError) is transient


def test_a_connection_the_server_dropped_is_named() -> None:
    """As requests raises it when the server closed an accepted connection (Orthanc stopping
    mid-run): urllib3's ProtocolError holds the socket's error as its second argument, and
    the reason read "ConnectionError at 127.0.0.1:8042", naming nothing."""
    import http.client

    import requests
    import urllib3

    for dropped in (http.client.RemoteDisconnected("Remote end closed connection"),
                    ConnectionResetError(104, "Connection reset by peer")):
        aborted = urllib3.exceptions.ProtocolError("Connection aborted.", dropped)
        error = connection_failure("q", requests.ConnectionError(aborted), "127.0.0.1", 8042)
        assert isinstance(error, TransientError)
        assert str(error) == ("q: the connection was closed by 127.0.0.1:8042 before it "
                              "answered (the server stopping or restarting?)")


def _behind_proxy(cause: BaseException) -> Exception:
    """As requests raises it when the proxy could not be reached."""
    import requests
    import urllib3

    inner = urllib3.exceptions.NewConnectionError(None, f"failed: {cause}")  # type: ignore[arg-type]
    inner.__cause__ = cause
    reason = urllib3.exceptions.ProxyError("Unable to connect to proxy", inner)
    reason.__cause__ = inner  # urllib3 raises it `from` the connection's error
    return requests.exceptions.ProxyError(urllib3.exceptions.MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


def test_a_proxy_that_failed_is_named_as_the_proxy() -> None:
    """The proxy's name not resolving read "the host name 'pacs' does not resolve: check the
    PACS address"."""
    nxdomain = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    error = connection_failure("q", _behind_proxy(nxdomain), "proxy.lan", 3128, proxy=True)
    assert not isinstance(error, TransientError)
    assert str(error).startswith("q: the proxy's host name 'proxy.lan' does not resolve")
    assert "HTTPS_PROXY" in str(error) and "PACS address" not in str(error)
    refused = connection_failure("q", _behind_proxy(ConnectionRefusedError(111, "refused")),
                                 "proxy.lan", 3128, proxy=True)
    assert str(refused) == "q: connection refused at the proxy proxy.lan:3128"


def test_an_ipv6_peer_is_named_in_brackets() -> None:
    """"connection refused at ::1:104" read as one longer address."""
    error = connection_failure("q", ConnectionRefusedError(111, "refused"), "::1", 104)
    assert str(error) == "q: connection refused at [::1]:104"


@pytest.mark.parametrize("code", [socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)])
def test_a_name_that_resolved_earlier_in_the_run_is_retried(code: int) -> None:
    """After the study list came from the same host, a "no such name" for one study is a DNS
    failure of the moment: it failed that study at once, saying "check the PACS address"."""
    cause = socket.gaierror(code, "Name or service not known")
    first = connection_failure("q", _wrapped(cause), "pacs.lan", 8042)
    assert not isinstance(first, TransientError) and "check the PACS address" in str(first)
    later = connection_failure("q", _wrapped(cause), "pacs.lan", 8042, resolved_before=True)
    assert isinstance(later, TransientError)
    assert str(later) == ("q: the host name 'pacs.lan' no longer resolves (it did earlier in "
                          "this run: a DNS failure)")


def test_a_dimse_peer_probe_knows_when_its_name_resolved(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from pacs.client import reachable

    answers: list[BaseException | None] = [socket.gaierror(socket.EAI_NONAME, "unknown")]

    class Opened:
        def close(self) -> None:
            pass

    def connect(*_: object, **__: object) -> Opened:
        if (answer := answers.pop(0)) is not None:
            raise answer
        return Opened()

    monkeypatch.setattr(socket, "create_connection", connect)
    reached = threading.Event()
    with pytest.raises(PacsError) as error:  # a wrong address: at once, not retried
        reachable("C-FIND studies", "pacs.lan", 104, 5.0, reached)
    assert not isinstance(error.value, TransientError)
    answers += [None, socket.gaierror(socket.EAI_NONAME, "unknown")]
    reachable("C-FIND studies", "pacs.lan", 104, 5.0, reached)  # the listing came
    with pytest.raises(TransientError, match="no longer resolves"):  # one study's, midway
        reachable("C-GET series", "pacs.lan", 104, 5.0, reached)
