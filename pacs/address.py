"""The two URL forms a PACS is named by on the command line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Protocol(StrEnum):
    DICOMWEB = "dicomweb"
    DIMSE = "dimse"


_DIMSE = re.compile(r"^dimse://(?P<aet>[^@/]{1,16})@(?P<host>[^:/@]+|\[[0-9a-fA-F:]+\])"
                    r":(?P<port>\d{1,5})/?$")
_PREFIXES = ("dicomweb+http://", "dicomweb+https://", "dimse://")


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
            match = _DIMSE.match(text)
            if not match or not 0 < int(match["port"]) < 65536:
                raise ValueError(f"{text}: write a DIMSE peer as dimse://AET@host:port")
            return cls(Protocol.DIMSE, ae_title=match["aet"].strip(),
                       host=match["host"].strip("[]"), port=int(match["port"]))
        if text.startswith(("dicomweb+http://", "dicomweb+https://")):
            url = text.removeprefix("dicomweb+").rstrip("/")
            try:
                parts = urlsplit(url)
                port = parts.port  # reads it: "host:abc" and "host:99999" raise here
            except ValueError as error:
                raise ValueError(f"{text}: {error}") from None
            if port == 0:
                raise ValueError(f"{text}: port 0")
            if not parts.hostname or parts.query or parts.fragment:
                raise ValueError(f"{text}: write a DICOMweb server as "
                                 "dicomweb+https://host/dicom-web")
            if parts.username or parts.password:
                raise ValueError(f"{parts.hostname}: no credentials in the URL; set "
                                 "CMR_SEARCH_PACS_TOKEN or CMR_SEARCH_PACS_USERNAME/_PASSWORD")
            return cls(Protocol.DICOMWEB, url=url)
        raise ValueError(f"{text}: not a PACS address (dicomweb+https://host/dicom-web or "
                         "dimse://AET@host:port)")

    def __str__(self) -> str:
        if self.protocol is Protocol.DIMSE:
            return f"dimse://{self.ae_title}@{self.host}:{self.port}"
        return f"dicomweb+{self.url}"
