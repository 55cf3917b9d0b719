"""The hospital viewer link (setting `viewer_url`) on the study page and on every result card."""

from __future__ import annotations

from pathlib import Path

from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fastapi.testclient import TestClient

from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app

OHIF = "https://viewer.example/viewer?StudyInstanceUIDs={study_instance_uid}"


def _client(tmp_path: Path, viewer_url: str | None) -> TestClient:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    settings = Settings(data_dir=tmp_path, viewer_url=viewer_url)
    return TestClient(create_app(settings, engine=engine, open_access=True),
                      raise_server_exceptions=False)


def test_study_page_and_cards_link_to_the_hospital_viewer(tmp_path: Path) -> None:
    client = _client(tmp_path, OHIF)
    study = client.get("/study/1.1")
    assert study.status_code == 200
    assert 'href="https://viewer.example/viewer?StudyInstanceUIDs=1.1" target="_blank"' \
        in study.text
    results = client.get("/", params={"q": "LGE", "all": "1"}).text
    cards = results.count('<li class="card"')
    assert cards >= 3 and results.count(">Open in viewer</a>") == cards


def test_no_viewer_link_without_the_setting(tmp_path: Path) -> None:
    client = _client(tmp_path, None)
    assert "Open in viewer" not in client.get("/study/1.1").text
    assert "Open in viewer" not in client.get("/", params={"q": "LGE"}).text
