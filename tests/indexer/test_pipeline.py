"""The index run: every study embedded once, re-runs incremental, the model identity enforced.

The model is the fake encoder (the pipeline is under test, not CMR-CLIP); the real model runs
end to end in the session's `indexed_data` fixture that the CLI and web tests share.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from fakes.encoder import FakeEncoder
from fakes.server import memory_server

from catalog import IMPRESSION, STUDY, IndexMismatchError, StudyPayload, check_compatible, point_id
from cmr_search.layout import DataLayout
from indexer.embed import encoder_identity
from indexer.payload import report_version
from indexer.pipeline import IndexOptions, run_index
from indexer.records import RecordStore
from indexer.summary import IndexSummary
from reader.scan import scan_archive
from vectorstore import EdgeStore, Filter, Generations, LiveEdgeStore, Match, Recommend

pytestmark = pytest.mark.slow  # indexes or trains with a real archive




@pytest.fixture(scope="session")
def embedder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(scope="module")
def indexed(archive: Path, embedder: FakeEncoder,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IndexSummary]:
    data = tmp_path_factory.mktemp("data")
    summary = run_index(archive, DataLayout(data), embedder, Generations(data / "index"),
                        IndexOptions(workers=2))
    return data, summary


def test_every_usable_study_is_embedded_and_published(archive: Path,
                                                      indexed: tuple[Path, IndexSummary]) -> None:
    data, summary = indexed
    studies = scan_archive(archive).studies
    assert summary.indexed == len(studies) == summary.studies_in_index
    assert summary.skipped and all(s["reason"] for s in summary.skipped)
    store = LiveEdgeStore(data / "index")
    assert store.count() == len(studies)
    for study in studies:
        hit = store.retrieve([point_id(study.study_instance_uid)], [STUDY, IMPRESSION])[0]
        p = hit.payload
        assert StudyPayload.model_validate(p).fingerprint  # the typed payload, whole
        assert p["study_instance_uid"] == study.study_instance_uid
        assert "lv_dilation" in p["image_scores"]  # LGE is scored only with LGE images
        assert ("lge" in p["image_scores"]) == bool(set(p["views"]) & {"lge_sax", "lge_lax"})
        assert all(0.0 <= v <= 1.0 for v in p["image_scores"].values())
        assert p["views"] and "sax_cine" in p["views"]
        assert all((data / path).is_file() for path in p["previews"].values())
        assert np.isclose(np.linalg.norm(hit.vectors[STUDY]), 1.0, atol=1e-3)
        assert (IMPRESSION in hit.vectors) == (study.report is not None)
        # the Patient ID is never stored (the archive's own folder names may still hold it)
        shown = {k: v for k, v in p.items() if k != "archive_path"}
        assert "patient_id" not in p and study.info.patient_id not in json.dumps(shown)
    store.close()


def test_a_rerun_embeds_nothing_and_publishes_nothing(archive: Path, embedder: FakeEncoder,
                                                      indexed: tuple[Path, IndexSummary]) -> None:
    data, first = indexed
    threads = torch.get_num_threads()
    again = run_index(archive, DataLayout(data), embedder, Generations(data / "index"),
                      IndexOptions())
    assert torch.get_num_threads() == threads  # the run's own setting does not outlive it
    assert again.indexed == 0 and again.unchanged == first.indexed
    assert again.published["changed"] is False


def test_a_changed_study_is_re_embedded_alone(archive: Path, embedder: FakeEncoder,
                                              tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy, symlinks=True)
    data = tmp_path / "data"
    first = run_index(copy, DataLayout(data), embedder, Generations(data / "index"), IndexOptions())
    study = scan_archive(copy).studies[0]
    some_file = study.series[0].slices[0].frames[0].path
    os.utime(some_file, ns=(1, 1))
    again = run_index(copy, DataLayout(data), embedder, Generations(data / "index"), IndexOptions())
    assert (again.indexed, again.unchanged) == (1, first.indexed - 1)
    assert again.published["changed"] is True
    assert LiveEdgeStore(data / "index").count() == first.indexed


def test_a_view_left_out_of_an_indexed_study_is_in_the_runs_summary(
        archive: Path, embedder: FakeEncoder, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A damaged frame dropped a study's 4-chamber cine from the index, and only the study
    page said so: nothing on the terminal, nothing in the run report."""
    import pydicom

    from cmr_search.vocab import View

    copy = tmp_path / "archive"
    shutil.copytree(archive, copy, symlinks=True)
    study = next(s for s in scan_archive(copy).studies if s.series_for(View.CH4_CINE))
    for series in study.series_for(View.CH4_CINE):
        for path in {f.path for sl in series.slices for f in sl.frames}:
            ds = pydicom.dcmread(path)
            ds.BitsAllocated, ds.BitsStored, ds.HighBit = 12, 12, 11  # no decoder takes it
            ds.save_as(path)
    data = tmp_path / "data"
    summary = run_index(copy, DataLayout(data), embedder, Generations(data / "index"),
                        IndexOptions(workers=1)).as_dict()
    notes = [n for n in summary["views_left_out_items"] if n["study"] == study.study_instance_uid]
    assert summary["views_left_out"] >= 1 and notes
    assert notes[0]["reason"].startswith("4ch_cine: ") and "cannot be decoded" in \
        notes[0]["reason"]
    assert any("4ch_cine: " in r.getMessage() for r in caplog.records)


def test_an_index_from_another_model_is_refused_with_a_hint(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary]) -> None:
    data, _ = indexed
    current = Generations(data / "index").current()
    assert current is not None
    meta = EdgeStore(current).metadata()
    assert meta is not None
    check_compatible(meta, encoder_identity(embedder), "here")
    other = {**meta, "model": {**meta["model"], "weights_sha256": "f" * 64}}
    with pytest.raises(IndexMismatchError, match=r"re-index .*--rebuild"):
        check_compatible(other, encoder_identity(embedder), "here")
    (current / "collection.json").write_text(json.dumps(other))
    try:
        with pytest.raises(IndexMismatchError):
            run_index(archive, DataLayout(data), embedder, Generations(data / "index"),
                      IndexOptions())
    finally:
        (current / "collection.json").write_text(json.dumps(meta))


def test_labels_an_earlier_labeler_made_are_made_again_without_re_embedding(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new labeler's labels reached only studies indexed after it (or a --rebuild, which
    embeds everything again)."""
    data = tmp_path / "data"
    shutil.copytree(indexed[0], data)
    records = RecordStore(DataLayout(data).embeddings, embedder.key)
    record = next(r for r in records.all() if r.payload.has_report and
                  r.payload.report_findings)
    made_now = record.payload.model_dump()

    def findings_published() -> list[str]:
        store = LiveEdgeStore(data / "index")
        hit = store.retrieve([point_id(record.study_instance_uid)], [])[0]
        store.close()
        return list(hit.payload["report_findings"])

    def index() -> IndexSummary:
        return run_index(archive, DataLayout(data), embedder, Generations(data / "index"),
                         IndexOptions())

    # an index whose labeler ("0ld") found nothing in that report
    for module in ("indexer.payload", "indexer.publish"):
        monkeypatch.setattr(f"{module}.report_version", lambda: "0ld")
    record.payload = record.payload.model_copy(update={
        "report_version": "0ld", "report_findings": [], "report_diagnoses": []})
    records.put(record)
    assert index().published["changed"] is True and findings_published() == []
    monkeypatch.undo()  # this labeler
    again = index()
    assert again.indexed == 0 and again.published["changed"] is True
    fixed = records.get(record.study_instance_uid, record.fingerprint).payload
    assert fixed.model_dump() == made_now and fixed.report_version == report_version()
    assert findings_published() == made_now["report_findings"] != []
    assert index().published["changed"] is False


def test_records_of_a_newer_release_are_read_and_damaged_ones_embedded_again(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary],
        tmp_path: Path) -> None:
    """A field a newer release added made every record unreadable: the run said "unchanged"
    and published an empty index, exit 0. A damaged record was "unchanged" for ever."""
    data = tmp_path / "data"
    shutil.copytree(indexed[0], data)
    records = RecordStore(DataLayout(data).embeddings, embedder.key)
    first, second = sorted(records.fingerprints().items())[:2]
    path = records._path(*first)
    with np.load(path) as stored:
        arrays = {k: stored[k] for k in stored.files}
    meta = json.loads(str(arrays["meta"]))
    meta["payload"]["added_by_a_newer_release"] = 1
    arrays["meta"] = np.array(json.dumps(meta))
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    records._path(*second).write_bytes(b"PK\x03\x04 cut short")

    def index() -> IndexSummary:
        return run_index(archive, DataLayout(data), embedder, Generations(data / "index"),
                         IndexOptions())

    damaged = index()
    assert damaged.records_unreadable == [second[0]]
    assert damaged.as_dict()["records_unreadable"] == 1
    assert damaged.studies_in_index == indexed[1].studies_in_index - 1
    assert records.get(*first).study_instance_uid == first[0]
    assert records._path(*second).with_suffix(".damaged").is_file()  # set aside, not lost
    again = index()  # the damaged one is embedded again, not "unchanged"
    assert again.indexed == 1 and again.records_unreadable == []
    assert again.studies_in_index == indexed[1].studies_in_index
    record = records.get(*first)  # what a newer release wrote is written back as it was
    records.put(record)
    assert records.get(*first).unknown == {"added_by_a_newer_release": 1}



def test_a_damaged_record_set_aside_goes_when_its_study_is_embedded_again(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary],
        tmp_path: Path) -> None:
    """It stayed as `.damaged` for ever after the next run had embedded the study again."""
    data = tmp_path / "data"
    shutil.copytree(indexed[0], data)
    records = RecordStore(DataLayout(data).embeddings, embedder.key)
    uid, fingerprint = sorted(records.fingerprints().items())[0]
    records._path(uid, fingerprint).write_bytes(b"PK\x03\x04 cut short")
    set_aside = records._path(uid, fingerprint).with_suffix(".damaged")

    def index() -> IndexSummary:
        return run_index(archive, DataLayout(data), embedder, Generations(data / "index"),
                         IndexOptions())

    assert index().records_unreadable == [uid] and set_aside.is_file()
    again = index()
    assert again.indexed == 1 and records.get(uid, fingerprint).study_instance_uid == uid
    assert not set_aside.exists() and not list(records.folder.rglob("*.damaged"))

def test_the_server_store_gets_the_same_points_and_reruns_are_incremental(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary]) -> None:
    data, first = indexed  # reuses the embedding records: only publishing happens here
    server = memory_server("studies")
    summary = run_index(archive, DataLayout(data), embedder, server, IndexOptions())
    assert summary.indexed == 0 and server.count() == first.indexed
    assert summary.published["points"] == first.indexed
    again = run_index(archive, DataLayout(data), embedder, server, IndexOptions())
    assert again.published["points"] == 0
    assert server.count(where=None) == server.facet("report_status").get("present", 0) + \
        server.facet("report_status").get("missing", 0)
    assert server.count() == len({h.payload["study_instance_uid"] for h in server.scroll()})
    assert server.count(Filter(must=(Match("report_status", "present"),))) >= 1


def test_a_second_run_into_a_server_is_refused_while_one_writes_the_data_folder(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary],
        tmp_path: Path) -> None:
    """Runs into a Qdrant server took no lock (the embedded store's did): two at once wrote
    one records folder and skip memory, each publishing what the other had half made."""
    from vectorstore import StoreError

    data = tmp_path / "data"
    shutil.copytree(indexed[0], data)  # its records: the runs only publish
    said: list[str] = []

    def second_run(stage: str, done: int, total: int) -> None:  # while the first one runs
        if said:
            return
        try:
            run_index(archive, DataLayout(data), embedder, memory_server("other"),
                      IndexOptions())
            said.append("not refused")
        except StoreError as error:
            said.append(str(error))

    first = run_index(archive, DataLayout(data), embedder, memory_server("studies"),
                      IndexOptions(), second_run)
    assert said == [f"{data}: another index run is in progress"]
    assert first.published["points"] == indexed[1].indexed
    after = run_index(archive, DataLayout(data), embedder, memory_server("after"),
                      IndexOptions())  # the first run's lock went with it
    assert after.published["points"] == indexed[1].indexed


def test_a_server_rebuild_searches_the_old_index_until_the_new_one_is_whole(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild deleted the live collection first: searches found nothing while it ran,
    and a failed rebuild left an empty or half index."""
    import indexer.publish
    from vectorstore import StoreError

    data, first = indexed
    server = memory_server("studies")
    server.client.create_collection("studies-20260101T000000000000", vectors_config={})
    server.client.create_collection("studies-archive", vectors_config={})  # not a build
    run_index(archive, DataLayout(data), embedder, server, IndexOptions())
    assert server.count() == first.indexed and server.alias_target() is not None
    real = indexer.publish._upsert_all
    seen: list[int] = []

    def failing(store, records, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(server.count())  # the name still finds the whole old index
        real(store, records, *args, **kwargs)
        raise StoreError("Qdrant at :memory:: not reachable (the network went)")

    monkeypatch.setattr(indexer.publish, "_upsert_all", failing)
    with pytest.raises(StoreError):
        run_index(archive, DataLayout(data), embedder, server, IndexOptions(rebuild=True))
    built = server.alias_target()
    names = {c.name for c in server.client.get_collections().collections}
    assert seen == [first.indexed] and server.count() == first.indexed
    assert names == {built, "studies-archive"}  # the killed run's build and this one gone
    monkeypatch.setattr(indexer.publish, "_upsert_all", real)
    rebuilt = run_index(archive, DataLayout(data), embedder, server, IndexOptions(rebuild=True))
    assert rebuilt.published["points"] == first.indexed == server.count()
    names = {c.name for c in server.client.get_collections().collections}
    assert server.alias_target() != built and names == {server.alias_target(), "studies-archive"}


def test_a_large_archive_is_published_in_parts_that_search_as_one_index(
        archive: Path, embedder: FakeEncoder, indexed: tuple[Path, IndexSummary],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vectorstore import edge_parts

    data, first = indexed  # the same embedding records, published again in parts of 3 points
    monkeypatch.setattr(edge_parts, "POINTS_PER_PART", 3)
    monkeypatch.setattr(edge_parts, "BUILD_BYTES_PER_POINT", 2**40)  # as on a small machine
    summary = run_index(archive, DataLayout(data), embedder, Generations(tmp_path / "index"),
                        IndexOptions())
    assert summary.published["points"] == first.indexed
    one, parts = LiveEdgeStore(data / "index"), LiveEdgeStore(tmp_path / "index")
    generation = Generations(tmp_path / "index").current()
    assert generation is not None and (generation / edge_parts.PARTS / "01").is_dir()
    assert parts.count() == one.count()
    built = {**(parts.metadata() or {}), "built": None}
    assert built == {**(one.metadata() or {}), "built": None}
    anchor = next(one.scroll())
    query = Recommend(STUDY, (anchor.id,))
    assert [h.id for h in parts.query(query, 5)] == [h.id for h in one.query(query, 5)]
    one.close()
    parts.close()
