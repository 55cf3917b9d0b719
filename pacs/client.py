"""What the indexer needs from a PACS, as one narrow interface (DICOMweb, DIMSE, or a fake).

Only queries and retrievals: nothing here can store, change or delete anything in the PACS.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from pydicom.dataset import Dataset

logger = logging.getLogger(__name__)


class PacsError(Exception):
    """A request the PACS refused or answered badly; the message is one line, no patient data."""


class NotIndexableError(PacsError):
    """The study, as the PACS holds it, has nothing the index can use (no cine series, or
    none of its fetched series reads as one): the same series and instance counts give the
    same answer, so a later run need not look at it again until they change."""


class TransientError(PacsError):
    """A failure worth retrying: a 5xx, a timeout, a refused or dropped connection.
    `retry_after_s`: how long the server asked us to wait (HTTP Retry-After), if it did."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps: its cause and context, and (urllib3's MaxRetryError,
    requests' ConnectionError) the `reason` or the errors among its arguments (urllib3's
    ProtocolError carries the socket's error second: "Connection aborted.", then it)."""
    pending, seen = [error], set[int]()
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        wrapped = [item.__cause__, item.__context__, getattr(item, "reason", None),
                   *item.args]
        pending += [w for w in wrapped if isinstance(w, BaseException)]


def host_port(host: str, port: int | None) -> str:
    """`host:port` as an address is written: an IPv6 literal in brackets ("::1:104" read as
    a longer address)."""
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown


# the resolver's "no such name": NXDOMAIN (EAI_NONAME), or a name with no address (glibc's
# EAI_NODATA); EAI_AGAIN is a resolver that could not answer now
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def connection_failure(what: str, error: BaseException, host: str, port: int | None,
                       proxy: bool = False, resolved_before: bool = False) -> PacsError:
    """A connection that failed, in one line naming where: `host`:`port` is where it went,
    the proxy's when `proxy`. A host name the resolver says does not exist is a wrong address
    (the PACS's, or the proxy setting's): retrying for half a minute changes nothing. Once
    the name resolved in this run (`resolved_before`: the study list came), its "no such
    name" is a DNS failure of the moment, as is a resolver that could not answer (EAI_AGAIN);
    those, and a refused, reset or unreachable connection, may pass: transient, retried."""
    chain = list(causes(error))
    whose = "the proxy's " if proxy else "the "
    looked_up = [c for c in chain if isinstance(c, socket.gaierror)]
    if not resolved_before and any(c.errno in _NO_SUCH_NAME for c in looked_up):
        check = "the proxy setting, HTTPS_PROXY or HTTP_PROXY" if proxy else "the PACS address"
        return PacsError(f"{what}: {whose}host name {host!r} does not resolve (no such name "
                         f"in DNS or the hosts file: check {check})")
    at = f"the proxy {host_port(host, port)}" if proxy else host_port(host, port)
    if any(isinstance(c, ConnectionRefusedError) for c in chain):
        return TransientError(f"{what}: connection refused at {at}")
    if any(isinstance(c, (ConnectionResetError, ConnectionAbortedError)) for c in chain):
        # http.client's RemoteDisconnected is a ConnectionResetError: a server stopping or
        # restarting drops the connection it had accepted
        return TransientError(f"{what}: the connection was closed by {at} before it "
                              "answered (the server stopping or restarting?)")
    if looked_up:
        now = "no longer resolves (it did earlier in this run: a DNS failure)" \
            if resolved_before else "could not be looked up now (DNS failure)"
        return TransientError(f"{what}: {whose}host name {host!r} {now}")
    # the socket's own words where it gave them ("No route to host"), else the error's type
    said = next((c.strerror for c in chain if isinstance(c, OSError) and c.strerror),
                type(error).__name__)
    return TransientError(f"{what}: {said} at {at}")


def reachable(what: str, host: str, port: int, timeout_s: float,
              reached: threading.Event) -> None:
    """A TCP connection to `host`:`port` opened and closed: a refused one found before a DIMSE
    library tries (pynetdicom then leaves a socket open). `reached` is set once one opens:
    the name resolved in this run, and a later "no such name" is a DNS failure (retried)."""
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as error:
        raise connection_failure(what, error, host, port,
                                 resolved_before=reached.is_set()) from None
    reached.set()


@dataclass(frozen=True)
class RemoteStudy:
    """A study as the PACS lists it (QIDO-RS or C-FIND at study level)."""

    study_instance_uid: str
    accession_number: str = ""
    study_date: str = ""  # YYYYMMDD
    series_count: int | None = None  # NumberOfStudyRelatedSeries, when the PACS says
    instance_count: int | None = None  # NumberOfStudyRelatedInstances


@dataclass(frozen=True)
class RemoteSeries:
    """A series as the PACS lists it (QIDO-RS or C-FIND at series level)."""

    series_instance_uid: str
    modality: str = ""
    series_number: int = 0
    series_description: str = ""
    instance_count: int | None = None  # NumberOfSeriesRelatedInstances


class PacsClient(Protocol):
    """One PACS, read-only. Each call is one request (or association); callers add retries,
    the rate limit and the concurrency limit (`pacs.polite`)."""

    @property
    def location(self) -> str:
        """How the PACS is named in logs and in the index (no credentials)."""
        ...

    def find_studies(self, since: date | None, until: date | None,
                     offset: int, limit: int) -> list[RemoteStudy]:
        """One page of MR studies dated between `since` and `until` (inclusive)."""
        ...

    def find_series(self, study_instance_uid: str) -> list[RemoteSeries]:
        ...

    def study_metadata(self, study_instance_uid: str) -> list[Dataset] | None:
        """Every instance's attributes without pixels (WADO-RS metadata); None when the
        protocol has no such request (DIMSE)."""
        ...

    def fetch_series(self, study_instance_uid: str, series_instance_uid: str,
                     folder: Path) -> int:
        """Write the series' instances as DICOM files into `folder`; the bytes received."""
        ...

    def close(self) -> None:
        ...


def pages(find: Callable[[int, int], list[RemoteStudy]],
          size: int) -> Iterator[list[RemoteStudy]]:
    """Every page of a study search (`find(offset, limit)`): the new studies of each, until
    an empty page. A short page does not end it: a server may cap its answers below our
    page size (with no more than a warning header), so only an empty page says the end.
    A page of studies already listed also ends it: that server ignores `offset`, and asking
    again would repeat the same page forever."""
    offset, seen, full = 0, set[str](), False
    while True:
        page = find(offset, size)
        new = [s for s in page if s.study_instance_uid not in seen]
        if page and not new:
            logger.warning("the PACS answered offset %d with studies already listed: it "
                           "ignores QIDO offset, so only the first %d studies are listed; "
                           "narrow the window (--since/--until)", offset, len(seen))
        elif not page and full:
            # a full page, then nothing: the end, or a server that pages a filtered search
            # before filtering it (Orthanc with ModalitiesInStudy answered offset 100 with
            # nothing while more studies matched)
            logger.warning("the PACS listed %d studies, a whole number of pages of %d: if "
                           "studies are missing, its paging of a filtered search is at fault; "
                           "narrow the window (--since/--until) or raise "
                           "CMR_SEARCH_PACS_PAGE_SIZE", len(seen), size)
        if not new:
            return
        full = len(page) >= size
        seen.update(s.study_instance_uid for s in new)
        yield new
        offset += len(page)


def date_range(since: date | None, until: date | None) -> str:
    """A DICOM date range matching key (YYYYMMDD-YYYYMMDD, either end open); '' for any."""
    if since is None and until is None:
        return ""
    return f"{since.strftime('%Y%m%d') if since else ''}-" \
        f"{until.strftime('%Y%m%d') if until else ''}"


_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def is_uid(uid: str) -> bool:
    return len(uid) <= 64 and bool(_UID.match(uid))


def safe_uid(uid: str, what: str = "UID") -> str:
    """A UID as the PACS sent it, checked before it names a folder or file here."""
    if not is_uid(uid):
        raise PacsError(f"the PACS sent an invalid {what} ({len(uid)} characters)")
    return uid
