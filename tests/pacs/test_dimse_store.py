"""Our storage side of a DIMSE retrieve: an instance arriving by C-STORE is written where its
series was registered, never where the PACS's UIDs would put it."""

from __future__ import annotations

from pathlib import Path

from pacs.dimse_store import Received


class _HostileEvent:
    """A C-STORE whose SOP Instance UID is a path."""

    def __init__(self, series: str) -> None:
        self.dataset = {"SeriesInstanceUID": series, "SOPInstanceUID": "../../../pwned"}

    def encoded_dataset(self, include_meta: bool = True) -> bytes:
        return b"DICM"


def test_a_sop_instance_uid_that_is_a_path_writes_nothing(tmp_path: Path) -> None:
    """The PACS's UID named the file: "../../pwned" was written outside the data folder."""
    received = Received()
    folder = tmp_path / "a" / "b" / "series"
    received.folders["1.2.3.4"] = folder
    assert received.on_store(_HostileEvent("1.2.3.4")) == 0xA900
    assert not any(tmp_path.rglob("pwned*"))
    assert received.failures["1.2.3.4"] == "the PACS sent an invalid SOP Instance UID"
