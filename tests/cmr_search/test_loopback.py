"""`loopback_host`: the one rule for this machine's addresses (an http issuer, a server open
without sign-in); `secure_or_loopback`: the URLs (an issuer, a sign-out endpoint) it allows."""

from __future__ import annotations

import pytest

from cmr_search.loopback import loopback_host, secure_or_loopback, url_problem

CREDENTIALS = "no user name or password in the URL (it is logged and shown)"


@pytest.mark.parametrize(("host", "local"), [
    ("localhost", True), ("LocalHost", True), ("127.0.0.1", True), ("127.0.0.2", True),
    ("127.255.255.254", True), ("::1", True), ("[::1]", True), ("0:0:0:0:0:0:0:1", True),
    ("::1%eth0", False), ("[::1%lo]", False), ("0.0.0.0", False), ("::", False),
    ("10.0.0.1", False), ("127.1", False), ("localhost.example", False), ("", False)])
def test_a_loopback_host_is_one_of_this_machine_only(host: str, local: bool) -> None:
    assert loopback_host(host) is local


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://idp.example/realms/x", True), ("http://127.0.0.1:8080/x", True),
    ("http://[::1]:8080", True), ("http://127.0.0.1.evil.example", False),
    ("http://localhost.evil.example", False), ("http://0x7f000001", False),
    ("http://2130706433", False), ("http://[::ffff:127.0.0.1]", False),
    ("http://127.0.0.1@evil.example", False), ("https://", False),
    # urlsplit's host 127.0.0.1, a browser's idp.example (WHATWG: "\\" ends the host)
    ("http://idp.example\\@127.0.0.1/logout", False),
    ("http://idp.example\\.127.0.0.1/logout", False),
    ("http://idp.example @127.0.0.1/logout", False),
    ("http://idp.example\t@127.0.0.1/logout", False),
    ("http://localhost:abc", False), ("http://127.0.0.1:0/x", False)])
def test_plain_http_only_to_this_machine_as_a_browser_reads_the_url_too(
        url: str, allowed: bool) -> None:
    assert secure_or_loopback(url) is allowed


@pytest.mark.parametrize(("url", "problem"), [
    ("https://idp.example/realms/x", None), ("http://[::1]:8080/", None),
    ("http://localhost:abc", "a port from 1 to 65535, not 'abc'"),
    ("http://localhost:70000/x?a=1:2", "a port from 1 to 65535, not '70000'"),
    # credentials, not "a port from 1 to 65535": "pw" was read as the port (nothing shown)
    ("http://u:pw@host:abc/", CREDENTIALS), ("http://u:pw/x@host/", CREDENTIALS),
    ("http://user:pa/ss@qdrant:6333", CREDENTIALS),
    ("http://h:abc/x?to=a@b", "a port from 1 to 65535, not 'abc'"),  # an "@" in the query
    ("http://[::1", "not a URL (an IPv6 address in unclosed [brackets])"),
    ("http://::1:8080", "an IPv6 address goes in [brackets]: http://[::1]:8080"),
    ("ftp://x", "an http:// or https:// URL"), ("https://", "no host in the URL"),
    ("https://u@idp.example", CREDENTIALS)])
def test_a_url_a_client_cannot_reach_says_why(url: str, problem: str | None) -> None:
    """The port is read here: urlsplit reads it only when asked, at the first request."""
    assert url_problem(url) == problem
