"""Query by upload tells its reader whether the uploaded study's measurements joined the search:
the upload is measured against the index's own segmentation model (`segmentation_model` in
its metadata), and an index built without measuring, or by another model, is said to be so."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder, unit
from fakes.index import CASES, build
from fakes.web import csrf_of
from fastapi.testclient import TestClient

import web.deps
from catalog import MEASURE_DIM, MEASURES, STUDY, VIEW_VECTORS
from cmr_search.settings import Settings
from cmr_search.vocab import ClipSlot
from indexer.upload import UploadedStudy
from indexer.upload_measures import not_compared
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app


class _Measured(MemoryStore):
    """The fake index, with the segmentation model its index run recorded (None: none)."""

    def __init__(self, model: str | None) -> None:
        super().__init__()
        self.model = model

    def metadata(self) -> dict[str, Any] | None:
        found = super().metadata()
        return None if found is None else {**found, "segmentation_model": self.model}


def _client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            model: str | None) -> tuple[TestClient, list[str | None]]:
    """A server whose uploads are read by a stand-in measured by "sax-here-m20"; the index
    models each read was told."""
    told: list[str | None] = []

    class _Here:
        key = "sax-here-m20"

    def read(*args: Any, index_measured_by: str | None = None, **kwargs: Any) -> UploadedStudy:
        told.append(index_measured_by)
        why_not = not_compared(_Here(), index_measured_by)
        # as `embed_study`: the measurements join the vectors where they are compared
        vectors = {STUDY: unit("study:upload"), VIEW_VECTORS[ClipSlot.CH4]: unit("4ch:upload"),
                   **({} if why_not else {MEASURES: unit("measures:upload", MEASURE_DIM)})}
        return UploadedStudy("1.2.3.9", ["sax_cine", "4ch_cine"], vectors,
                             measurements={"lvef_pct": 31.0}, measures_not_compared=why_not)

    monkeypatch.setattr(web.deps, "study_from_upload", read)
    engine = SearchEngine(build(_Measured(model), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path / "data", measure=False), engine=engine,
                     open_access=True, encoder=FakeEncoder())
    return TestClient(app), told


def test_an_upload_to_an_index_without_measurements_says_they_were_not_compared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, told = _client(tmp_path, monkeypatch, None)
    answer = client.post("/api/v1/upload", files={"file": ("s.zip", b"PK")})
    assert answer.status_code == 200, answer.text
    said = answer.json()["study"]["measurements_not_compared"]
    assert said.startswith("the index holds no measurements") and told == [None]
    page = client.post("/upload", files={"file": ("s.zip", b"PK")},
                       data={"csrf_token": csrf_of(client)})
    text = " ".join(html.unescape(page.text).split())
    assert f"Measurements not compared: {said}." in text
    assert "Similar cases are found by the images and by these numbers" not in text


def test_an_upload_to_an_index_of_its_model_is_compared_without_a_note(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, told = _client(tmp_path, monkeypatch, "sax-here-m20")
    answer = client.post("/api/v1/upload", files={"file": ("s.zip", b"PK")})
    assert answer.json()["study"]["measurements_not_compared"] == ""
    assert told == ["sax-here-m20"]  # the index's model, read from its metadata
    page = client.post("/upload", files={"file": ("s.zip", b"PK")},
                       data={"csrf_token": csrf_of(client)})
    text = " ".join(html.unescape(page.text).split())
    assert "Similar cases are found by the images and by these numbers" in text
    assert "Measurements not compared" not in text


def test_an_upload_searched_in_one_view_says_its_measurements_were_not_compared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one view compares its pictures alone (`near_vectors`): the API said "" as if the
    # measurements had joined the search
    client, _ = _client(tmp_path, monkeypatch, "sax-here-m20")
    answer = client.post("/api/v1/upload", files={"file": ("s.zip", b"PK")},
                         data={"view": ClipSlot.CH4.value})
    assert answer.status_code == 200, answer.text
    said = answer.json()["study"]["measurements_not_compared"]
    assert said == f"a search in one view ({ClipSlot.CH4.value}) compares its pictures alone"
