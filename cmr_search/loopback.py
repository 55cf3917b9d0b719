"""Whether an address is this machine's: the one rule for where plain http is allowed (an
identity provider's issuer, checked by the settings and again by `accounts.oidc`, and its
sign-out endpoint) and where a server may listen without sign-in. Two rules that disagreed let
the settings take an issuer (http://127.0.0.2, http://[::1%25eth0]) that `serve` then refused."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


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


def secure_or_loopback(url: str) -> bool:
    """An https URL with a host, or an http one on this machine (a provider in a test, a
    sidecar). Not one holding a backslash or a space: urlsplit reads the host of
    "http://idp.example\\@127.0.0.1" as 127.0.0.1, a browser (sent to the sign-out endpoint) as
    idp.example, in the clear."""
    if "\\" in url or " " in url or not url.isprintable():
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme == "https" and host:
        return True
    return parts.scheme == "http" and loopback_host(host)
