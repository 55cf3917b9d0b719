"""The DIMSE client against a local pynetdicom peer: a refused association says which AE
title is wrong, in the terms of our settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.orthanc import free_port
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind  # type: ignore

from pacs.client import PacsError, TransientError
from pacs.dimse import DimsePacs


@pytest.fixture
def peer() -> Iterator[tuple[AE, int]]:
    """A C-FIND peer called PEER that knows only the calling AE title CMRSEARCH."""
    ae = AE(ae_title="PEER")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    ae.require_calling_aet = ["CMRSEARCH"]
    ae.require_called_aet = True
    port = free_port()
    server: Any = ae.start_server(("127.0.0.1", port), block=False,
                                  evt_handlers=[])
    yield ae, port
    server.shutdown()


@pytest.mark.parametrize(("called", "calling", "says"), [
    ("PEER", "STRANGER", "the PACS does not know our AE title 'STRANGER' "
                         "(CMR_SEARCH_PACS_AE_TITLE"),
    ("WRONG", "CMRSEARCH", "the PACS is not called 'WRONG' (the AE title in "
                           "dimse://AET@host:port)"),
])
def test_a_rejected_association_names_the_wrong_ae_title(peer: tuple[AE, int], called: str,
                                                         calling: str, says: str) -> None:
    """Both were "association rejected (is AE title ... known to the PACS?)", which named
    ours even where the PACS's own title was wrong."""
    pacs = DimsePacs(called, "127.0.0.1", peer[1], calling, timeout_s=5.0)
    with pytest.raises(PacsError, match="^" + re.escape(f"C-FIND studies: {says}")) as error:
        pacs.find_studies(None, None, 0, 10)
    assert not isinstance(error.value, TransientError)  # retrying cannot help


def test_a_busy_peer_is_transient() -> None:
    """A-ASSOCIATE-RJ "rejected (transient)", as a PACS at its association limit answers."""
    ae = AE(ae_title="PEER")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    ae.maximum_associations = 1
    port = free_port()
    server: Any = ae.start_server(("127.0.0.1", port), block=False)
    try:
        holder = AE(ae_title="CMRSEARCH")
        holder.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        held = holder.associate("127.0.0.1", port, ae_title="PEER")
        assert held.is_established
        pacs = DimsePacs("PEER", "127.0.0.1", port, "CMRSEARCH", timeout_s=5.0)
        with pytest.raises(TransientError, match=r"^C-FIND studies: association rejected "
                                                 r"for now: .*Local limit exceeded"):
            pacs.find_studies(None, None, 0, 10)
        held.release()
    finally:
        server.shutdown()


class _StoreEvent:
    """What pynetdicom hands the C-STORE handler: the dataset and its encoding."""

    def __init__(self, series: str, sop: str) -> None:
        self.dataset = Dataset()
        self.dataset.SeriesInstanceUID, self.dataset.SOPInstanceUID = series, sop

    def encoded_dataset(self, include_meta: bool = True) -> bytes:
        return b"DICM"


def test_an_instance_that_cannot_be_written_here_is_named_as_ours(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk or a read-only cache: pynetdicom logged the error (now kept quiet) and the
    PACS's status 0xB000 read as its own failure."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    pacs = DimsePacs("PEER", "127.0.0.1", 104, "CMRSEARCH")

    def get(study: str, series: str) -> None:
        assert pacs._received.on_store(_StoreEvent(series, "1.2.3.4.1")) == 0xA700
        raise PacsError("C-GET series: status 0xB000 (some instances could not be sent), "
                        "1 instances failed")

    monkeypatch.setattr(pacs, "_get", get)
    with pytest.raises(PacsError, match=r"1 instances failed; writing them here failed: .*file"):
        pacs.fetch_series("1.2.3", "1.2.3.4", blocked / "series")
    assert pacs._received.failures == {}


@pytest.mark.parametrize(("code", "says"), [
    (0xA801, "no move destination 'CMRSEARCH'"), (0xA702, "out of resources"),
    (0xC000, "no such series"), (0xC511, "no such series"), (0xB000, "could not be sent"),
    (0xFE00, "cancelled"), (0xA900, "could not process")])
def test_a_retrieve_status_is_said_in_words(code: int, says: str) -> None:
    assert says in DimsePacs("PEER", "127.0.0.1", 104, "CMRSEARCH")._meaning(code)


def test_a_retrieve_that_never_ends_is_aborted_at_the_transfer_deadline(tmp_path: Path) -> None:
    """Every answer came within the per-request timeout, so a PACS that kept a C-GET
    pending held the indexer for ever."""
    import time

    from pynetdicom import evt
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet  # type: ignore

    def stalled(event: Any) -> Iterator[Any]:
        yield 1
        time.sleep(6.0)  # under the 8 s request timeout, over the 1 s transfer deadline
        yield 0xA702, None

    ae = AE(ae_title="PEER")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelGet)
    port = free_port()
    server: Any = ae.start_server(("127.0.0.1", port), block=False,
                                  evt_handlers=[(evt.EVT_C_GET, stalled)])
    try:
        pacs = DimsePacs("PEER", "127.0.0.1", port, timeout_s=8.0, transfer_timeout_s=1.0)
        started = time.monotonic()
        with pytest.raises(TransientError, match=r"^C-GET series: not done in 1 s "
                                                 r"\(CMR_SEARCH_PACS_TRANSFER_TIMEOUT_S\)"):
            pacs.fetch_series("1.2", "1.2.3", tmp_path)
        assert time.monotonic() - started < 3.5
    finally:
        server.shutdown()
