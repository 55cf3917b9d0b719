"""Whether an address is this machine's: the one rule for where plain http is allowed (an
identity provider's issuer, checked by the settings and again by `accounts.oidc`, and its
sign-out endpoint) and where a server may listen without sign-in. Two rules that disagreed let
the settings take an issuer (http://127.0.0.2, http://[::1%25eth0]) that `serve` then refused."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# `url_problem`'s words where the URL is no http(s) one at all (an issuer says more: https)
NOT_HTTP, NO_HOST = "an http:// or https:// URL", "no host in the URL"
_CREDENTIALS = "no user name or password in the URL (it is logged and shown)"


def loopback_host(host: str) -> bool:
    """`localhost`, or an IP address of the loopback network (127.0.0.0/8, ::1 however
    written; an IPv6 one may be in brackets). Not one with a zone (::1%eth0): loopback has
    none, and a zone names another interface's address."""
    host = host.lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return address.is_loopback and getattr(address, "scope_id", None) is None


def url_problem(url: str) -> str | None:
    """Why `url` is no http(s) address a client can reach, in a few words, or None. Read
    here, once: urlsplit reads a port only when asked, so http://localhost:abc passed the
    settings and failed at the first request (a sign-in's discovery, a search's Qdrant)."""
    if "\\" in url or " " in url or not url.isprintable():
        return "a space, a backslash or a control character in the URL"
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1"
        return "not a URL (an IPv6 address in unclosed [brackets])"
    where = parts.netloc.rpartition("@")[2]  # host and port, after any credentials
    bare_ipv6 = where.count(":") > 1 and "[" not in where
    try:
        port = None if bare_ipv6 else parts.port
    except ValueError:
        # an "@" before the query: credentials, whose password urlsplit read as the port
        # (http://user:pa/ss@host: "pa"); it said "a port from 1 to 65535", and no part of
        # it is shown
        if "@" in url.partition("?")[0].partition("#")[0]:
            return _CREDENTIALS
        return f"a port from 1 to 65535, not {where.rpartition(':')[2][:20]!r}"
    if bare_ipv6:
        return "an IPv6 address goes in [brackets]: http://[::1]:8080"
    if parts.scheme not in ("http", "https"):
        return NOT_HTTP
    if not parts.hostname:
        return NO_HOST
    if port == 0:
        return "a port from 1 to 65535, not 0"
    if parts.username is not None or parts.password is not None:
        return _CREDENTIALS
    return None


def secure_or_loopback(url: str) -> bool:
    """An https URL with a host, or an http one on this machine (a provider in a test, a
    sidecar). Not one holding a backslash or a space: urlsplit reads the host of
    "http://idp.example\\@127.0.0.1" as 127.0.0.1, a browser (sent to the sign-out endpoint) as
    idp.example, in the clear."""
    if url_problem(url) is not None:  # the port too: http://localhost:abc was allowed
        return False
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return True
    return parts.scheme == "http" and loopback_host(host)
