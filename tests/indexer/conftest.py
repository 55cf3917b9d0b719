"""The session archive, scanned once for the indexer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.scan import ScanResult, scan_archive


@pytest.fixture(scope="session")
def scanned(archive: Path) -> ScanResult:
    return scan_archive(archive, workers=2)
