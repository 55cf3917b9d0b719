"""The web app over the fake-encoder index in memory (no model, no archive, no Qdrant)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.oidc import CLIENT_ID, FakeProvider, fake_provider
from fakes.recheck import Clock
from fakes.web import OidcApp, Secured
from fastapi.testclient import TestClient

import web.auth
import web.signin
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


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    """An identity provider on a loopback port (`fakes.oidc`)."""
    with fake_provider() as running:
        yield running



@pytest.fixture
def oidc_app(tmp_path: Path, provider: FakeProvider) -> OidcApp:
    """oidc_app(**settings): a client of the app signing in at `provider`."""
    def make(data_dir: Path | None = None, **settings: Any) -> TestClient:
        engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
        config = Settings(data_dir=data_dir or tmp_path, oidc_issuer=provider.issuer,
                          oidc_client_id=CLIENT_ID, **settings)
        return TestClient(create_app(config, engine=engine), raise_server_exceptions=False)
    return make


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time web.auth and web.signin read, to be moved on by a test."""
    shifted = Clock()
    monkeypatch.setattr(web.auth, "time", shifted)
    monkeypatch.setattr(web.signin, "time", shifted)
    return shifted
