"""Query by a new study: a zipped DICOM study is read, embedded and searched with, not indexed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.zips import zipped_study
from fastapi.testclient import TestClient
from pydicom.dataset import Dataset

from catalog import point_id
from cmr_search.settings import Settings
from reader.scan import Study, scan_archive
from vectorstore import LiveEdgeStore
from web.app import create_app

pytestmark = pytest.mark.slow  # indexes or trains with a real archive


def zipped(study: Study, study_instance_uid: str | None = None) -> bytes:
    """The study's folder as a zip; with another StudyInstanceUID (a study the index does not
    hold) when given."""
    def renamed(ds: Dataset) -> bool:
        if study_instance_uid:
            ds.StudyInstanceUID = study_instance_uid
        return bool(study_instance_uid)

    return zipped_study(study.folder, renamed)


def test_an_uploaded_study_finds_similar_studies(archive: Path, indexed_data: Path) -> None:
    study = next(s for s in scan_archive(archive).studies if s.report is not None)
    store = LiveEdgeStore(indexed_data / "index")
    before = store.count()
    client = TestClient(create_app(Settings(data_dir=indexed_data), store, open_access=True))
    response = client.post("/api/v1/upload",
                           files={"file": ("DOE^JANE_MRN0012345.zip", zipped(study))},
                           data={"limit": "3"})
    assert response.status_code == 200, response.text
    # the file's name (often the patient's) is in the trail as a digest only
    (entry,) = client.app.state.audit.entries(event_id="110112")  # type: ignore[attr-defined]
    assert "DOE" not in str(entry.detail) and len(entry.detail["upload_name_hmac"]) == 16
    body = response.json()
    assert body["study"]["study_instance_uid"] == study.study_instance_uid
    assert body["study"]["added_to_index"] is False and "sax_cine" in body["study"]["views"]
    assert (indexed_data / body["study"]["previews"]["sax"]).is_file()
    assert body["results"] and body["versions"]["model"].startswith("tiny-")
    # the same study is in the index: it is not shown as its own nearest neighbour
    assert study.study_instance_uid not in [r["study_instance_uid"] for r in body["results"]]
    assert store.count() == before
    # measured as the index run measures: the numbers come back; the session's index was
    # built without measuring, so they are not compared with it, and the answer says why
    measured = body["study"]["measurements"]
    assert 5 < measured["lvef_pct"] < 90 and measured["lvedv_ml"] > 20, body["study"]
    assert set(body["study"]["flagged_measurements"]) <= set(measured)
    assert body["study"]["measurements_not_compared"].startswith(
        "the index holds no measurements")
    store.close()


def test_an_upload_is_kept_for_the_next_index_run_only_when_asked(
        archive: Path, indexed_data: Path, tmp_path: Path) -> None:
    study = scan_archive(archive).studies[0]
    store = LiveEdgeStore(indexed_data / "index")
    settings = Settings(data_dir=indexed_data, upload_archive=tmp_path / "inbox",
                        measure=False)
    client = TestClient(create_app(settings, store, open_access=True))
    indexed = client.post("/api/v1/upload", files={"file": ("s.zip", zipped(study))},
                          data={"add": "true", "limit": "1"})
    # the index holds it: a copy was kept, and skipped as duplicate instances next run
    assert indexed.json()["study"]["already_indexed"] is True
    assert indexed.json()["study"]["kept_for_indexing"] is False
    assert not (tmp_path / "inbox" / "uploads").exists()
    new_uid = "1.2.826.0.1.3680043.8.498.424242"
    response = client.post("/api/v1/upload",
                           files={"file": ("s.zip", zipped(study, new_uid))},
                           data={"add": "true", "limit": "1"})
    assert response.status_code == 200, response.text
    assert response.json()["study"]["kept_for_indexing"] is True  # where: not said (a path)
    assert response.json()["study"]["measurements"] == {}  # measuring switched off
    (kept,) = (tmp_path / "inbox" / "uploads").iterdir()
    assert kept.is_dir() and str(tmp_path) not in response.text
    found = scan_archive(tmp_path / "inbox").studies
    assert [s.study_instance_uid for s in found] == [new_uid]
    unknown = client.post("/api/v1/upload", files={"file": ("s.zip", b"PK")},
                          data={"view": "bogus"})  # refused before the study is read
    assert unknown.status_code == 400 and "unknown view 'bogus'" in unknown.text
    store.close()


def test_an_upload_to_a_deidentified_index_is_named_and_scrubbed_as_ingest_does(
        archive: Path, tmp_path: Path) -> None:
    """An audit uploaded a study back to a de-identified index: its own pseudonymised copy was
    the first "other patient" (the uploader learnt the patient's pseudonym, and through the
    patient key every indexed study of theirs), the real UID went to the answer and the trail,
    and the report was shown with the patient's name in it."""
    import shutil

    from cmr_search.layout import DataLayout
    from cmrclip.checkpoint import DEMO_CHECKPOINT
    from cmrclip.inference import Encoder
    from indexer.deidentify import Deidentifier
    from indexer.pipeline import IndexOptions, run_index
    from vectorstore import Generations

    data = tmp_path / "data"
    options = IndexOptions(deidentifier=Deidentifier("seed"), patient_key_secret="key")
    run_index(archive, DataLayout(data), Encoder.from_checkpoint(DEMO_CHECKPOINT),
              Generations(data / "index"), options)
    study = next(s for s in scan_archive(archive).studies
                 if s.report is not None and (s.folder / "report.txt").exists())
    copy = tmp_path / "upload" / study.folder.name
    shutil.copytree(study.folder, copy)
    name = str(study.info.patient_name).split("^")[0]
    with (copy / "report.txt").open("a", encoding="utf-8") as report:
        report.write(f"\nCONCLUSION:\n- Dilated LV. Discussed with {name}.\n")
    settings = Settings(data_dir=data, deidentify_seed="seed", patient_key_secret="key",
                        measure=False)
    client = TestClient(create_app(settings, LiveEdgeStore(data / "index"), open_access=True))
    response = client.post("/api/v1/upload", files={"file": ("s.zip", zipped_study(copy))},
                           data={"limit": "10"})
    assert response.status_code == 200, response.text
    body, pseudonym = response.json(), options.key(study.study_instance_uid)
    # neither the real UID nor the pseudonym: holding the study told whoever uploaded it the
    # patient's pseudonym, and whether the patient is in the index
    assert body["study"]["study_instance_uid"].startswith("upload-")
    assert pseudonym not in response.text and study.study_instance_uid not in response.text
    assert body["study"]["already_indexed"] is False
    indexed = LiveEdgeStore(data / "index")
    own = {h.payload["patient_key"] for h in indexed.scroll()
           if h.payload["study_instance_uid"] == pseudonym}
    assert own and body["results"]
    for result in body["results"]:  # neither its copy nor any study of its patient
        hit = indexed.retrieve([point_id(result["study_instance_uid"])])[0]
        assert hit.payload["patient_key"] not in own
    assert name and name not in response.text and "[name]" in body["study"]["impression"]
    (entry,) = client.app.state.audit.entries(event_id="110112")  # type: ignore[attr-defined]
    assert entry.study_uids == [pseudonym] and study.study_instance_uid not in str(entry.detail)
