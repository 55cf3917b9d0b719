"""A real Orthanc for the PACS tests (skipped, with the reason, where it is not installed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.orthanc import Orthanc, missing
from fakes.pacs import FakePacs


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    reason = missing()
    if reason:
        pytest.skip(reason)
    server = Orthanc(tmp_path_factory.mktemp("orthanc"))
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def study_files(pacs_archive: Path) -> dict[str, list[Path]]:
    """The DICOM files of each study of the PACS archive (Study Instance UID -> files)."""
    pacs = FakePacs(pacs_archive)
    return {uid: [i.path for i in items] for uid, items in sorted(pacs.instances.items())}
