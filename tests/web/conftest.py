"""The web app over the fake-encoder index in memory (no model, no archive, no Qdrant)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.web import Secured
from fastapi.testclient import TestClient

from accounts import Role
from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    return TestClient(create_app(Settings(data_dir=tmp_path), engine=engine, open_access=True),
                      raise_server_exceptions=False)



@pytest.fixture
def secured(tmp_path: Path) -> Secured:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path), engine=engine)
    tokens = {}
    for role in Role:
        app.state.users.add(role.value, role, password=f"{role.value} password!")
        tokens[role] = app.state.tokens.create(role.value, "tests")[1]
    return Secured(TestClient(app, raise_server_exceptions=False), tokens, app)
