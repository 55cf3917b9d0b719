"""Keeping an upload for the next index run: offered only where it can be, and a refusal that
gives the true reason (a research patient is never kept, wherever uploads would go)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder, unit
from fakes.index import CASES, build
from fastapi.testclient import TestClient

import web.deps
from catalog import STUDY
from cmr_search.settings import Settings
from indexer.upload import RESEARCH_NOT_KEPT, UploadedStudy
from search import SearchEngine
from vectorstore import MemoryStore, StoreError
from web.app import create_app


class _Archived(MemoryStore):
    """The fake index, as built from `archive` by an index run."""

    def __init__(self, archive: Path) -> None:
        super().__init__()
        self.archive = archive

    def metadata(self) -> dict[str, Any] | None:
        found = super().metadata()
        return None if found is None else {**found, "archive": str(self.archive)}


def _research_archive(tmp_path: Path) -> Path:
    patient = tmp_path / "acdc" / "patient001"
    patient.mkdir(parents=True)
    (patient / "Info.cfg").write_text("ED: 1\nES: 12\n")
    (patient / "patient001_frame01.nii.gz").write_bytes(b"")
    return tmp_path / "acdc"


def _client(tmp_path: Path, archive: Path, **settings: Any) -> TestClient:
    engine = SearchEngine(build(_Archived(archive), CASES), FakeEncoder())
    return TestClient(create_app(Settings(data_dir=tmp_path / "data", measure=False,
                                          **settings),
                                 engine=engine, open_access=True, encoder=FakeEncoder()))


def test_the_form_says_what_it_takes_and_offers_keeping_only_where_it_can_be(
        tmp_path: Path) -> None:
    """On a research index the form offered "also keep it in the archive", and every upload
    that asked was refused; the field read "Zipped DICOM study", though an ACDC-style NIfTI
    patient folder is read too."""
    research = _research_archive(tmp_path)
    form = _client(tmp_path, research).get("/upload").text
    assert "Zipped study (DICOM, or one ACDC-style NIfTI patient folder)" in form
    assert 'name="add"' not in form
    hospital = tmp_path / "hospital"
    hospital.mkdir()
    assert 'name="add"' in _client(tmp_path, hospital).get("/upload").text
    # a place of its own for uploads: a DICOM study can be kept again
    inbox = _client(tmp_path, research, upload_archive=tmp_path / "inbox")
    assert "also keep a DICOM study in the archive" in inbox.get("/upload").text


def _read_as(monkeypatch: pytest.MonkeyPatch, research: bool) -> list[bool]:
    """Reading an upload replaced by one that reads a research patient (or a DICOM study),
    the rest of the request as it is: whether each was given a place to keep it."""
    asked: list[bool] = []

    def read(stream: Any, filename: str, encoder: Any, preview_root: Path,
             keep_in: Path | None = None, *args: Any, **kwargs: Any) -> UploadedStudy:
        asked.append(keep_in is not None)
        return UploadedStudy("acdc-upload", ["sax_cine"], {STUDY: unit("study:upload")},
                             research=research, kept=keep_in if not research else None)

    monkeypatch.setattr(web.deps, "study_from_upload", read)
    return asked


def test_a_research_patient_asked_to_be_kept_is_searched_with_and_says_why_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Asked by the API on a research index, it was refused with "set
    CMR_SEARCH_UPLOAD_ARCHIVE", which would not have kept it either."""
    asked = _read_as(monkeypatch, research=True)
    client = _client(tmp_path, _research_archive(tmp_path))
    sent = {"file": ("patient001.zip", b"PK")}
    answer = client.post("/api/v1/upload", files=sent, data={"add": "true"})
    assert answer.status_code == 200, answer.text
    study = answer.json()["study"]
    assert study["kept_for_indexing"] is False and RESEARCH_NOT_KEPT in study["reading_notes"]
    assert "CMR_SEARCH_UPLOAD_ARCHIVE" not in answer.text
    assert asked == [False]  # read without keeping: nothing asks where to keep it


def test_a_dicom_study_asked_to_be_kept_without_a_place_gets_the_archives_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _read_as(monkeypatch, research=False)
    client = _client(tmp_path, _research_archive(tmp_path))
    answer = client.post("/api/v1/upload", files={"file": ("s.zip", b"PK")},
                         data={"add": "true"})
    assert answer.status_code == 400
    assert "research dataset" in answer.json()["detail"]  # setting it does mend this one
    assert "CMR_SEARCH_UPLOAD_ARCHIVE" in answer.json()["detail"]
    # where uploads have a place, the request goes through as it was
    kept = _client(tmp_path, _research_archive(tmp_path / "2"),
                   upload_archive=tmp_path / "inbox")
    assert kept.post("/api/v1/upload", files={"file": ("s.zip", b"PK")},
                     data={"add": "true"}).status_code == 200
    assert asked == [False, True]


def _zip(names: list[str]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in names:
            zf.writestr(name, b"not read")
    return out.getvalue()


def test_a_dicom_zip_asked_to_be_kept_without_a_place_is_refused_unread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was read, embedded and searched, the trail recording a search whose answer nobody
    saw, and then refused: its directory names no NIfTI volume, so it is none of the research
    patients that are searched with unkept."""
    asked = _read_as(monkeypatch, research=False)
    client = _client(tmp_path, _research_archive(tmp_path))
    sent = {"file": ("s.zip", _zip(["DICOM/IM_0001", "DICOM/IM_0002"]))}
    answer = client.post("/api/v1/upload", files=sent, data={"add": "true"})
    assert answer.status_code == 400 and "research dataset" in answer.json()["detail"]
    assert asked == []  # not read at all
    trail = client.app.state.audit.entries()  # type: ignore[attr-defined]
    assert [(e.event_id, e.outcome) for e in trail] == [("110107", 4)]  # an import, refused
    assert trail[0].detail["kept"] is False and trail[0].study_uids == []
    assert "research dataset" in trail[0].detail["refused"]
    # a zip naming a NIfTI volume may be a research patient: read, without keeping
    nifti = {"file": ("p.zip", _zip(["patient001/Info.cfg", "patient001/p_frame01.nii.gz"]))}
    assert client.post("/api/v1/upload", files=nifti, data={"add": "true"}).status_code == 400
    assert asked == [False]


def test_the_form_looks_into_the_archive_once_per_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every render of the upload form looked into the archive folder (for an index naming
    it by a relative path: a scroll of the index and a warning in the log, each time)."""
    import web.uploads

    looked: list[int] = []

    def archive(request: Any) -> Path:
        looked.append(1)
        return web.deps.upload_archive(request)

    monkeypatch.setattr(web.uploads, "upload_archive", archive)
    client = _client(tmp_path, _research_archive(tmp_path))
    for _ in range(3):
        assert 'name="add"' not in client.get("/upload").text
    assert len(looked) == 1


class _Down(_Archived):
    def metadata(self) -> dict[str, Any] | None:
        raise StoreError("qdrant at http://10.0.0.7:6333: connection refused")


def test_the_form_of_an_index_that_does_not_answer_reads_a_study_still(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Whether uploads can be kept asked the index on every render: an index that did not
    answer replaced the whole form with its error."""
    import logging

    engine = SearchEngine(build(_Archived(tmp_path), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path / "data", measure=False), engine=engine,
                     open_access=True, encoder=FakeEncoder())
    engine.store.__class__ = _Down  # the index goes away once the server runs
    with caplog.at_level(logging.WARNING, logger="web.uploads"):
        form = TestClient(app).get("/upload")
    assert form.status_code == 200 and 'name="file"' in form.text
    assert 'name="add"' not in form.text
    said = [r.getMessage() for r in caplog.records if r.name == "web.uploads"]
    assert said == ["the upload form offers no keeping: the index does not answer (qdrant at "
                    "http://10.0.0.7:6333: connection refused)"]


def _said(page: str) -> str:
    """The upload form's line on what becomes of an upload, its markup and spacing undone."""
    line = page.split("Upload one study as a zip", 1)[1].split("</p>", 1)[0]
    return " ".join(html.unescape(line.replace("<strong>", "").replace("</strong>", "")).split())


def test_the_form_says_an_upload_it_cannot_keep_is_used_for_this_search_only_and_why(
        tmp_path: Path) -> None:
    """Where no box asks to keep the study, the form still said it "is not added to the index
    unless you ask": it says the study is used for this search only, and why."""
    hospital = tmp_path / "hospital"
    hospital.mkdir()
    offered = _client(tmp_path, hospital).get("/upload").text
    assert 'name="add"' in offered
    assert _said(offered).endswith("it is not added to the index unless you ask.")
    research = _client(tmp_path, _research_archive(tmp_path)).get("/upload").text
    assert 'name="add"' not in research
    assert _said(research).endswith(
        "it is used for this search only and not added to this index: the index's archive is a "
        "research dataset (ACDC-style NIfTI), no place for uploads.")
    viewer = _client(tmp_path, hospital, open_role="viewer").get("/upload").text
    assert 'name="add"' not in viewer
    assert _said(viewer).endswith("it is used for this search only and not added to this "
                                  "index: only a clinician may ask to keep a study for the index.")


def test_the_form_of_an_index_that_does_not_answer_says_why_it_keeps_nothing(
        tmp_path: Path) -> None:
    engine = SearchEngine(build(_Archived(tmp_path), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path / "data", measure=False), engine=engine,
                     open_access=True, encoder=FakeEncoder())
    engine.store.__class__ = _Down
    form = TestClient(app).get("/upload").text
    assert _said(form).endswith("it is used for this search only and not added to this index: "
                                "the index does not answer just now, so keeping the study "
                                "cannot be offered.")
