"""The web app over the fake-encoder index (no model, no archive)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes_search import CASES, FakeEncoder, build
from fastapi.testclient import TestClient

from cmr_search.settings import Settings
from search import SearchEngine
from web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    engine = SearchEngine(build(tmp_path / "index", CASES), FakeEncoder())
    return TestClient(create_app(Settings(data_dir=tmp_path), engine=engine),
                      raise_server_exceptions=False)
