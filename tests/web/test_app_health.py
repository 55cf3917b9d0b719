"""Liveness and readiness: ready only when the index exists and matches the model."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fakes.oidc import CLIENT_ID, FakeProvider
from fakes.server import memory_server
from fastapi.testclient import TestClient

from accounts import Role
from catalog import INDEX_VERSION
from cmr_search.settings import Settings
from cmrclip.checkpoint import DEMO_CHECKPOINT, read_card
from vectorstore import StoreSchema, VectorStore
from web.app import create_app


def test_not_ready_without_an_index_then_ready(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = memory_server("studies")
    client = TestClient(create_app(settings, store))
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 503 and "no index yet" in response.json()["reason"]
    identity = read_card(DEMO_CHECKPOINT)["identity"]
    store.ensure(StoreSchema(dense={"study": 4}), {"model": identity,
                                                   "index_version": INDEX_VERSION})
    ready = client.get("/readyz")
    assert ready.status_code == 200 and set(ready.json()) == {"ready", "versions"}


def test_an_index_from_another_model_is_not_ready(tmp_path: Path) -> None:
    store = memory_server("studies")
    store.ensure(StoreSchema(dense={"study": 4}), {"model": {"architecture": "other"},
                                                   "index_version": INDEX_VERSION})
    client = TestClient(create_app(Settings(data_dir=tmp_path), store))
    response = client.get("/api/v1/health")
    assert response.status_code == 503 and "--rebuild" in response.json()["reason"]


def test_an_index_measured_by_an_older_version_is_ready_with_a_warning(tmp_path: Path) -> None:
    from catalog import MEASURE_VERSION

    store = memory_server("studies")
    identity = read_card(DEMO_CHECKPOINT)["identity"]
    metadata = {"model": identity, "index_version": INDEX_VERSION,
                "segmentation_model": "sax-synth-0123456789ab-plain-m5"}
    store.ensure(StoreSchema(dense={"study": 4}), metadata)
    client = TestClient(create_app(Settings(data_dir=tmp_path), store))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    [warning] = ready.json()["warnings"]
    assert "regional wall motion" in warning and "cmr-search index" in warning
    assert "(m5)" in warning and "0123456789ab" not in warning  # the probe answers anyone
    current = memory_server("studies")
    current.ensure(StoreSchema(dense={"study": 4}),
                   {**metadata, "segmentation_model": f"sax-synth-plain-{MEASURE_VERSION}"})
    fresh = TestClient(create_app(Settings(data_dir=tmp_path / "b"), current)).get("/readyz")
    assert "warnings" not in fresh.json()


def test_warm_up_logs_an_index_measured_by_an_older_version(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = memory_server("studies")
    identity = read_card(DEMO_CHECKPOINT)["identity"]
    store.ensure(StoreSchema(dense={"study": 4}),
                 {"model": identity, "index_version": INDEX_VERSION,
                  "segmentation_model": "sax-synth-0123456789ab-plain-m5"})
    app = create_app(Settings(data_dir=tmp_path), store)
    with caplog.at_level(logging.WARNING, logger="web.app"):
        app.state.warm_up()
    assert any("lack regional wall motion" in r.getMessage()
               and "sax-synth-0123456789ab-plain-m5" in r.getMessage() for r in caplog.records)


def _ready_store() -> VectorStore:
    store = memory_server("studies")
    store.ensure(StoreSchema(dense={"study": 4}), {"model": read_card(DEMO_CHECKPOINT)["identity"],
                                                   "index_version": INDEX_VERSION})
    return store


@pytest.mark.parametrize(("fault", "said"), [
    ("down", "it does not answer (HTTPStatusError)"),
    ("unreachable", "it does not answer (ConnectError)"),
    ("another issuer", "its discovery document names another issuer than "
     "CMR_SEARCH_OIDC_ISSUER")])
def test_an_identity_provider_that_fails_is_a_warning_at_start_and_on_readyz(
        tmp_path: Path, provider: FakeProvider, caplog: pytest.LogCaptureFixture,
        fault: str, said: str) -> None:
    """An unreachable provider, or one whose discovery names another issuer, started without
    a word and /readyz said ready: it showed only at the first sign-in, as a 502. Still
    ready (the provider may come up later; other sign-ins work), with a warning naming it."""
    from web.app import provider_warning

    issuer = {"down": provider.issuer, "unreachable": "http://127.0.0.1:1",
              "another issuer": provider.issuer + "/"}[fault]
    provider.discovery_fails = fault == "down"
    settings = Settings(data_dir=tmp_path, oidc_issuer=issuer, oidc_client_id=CLIENT_ID)
    app = create_app(settings, _ready_store())
    with caplog.at_level(logging.WARNING, logger="web.app"):
        provider_warning(app)  # what the start's warm-up asks, after the model
    [logged] = [r.getMessage() for r in caplog.records]
    assert logged.startswith("sign-in at the identity provider fails: OIDC discovery")
    client = TestClient(app)
    for path in ("/readyz", "/api/v1/health"):
        ready = client.get(path)
        assert ready.status_code == 200 and ready.json()["ready"] is True
        assert ready.json()["warnings"] == [
            f"sign-in at the identity provider fails: {said}; only API tokens sign in (no "
            "local account is enabled)"]
        assert "127.0.0.1" not in ready.text  # the probe answers anyone: no hosts
    app.state.users.add("alice", Role.ADMIN, password="a long password!")
    assert client.get("/readyz").json()["warnings"][0].endswith(
        "; local accounts and API tokens still sign in")
    assert len(caplog.records) == 1  # the log said it once


def test_an_identity_provider_that_answers_adds_no_warning(
        tmp_path: Path, provider: FakeProvider) -> None:
    settings = Settings(data_dir=tmp_path, oidc_issuer=provider.issuer,
                        oidc_client_id=CLIENT_ID)
    ready = TestClient(create_app(settings, _ready_store())).get("/readyz")
    assert ready.status_code == 200 and "warnings" not in ready.json()
