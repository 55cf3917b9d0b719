"""The two URL forms a PACS is named by on the command line."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Protocol(StrEnum):
    DICOMWEB = "dicomweb"
    DIMSE = "dimse"


# ASCII digits only: "\d" read a port written in Arabic-Indic digits as 104
_HOST_PORT = re.compile(r"^(?P<host>[^:/@\s]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})/?$",
                        re.ASCII)
_PORT = re.compile(r"\d{1,5}", re.ASCII)
_AE_MAX = 16  # DICOM PS3.5, VR AE: 16 characters at most
_PREFIXES = ("dicomweb+http://", "dicomweb+https://", "dimse://")
_NO_CREDENTIALS = ("no credentials in the URL; set CMR_SEARCH_PACS_TOKEN or "
                   "CMR_SEARCH_PACS_USERNAME/_PASSWORD")


@dataclass(frozen=True)
class PacsAddress:
    """`dicomweb+http(s)://host[:port]/prefix` (the DICOMweb root, e.g. .../dicom-web) or
    `dimse://AET@host:port` (the PACS's called AE title)."""

    protocol: Protocol
    url: str = ""  # DICOMweb root, http(s)
    ae_title: str = ""
    host: str = ""
    port: int = 0

    @staticmethod
    def looks_like(text: str) -> bool:
        return text.startswith(_PREFIXES)

    @classmethod
    def parse(cls, text: str) -> PacsAddress:
        if text.startswith("dimse://"):
            return cls._dimse(text)
        if text.startswith(("dicomweb+http://", "dicomweb+https://")):
            url = text.removeprefix("dicomweb+").rstrip("/")
            if problem := _bare_ipv6_in_url(url):
                raise ValueError(problem)
            shown = _masked(text)  # every error names the address, never its password
            try:
                parts = urlsplit(url)
                port = parts.port  # reads it: "host:abc" and "host:99999" raise here
            except ValueError as error:
                # urlsplit's words may quote the password (its netloc; a "/" in the password
                # read its start as the port): of an address with credentials, say only that
                raise ValueError(f"{text}: {error}" if shown == text else
                                 f"{shown}: {_NO_CREDENTIALS}") from None
            if port == 0:
                raise ValueError(f"{shown}: port 0")
            if not parts.hostname or parts.query or parts.fragment:
                raise ValueError(f"{shown}: write a DICOMweb server as "
                                 "dicomweb+https://host/dicom-web")
            if parts.username or parts.password:
                raise ValueError(f"{parts.hostname}: {_NO_CREDENTIALS}")
            return cls(Protocol.DICOMWEB, url=url)
        raise ValueError(f"{_masked(text)}: not a PACS address (dicomweb+https://host/dicom-web "
                         "or dimse://AET@host:port)")

    @classmethod
    def _dimse(cls, text: str) -> PacsAddress:
        shown = text if text.isprintable() else ascii(text)
        how = "write a DIMSE peer as dimse://AET@host:port"
        # the last "@": an AE title may hold one (DICOM allows any ASCII but the backslash)
        aet, at, where = text.removeprefix("dimse://").rpartition("@")
        if not at:
            raise ValueError(f"{shown}: no AE title: {how}")
        match = _HOST_PORT.match(where)
        if not match and (bare := _bare_ipv6(where)) is not None:
            host, port = bare
            title = aet if aet.isprintable() else "AET"
            raise ValueError(f"{shown}: put the IPv6 address in brackets: "
                             f"dimse://{title}@[{host}]:{port or 'port'}")
        if not match:
            ipv6 = " (an IPv6 address in brackets: [::1]:104)" if where.count(":") > 1 else ""
            raise ValueError(f"{shown}: {where!r} is no host:port: {how}{ipv6}")
        if not 0 < int(match["port"]) < 65536:
            raise ValueError(f"{shown}: port {int(match['port'])} is out of range (1 to 65535)")
        if problem := ae_title_problem(aet):
            raise ValueError(f"{shown}: {problem}")
        return cls(Protocol.DIMSE, ae_title=aet.strip(" "), host=match["host"].strip("[]"),
                   port=int(match["port"]))

    def __str__(self) -> str:
        if self.protocol is Protocol.DIMSE:
            host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6
            return f"dimse://{self.ae_title}@{host}:{self.port}"
        return f"dicomweb+{self.url}"


def _bare_ipv6(where: str) -> tuple[str, str] | None:
    """The IPv6 address and port (or "") of `where` (host:port, or a host alone) that holds
    one without the brackets RFC 3986 puts it in ("::1:104": "::1", "104"): its colons were
    read as the port's, and the error said only "Port could not be cast" or "is no host:port".
    None where it holds none."""
    if "[" in where or where.count(":") < 2:
        return None
    host, _, port = where.rpartition(":")
    if _PORT.fullmatch(port) and _ipv6(host):  # "::1:104" is an address too: a port is likelier
        return host, port
    return (where, "") if _ipv6(where) else None


def _bare_ipv6_in_url(url: str) -> str | None:
    """What to write instead of an http(s) URL whose host is a bare IPv6 address, naming the
    URL without the credentials it may hold (refused after, in words that name none)."""
    scheme, _, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    where = netloc.rpartition("@")[2]
    if (bare := _bare_ipv6(where)) is None:
        return None
    host, port = bare
    return (f"dicomweb+{scheme}://{where}{slash}{path}: put the IPv6 address in brackets: "
            f"dicomweb+{scheme}://[{host}]{':' if port else ''}{port}{slash}{path}")


def _masked(text: str) -> str:
    """`text` (scheme://user:password@host/...) with its password as *** (user:***@host), or
    its user info as *** where it has no password (a token alone): an error repeated the whole
    address, secret included. Up to the last "@", as a password may hold "/" unencoded (a path
    holding an "@" is masked too: too much hidden, never too little)."""
    scheme, sep, rest = text.partition("://")
    userinfo, at, after = rest.rpartition("@")
    if not sep or not at:
        return text
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user + ':***' if colon else '***'}@{after}"


def _ipv6(text: str) -> bool:
    if "%" in text:  # a zone (fe80::1%eth0): not one an address here may carry
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def ae_title_problem(title: str) -> str | None:
    """Why `title` is no DICOM AE title (PS3.5, VR AE), in words naming it; None if it is one.
    Leading and trailing spaces are padding, not part of the title; inside, a space is
    allowed, as is any printable ASCII character but the backslash."""
    value = title.strip(" ")
    if not value:
        return ("the AE title is empty" if not title else "the AE title is only spaces") + \
            " (the PACS's called AE title goes before the @)"
    bad = next((c for c in value if not c.isascii() or not c.isprintable() or c == "\\"),
               None)
    named = f"'{value}'" if value.isprintable() else ascii(value)
    if bad is not None:
        kind = "a backslash" if bad == "\\" else f"a control character ({bad!a})" \
            if bad.isascii() else f"a character outside ASCII ('{bad}')"
        return f"the AE title {named} holds {kind}, which a DICOM AE title may not"
    if len(value) > _AE_MAX:
        return f"the AE title {named} is {len(value)} characters, longer than the " \
            f"{_AE_MAX} a DICOM AE title may have"
    return None
