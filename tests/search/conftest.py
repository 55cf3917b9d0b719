"""The fake-encoder index every engine and API test starts from."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes_search import CASES, FakeEncoder, build

from search import SearchEngine


@pytest.fixture
def engine(tmp_path: Path) -> SearchEngine:
    return SearchEngine(build(tmp_path / "index", CASES), FakeEncoder())
