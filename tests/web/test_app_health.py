"""Liveness and readiness: ready only when the index exists and matches the model."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fakes.server import memory_server
from fastapi.testclient import TestClient

from catalog import INDEX_VERSION
from cmr_search.settings import Settings
from cmrclip.checkpoint import DEMO_CHECKPOINT, read_card
from vectorstore import StoreSchema
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
