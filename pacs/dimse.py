"""A DIMSE peer through `pynetdicom`: C-FIND at study and series level, then C-GET (or C-MOVE
to our own storage SCP) of the wanted series. Never C-STORE to the peer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset
from pynetdicom import AE, build_role, evt
from pynetdicom.association import Association
from pynetdicom.pdu_primitives import A_ABORT, A_P_ABORT
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from pacs.client import (
    PacsError,
    RemoteSeries,
    RemoteStudy,
    TransientError,
    connection_failure,
    date_range,
    reachable,
)
from pacs.dimse_store import STORAGE, SYNTAXES, Received

logger = logging.getLogger(__name__)

_PENDING = (0xFF00, 0xFF01)


def _int(value: Any) -> int | None:
    with suppress(TypeError, ValueError):
        return int(value) if value not in (None, "") else None
    return None


@dataclass(frozen=True)
class _Link:
    """An association, the ACSE primitives the peer sent on it (answer, abort), and its start."""

    assoc: Association
    received: list[Any]
    started: float = field(default_factory=time.monotonic)
    expired: threading.Event = field(default_factory=threading.Event)  # we aborted it: late
    done: threading.Event = field(default_factory=threading.Event)  # the request is over

    def ended_by_peer(self, wait_s: float = 1.0) -> type | None:
        """A_ABORT when the peer aborted, A_P_ABORT when the connection closed under it
        (our own abort on a timeout is not received); the reactor thread records either a
        moment after the request gave up."""
        deadline = time.monotonic() + wait_s
        while True:
            found = next((type(p) for p in self.received
                          if isinstance(p, (A_ABORT, A_P_ABORT))), None)
            if found is not None or time.monotonic() > deadline \
                    or not self.assoc.is_alive():
                return found
            time.sleep(0.02)


_RETRIEVE_STATUS = {0xA701: "the PACS is out of resources", 0xA702: "the PACS is out of resources",
                    0xB000: "some instances could not be sent", 0xFE00: "cancelled"}


class DimsePacs:
    """One DIMSE peer, called `called_aet` at `host`:`port`; we call as `calling_aet`."""

    def __init__(self, called_aet: str, host: str, port: int, calling_aet: str = "CMRSEARCH",
                 timeout_s: float = 60.0, retrieve: str = "get", store_port: int = 11113,
                 transfer_timeout_s: float = 600.0) -> None:
        self.called_aet, self.host, self.port = called_aet, host, port
        self.calling_aet, self.timeout_s = calling_aet, timeout_s
        # a series' whole retrieve: a PACS that keeps sending "pending", each within
        # timeout_s, held the indexer for ever
        self.transfer_timeout_s = transfer_timeout_s
        self.retrieve, self.store_port = retrieve, store_port
        self._received = Received()
        self._server: Any = None
        self._server_lock = threading.Lock()
        self._reached = threading.Event()  # the peer's name resolved once (`reachable`)

    @property
    def location(self) -> str:
        return f"dimse://{self.called_aet}@{self.host}:{self.port}"

    @property
    def bytes_received(self) -> int:
        return self._received.bytes

    def _ae(self) -> AE:
        ae = AE(ae_title=self.calling_aet)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.timeout_s
        ae.connection_timeout = self.timeout_s
        return ae

    @contextmanager
    def _association(self, ae: AE, what: str, deadline_s: float | None = None,
                     **kwargs: Any) -> Iterator[_Link]:
        """An association for one request; aborted after `deadline_s` seconds when given."""
        reachable(what, self.host, self.port, self.timeout_s, self._reached)
        answers: list[Any] = []  # the peer's A-ASSOCIATE answer, to name why it rejected us
        started = time.monotonic()
        handlers = [*kwargs.pop("evt_handlers", []),
                    (evt.EVT_ACSE_RECV, lambda event: answers.append(event.primitive))]
        try:
            assoc = ae.associate(self.host, self.port, ae_title=self.called_aet,
                                 evt_handlers=handlers, **kwargs)
        except OSError as error:
            raise connection_failure(what, error, self.host, self.port, resolved_before=True) \
                from None  # `reachable` reached it just now
        if assoc.is_rejected:
            raise self._rejected(what, answers)
        if not assoc.is_established:
            raise TransientError(f"{what}: no association (peer unreachable or aborted)")
        link = _Link(assoc, answers, started)
        timer, ending = None, threading.Lock()  # the deadline, or the end: whichever is first
        if deadline_s is not None:
            def expire() -> None:
                with ending:
                    if link.done.is_set():  # finished as the timer fired: release, not abort
                        return
                    link.expired.set()
                    assoc.abort()  # the request then yields no status: `_no_answer` says why
                    # what a peer's abort does: wakes the request waiting for its next message
                    # (else it waits out the per-request timeout first)
                    assoc.dimse.msg_queue.put((None, None))

            timer = threading.Timer(deadline_s, expire)
            timer.daemon = True
            timer.start()
        try:
            yield link
        finally:
            with ending:
                link.done.set()
            if timer is not None:
                timer.cancel()
            if assoc.is_established:
                assoc.release()

    def _rejected(self, what: str, answers: list[Any]) -> PacsError:
        """Why the peer refused the association, in the terms of our settings."""
        answer = next((a for a in answers if getattr(a, "result", None) in (1, 2)), None)
        source, reason = getattr(answer, "result_source", None), getattr(answer, "diagnostic",
                                                                          None)
        if source == 1 and reason == 3:
            return PacsError(f"{what}: the PACS does not know our AE title "
                             f"{self.calling_aet!r} (CMR_SEARCH_PACS_AE_TITLE; its "
                             "administrator adds it)")
        if source == 1 and reason == 7:
            return PacsError(f"{what}: the PACS is not called {self.called_aet!r} (the AE "
                             "title in dimse://AET@host:port)")
        said = "" if answer is None else f": {answer.source_str}, {answer.reason_str}"
        if answer is not None and answer.result == 2:  # "rejected (transient)": busy
            return TransientError(f"{what}: association rejected for now{said}")
        return PacsError(f"{what}: association rejected{said}")

    def _no_answer(self, link: _Link, what: str) -> TransientError:
        """No status: the peer aborted (Orthanc does so to an AE title it does not allow to
        query or retrieve) or closed the connection, or the answer never came."""
        if link.expired.is_set():
            return TransientError(f"{what}: not done in {self.transfer_timeout_s:g} s "
                                  "(CMR_SEARCH_PACS_TRANSFER_TIMEOUT_S); aborted")
        ended = link.ended_by_peer()
        hint = f"does it allow AE title {self.calling_aet!r} this request? " \
            "CMR_SEARCH_PACS_AE_TITLE"
        if ended is A_ABORT:
            return TransientError(f"{what}: the PACS aborted the association ({hint})")
        waited = time.monotonic() - link.started
        if ended is A_P_ABORT and waited < self.timeout_s:
            return TransientError(f"{what}: the PACS closed the connection after "
                                  f"{waited:.0f} s ({hint})")
        return TransientError(f"{what}: no response in {self.timeout_s:g} s")

    def _find(self, query: Dataset, what: str) -> list[Dataset]:
        ae = self._ae()
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        found: list[Dataset] = []
        with self._association(ae, what) as link:
            for status, identifier in link.assoc.send_c_find(
                    query, StudyRootQueryRetrieveInformationModelFind):
                if not status:  # no answer in time, or the association dropped
                    raise self._no_answer(link, what)
                if status.Status in _PENDING and identifier is not None:
                    found.append(identifier)
                elif status.Status != 0x0000:
                    raise PacsError(f"{what}: C-FIND status 0x{status.Status:04X}")
        return found

    def find_studies(self, since: date | None, until: date | None,
                     offset: int, limit: int) -> list[RemoteStudy]:
        if offset:  # C-FIND has no paging: the first page holds every match
            return []
        query = Dataset()
        query.QueryRetrieveLevel = "STUDY"
        query.StudyInstanceUID = query.AccessionNumber = ""
        query.StudyDate = date_range(since, until)
        query.ModalitiesInStudy = "MR"
        query.NumberOfStudyRelatedSeries = query.NumberOfStudyRelatedInstances = None
        return [RemoteStudy(str(d.StudyInstanceUID), str(d.get("AccessionNumber", "")),
                            str(d.get("StudyDate", "")),
                            _int(d.get("NumberOfStudyRelatedSeries")),
                            _int(d.get("NumberOfStudyRelatedInstances")))
                for d in self._find(query, "C-FIND studies") if d.get("StudyInstanceUID")]

    def find_series(self, study_instance_uid: str) -> list[RemoteSeries]:
        query = Dataset()
        query.QueryRetrieveLevel = "SERIES"
        query.StudyInstanceUID = study_instance_uid
        query.SeriesInstanceUID = query.Modality = query.SeriesDescription = ""
        query.SeriesNumber = query.NumberOfSeriesRelatedInstances = None
        return [RemoteSeries(str(d.SeriesInstanceUID), str(d.get("Modality", "")),
                             _int(d.get("SeriesNumber")) or 0,
                             str(d.get("SeriesDescription", "")),
                             _int(d.get("NumberOfSeriesRelatedInstances")))
                for d in self._find(query, "C-FIND series") if d.get("SeriesInstanceUID")]

    def study_metadata(self, study_instance_uid: str) -> list[Dataset] | None:
        return None  # DIMSE has no metadata request: series are chosen by their descriptions

    def fetch_series(self, study_instance_uid: str, series_instance_uid: str, folder: Path) -> int:
        with self._received.lock:
            self._received.folders[series_instance_uid] = folder
            self._received.by_series[series_instance_uid] = 0
        try:
            if self.retrieve == "move":
                self._move(study_instance_uid, series_instance_uid)
            else:
                self._get(study_instance_uid, series_instance_uid)
        except PacsError as error:
            with self._received.lock:
                failure = self._received.failures.get(series_instance_uid)
            if failure is None:
                raise
            raise PacsError(f"{error}; writing them here failed: {failure}") from None
        finally:
            with self._received.lock:
                self._received.folders.pop(series_instance_uid, None)
                self._received.failures.pop(series_instance_uid, None)
                received = self._received.by_series.pop(series_instance_uid, 0)
        return received

    @staticmethod
    def _series_query(study_instance_uid: str, series_instance_uid: str) -> Dataset:
        query = Dataset()
        query.QueryRetrieveLevel = "SERIES"
        query.StudyInstanceUID = study_instance_uid
        query.SeriesInstanceUID = series_instance_uid
        return query

    def _check_retrieve(self, link: _Link,
                        responses: Iterator[tuple[Dataset, Dataset | None]], what: str) -> None:
        for status, _ in responses:
            if not status:
                raise self._no_answer(link, what)
            code = int(status.Status)
            if code in _PENDING or code == 0x0000:
                continue
            failed = _int(status.get("NumberOfFailedSuboperations"))
            counted = f", {failed} instances failed" if failed else ""
            raise PacsError(f"{what}: status 0x{code:04X} ({self._meaning(code)}){counted}")

    def _meaning(self, code: int) -> str:
        """A C-GET or C-MOVE status in words (PS3.4 C.4.2.1.5 and C.4.3.1.3)."""
        if code == 0xA801:
            return (f"the PACS has no move destination {self.calling_aet!r}: it needs our AE "
                    f"title with this host and port {self.store_port}")
        if code == 0xA900 or (code & 0xF000) == 0xC000:
            # Orthanc answers a C-MOVE it could not deliver (our store port closed, or its
            # entry for our title naming another host or port) with 0xC000 too
            reach = (f", or it could not connect to our storage at the host and port it has "
                     f"for {self.calling_aet!r} (this machine, port {self.store_port})"
                     if self.retrieve == "move" else "")
            return ("the PACS could not process it: no such series there, or it cannot read "
                    f"it{reach}")
        return _RETRIEVE_STATUS.get(code, "refused")

    def _get(self, study_instance_uid: str, series_instance_uid: str) -> None:
        ae = self._ae()
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
        for sop_class in STORAGE:  # one context per syntax: the peer sends what it holds,
            for syntax in SYNTAXES:  # instead of transcoding (which it may not be able to)
                ae.add_requested_context(sop_class, syntax)
        roles = [build_role(sop_class, scp_role=True) for sop_class in STORAGE]
        handlers = [(evt.EVT_C_STORE, self._received.on_store)]
        with self._association(ae, "C-GET series", self.transfer_timeout_s, ext_neg=roles,
                               evt_handlers=handlers) as link:
            self._check_retrieve(link, link.assoc.send_c_get(
                self._series_query(study_instance_uid, series_instance_uid),
                StudyRootQueryRetrieveInformationModelGet), "C-GET series")

    def _storage_scp(self) -> None:
        """Our storage SCP for C-MOVE, started once on `store_port`."""
        with self._server_lock:
            if self._server is not None:
                return
            ae = self._ae()
            for sop_class in STORAGE:
                ae.add_supported_context(sop_class, SYNTAXES)
            try:
                self._server = ae.start_server(
                    ("", self.store_port), block=False,
                    evt_handlers=[(evt.EVT_C_STORE, self._received.on_store)])
            except OSError as error:
                raise PacsError(f"storage SCP on port {self.store_port}: {error.strerror}") \
                    from None

    def _move(self, study_instance_uid: str, series_instance_uid: str) -> None:
        self._storage_scp()
        ae = self._ae()
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove)
        with self._association(ae, "C-MOVE series", self.transfer_timeout_s) as link:
            self._check_retrieve(link, link.assoc.send_c_move(
                self._series_query(study_instance_uid, series_instance_uid),
                self.calling_aet, StudyRootQueryRetrieveInformationModelMove), "C-MOVE series")

    def close(self) -> None:
        with self._server_lock:
            if self._server is not None:
                self._server.shutdown()
                self._server = None
