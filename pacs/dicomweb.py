"""A DICOMweb server (QIDO-RS, WADO-RS) through `dicomweb-client`: GET requests only."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3
from dicomweb_client.api import DICOMwebClient
from pydicom import dcmwrite
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels.utils import get_expected_length
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from requests.adapters import HTTPAdapter

from pacs.client import (
    PacsError,
    RemoteSeries,
    RemoteStudy,
    TransientError,
    causes,
    connection_failure,
    date_range,
    safe_uid,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
_TRANSIENT_STATUS = {408, 429}
_STUDY_FIELDS = ("StudyInstanceUID", "AccessionNumber", "StudyDate",
                 "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances")
_SERIES_FIELDS = ("SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription",
                  "NumberOfSeriesRelatedInstances")
# any transfer syntax the server holds: compressed series travel compressed (the reader
# decodes RLE, JPEG 2000 and JPEG lossless), instead of being inflated to Explicit VR
_AS_STORED = (("application/dicom", "*"),)
_NATIVE = {ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian}
_PIXELS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class WebAuth:
    """A bearer token, or a user and password for basic auth (or neither)."""

    token: str | None = None
    username: str | None = None
    password: str | None = None


def _value(item: dict[str, Any], tag: str) -> Any:
    values = item.get(tag, {}).get("Value") or [None]
    return values[0]


def _count(item: dict[str, Any], tag: str) -> int | None:
    value = _value(item, tag)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _retry_after_s(response: requests.Response | None) -> float | None:
    """Seconds a 429 or 503 asks us to wait (Retry-After: seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip() if response is not None else ""
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # unreadable: our own backoff
    if when.tzinfo is None:
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class _Deadline(HTTPAdapter):
    """Reads each answer whole within `transfer_timeout_s` seconds: requests' timeout bounds
    each wait for bytes only, so a server sending a byte a second held the run forever."""

    def __init__(self, transfer_timeout_s: float) -> None:
        super().__init__()
        self.transfer_timeout_s = transfer_timeout_s

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             *args: Any, **kwargs: Any) -> requests.Response:
        response = super().send(request, stream, *args, **kwargs)
        if stream:
            return response
        deadline, chunks = time.monotonic() + self.transfer_timeout_s, []
        try:
            for chunk in _arriving(response):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise requests.Timeout(f"the answer took over {self.transfer_timeout_s:g} "
                                           "s in all (CMR_SEARCH_PACS_TRANSFER_TIMEOUT_S)")
        except BaseException:
            response.close()
            raise
        response._content = b"".join(chunks)  # read: Session.send finds it there
        return response


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives (`read1`: what the socket has; `iter_content` waits for a whole
    chunk, so one slow chunk was never timed), urllib3's errors as requests' own."""
    try:
        while chunk := response.raw.read1(_CHUNK, decode_content=True):
            yield chunk
    except urllib3.exceptions.ProtocolError as error:
        raise requests.exceptions.ChunkedEncodingError(error) from None
    except urllib3.exceptions.ReadTimeoutError as error:
        raise requests.exceptions.ReadTimeout(error) from None
    except urllib3.exceptions.DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error) from None


def _host_port(request: Any) -> tuple[str, int | None]:
    """Where a failed request went (requests names it on its ConnectionError)."""
    url = getattr(request, "url", None)
    if not isinstance(url, str):
        return "the server", None
    try:
        parts = urlsplit(url)
        default = {"http": 80, "https": 443}.get(parts.scheme)
        return parts.hostname or "the server", parts.port or default
    except ValueError:
        return "the server", None


def _connected_to(error: requests.ConnectionError) -> tuple[str, int | None]:
    """Where the connection that failed went: the host urllib3 connected to, a proxy's when
    one is set (requests' request names the PACS, whose name a proxy resolves: a proxy that
    did not resolve read "the host name 'pacs' does not resolve"), else the request's."""
    for cause in causes(error):
        conn = getattr(cause, "conn", None)
        host, port = getattr(conn, "host", None), getattr(conn, "port", None)
        if isinstance(host, str) and host:
            return host, port if isinstance(port, int) else None
    return _host_port(error.request)


@contextmanager
def _translated(what: str, answered: threading.Event | None = None) -> Iterator[None]:
    """requests' and the server's failures as one-line PacsErrors (transient or not);
    `answered`: set once the server answered (its host name resolved) in this run."""
    try:
        yield
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else 0
        if status >= 500 or status in _TRANSIENT_STATUS:
            wait = _retry_after_s(error.response)
            asked = "" if wait is None else f" (the server asks to wait {wait:.0f} s)"
            raise TransientError(f"{what}: HTTP {status}{asked}", wait) from None
        if status in (401, 403):
            raise PacsError(f"{what}: HTTP {status}, the server refused our credentials "
                            "(CMR_SEARCH_PACS_TOKEN or _USERNAME/_PASSWORD)") from None
        raise PacsError(f"{what}: HTTP {status}") from None
    except requests.exceptions.SSLError:
        raise PacsError(f"{what}: TLS certificate not trusted (CMR_SEARCH_PACS_CA_BUNDLE)") \
            from None
    except requests.Timeout as error:
        said = str(error) if "in all" in str(error) else type(error).__name__
        raise TransientError(f"{what}: {said}") from None
    except requests.ConnectionError as error:
        proxy = isinstance(error, requests.exceptions.ProxyError)
        resolved = answered is not None and answered.is_set()
        raise connection_failure(what, error, *_connected_to(error), proxy=proxy,
                                 resolved_before=resolved) from None
    except requests.exceptions.ChunkedEncodingError:
        raise TransientError(f"{what}: the transfer broke off (the server closed the "
                             "connection mid-answer)") from None
    except InvalidDicomError:
        # a server going down can end the stream with an empty or cut part; a second try
        # usually reads it whole, and a part that stays unreadable skips only its study
        raise TransientError(f"{what}: the server sent a part that is not DICOM (the "
                             "transfer was cut off?)") from None
    except (ValueError, KeyError, TypeError, AttributeError, requests.RequestException) \
            as error:
        raise PacsError(f"{what}: unreadable answer ({type(error).__name__})") from None
    except OSError as error:  # e.g. a CA bundle that cannot be read
        raise PacsError(f"{what}: {type(error).__name__}: {str(error).splitlines()[0]}") \
            from None


class _Session(requests.Session):
    """A session whose own TLS setting wins: dicomweb-client passes no `verify`, so requests
    took REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE over CMR_SEARCH_PACS_CA_BUNDLE and _VERIFY_TLS."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Any:
        if verify is None and self.verify is not True:
            verify = self.verify
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


def _whole(ds: Dataset) -> bool:
    """Whether an instance arrived whole: it names itself, an image holds pixel data, and
    native (uncompressed) pixel data holds every frame. pydicom reads a part cut in its
    header, its pixels or its tail without error (a cut compressed part loses PixelData)."""
    if "SOPInstanceUID" not in ds:
        return False
    if "Rows" in ds and not any(k in ds for k in _PIXELS):
        return False
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID", ExplicitVRLittleEndian) if meta is not None \
        else ExplicitVRLittleEndian
    if "PixelData" not in ds or syntax not in _NATIVE:
        return True
    try:
        return len(ds.PixelData) >= get_expected_length(ds)
    except (AttributeError, KeyError, TypeError, ValueError):
        return True  # an image module too incomplete to size: the reader judges it


class DicomwebPacs:
    """QIDO-RS to list, WADO-RS to read metadata and fetch series. Never POST, PUT or DELETE."""

    def __init__(self, url: str, auth: WebAuth = WebAuth(), verify_tls: bool | Path = True,
                 timeout_s: float = 60.0,
                 session_factory: Callable[[], requests.Session] = _Session,
                 transfer_timeout_s: float | None = None) -> None:
        self.url = url
        session = session_factory()
        if transfer_timeout_s is not None:
            session.mount("https://", _Deadline(transfer_timeout_s))
            session.mount("http://", _Deadline(transfer_timeout_s))
        session.verify = str(verify_tls) if isinstance(verify_tls, Path) else verify_tls
        if auth.token:
            session.headers["Authorization"] = f"Bearer {auth.token}"
        elif auth.username:
            session.auth = (auth.username, auth.password or "")
        self.bytes_received = 0  # every answer, metadata and queries included
        self._lock = threading.Lock()
        # the server answered once: its host name resolved, and a later "no such name" is
        # a DNS failure of the moment (retried), not a wrong address
        self._answered = threading.Event()
        self._mine = threading.local()  # this thread's answers (fetches run side by side)
        self._session = session
        self._client = DICOMwebClient(url, session=session, timeout=timeout_s,
                                      callback=self._counted)
        self._client.set_http_retry_params(retry=False)  # pacs.polite retries, with backoff

    @property
    def location(self) -> str:
        return f"dicomweb+{self.url}"

    def _counted(self, response: requests.Response, *args: Any, **kwargs: Any) \
            -> requests.Response:
        self._answered.set()
        size = len(response.content)
        with self._lock:
            self.bytes_received += size
        self._mine.bytes = getattr(self._mine, "bytes", 0) + size
        return response

    def find_studies(self, since: date | None, until: date | None,
                     offset: int, limit: int) -> list[RemoteStudy]:
        filters: dict[str, Any] = {"ModalitiesInStudy": "MR"}
        if dates := date_range(since, until):
            filters["StudyDate"] = dates
        with _translated("QIDO-RS studies", self._answered):
            found = self._client.search_for_studies(search_filters=filters, offset=offset,
                                                    limit=limit, fields=list(_STUDY_FIELDS))
            return [RemoteStudy(str(_value(s, "0020000D") or ""),
                                str(_value(s, "00080050") or ""),
                                str(_value(s, "00080020") or ""), _count(s, "00201206"),
                                _count(s, "00201208")) for s in found]

    def find_series(self, study_instance_uid: str) -> list[RemoteSeries]:
        with _translated("QIDO-RS series", self._answered):
            found = self._client.search_for_series(study_instance_uid=study_instance_uid,
                                                   fields=list(_SERIES_FIELDS))
            return [RemoteSeries(str(_value(s, "0020000E")), str(_value(s, "00080060") or ""),
                                 _count(s, "00200011") or 0, str(_value(s, "0008103E") or ""),
                                 _count(s, "00201209")) for s in found]

    def study_metadata(self, study_instance_uid: str) -> list[Dataset] | None:
        with _translated("WADO-RS metadata", self._answered):
            items = self._client.retrieve_study_metadata(study_instance_uid)
            # bulk data (pixels, overlays) is left on the server: classification needs none
            return [Dataset.from_json(item, bulk_data_uri_handler=lambda *_: b"")
                    for item in items]

    def fetch_series(self, study_instance_uid: str, series_instance_uid: str,
                     folder: Path) -> int:
        before = getattr(self._mine, "bytes", 0)
        # the parts are decoded as the answer is read
        with _translated("WADO-RS series", self._answered):
            instances = self._client.retrieve_series(study_instance_uid, series_instance_uid,
                                                     media_types=_AS_STORED)
        cut = next((k for k, ds in enumerate(instances) if not _whole(ds)), None)
        if cut is not None:
            raise TransientError(f"WADO-RS series: part {cut + 1} of {len(instances)} is cut "
                                 "short (the transfer was cut off?)")
        folder.mkdir(parents=True, exist_ok=True)
        # a part garbled in transit (a wrong boundary) decodes into nonsense tags that fail
        # only when written: one line, as any unreadable answer
        with _translated("WADO-RS series", self._answered):
            for ds in instances:  # the PACS's UID names a file here: checked ("../../x")
                name = safe_uid(str(ds.SOPInstanceUID), "SOP Instance UID")
                dcmwrite(folder / f"{name}.dcm", ds, enforce_file_format=True)
        return int(self._mine.bytes) - before

    def close(self) -> None:
        self._session.close()
