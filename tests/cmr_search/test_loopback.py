"""`loopback_host`: the one rule for this machine's addresses (an http issuer, a server open
without sign-in); `secure_or_loopback`: the URLs (an issuer, a sign-out endpoint) it allows."""

from __future__ import annotations

import pytest

from cmr_search.loopback import loopback_host, secure_or_loopback


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
    ("http://idp.example\t@127.0.0.1/logout", False)])
def test_plain_http_only_to_this_machine_as_a_browser_reads_the_url_too(
        url: str, allowed: bool) -> None:
    assert secure_or_loopback(url) is allowed
