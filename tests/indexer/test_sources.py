"""The index run over a PACS (an in-memory one): the same stages as for a folder, incremental
by the PACS's counts, one line per failed study, the cache emptied after each record."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from fakes.encoder import FakeEncoder
from fakes.pacs import FakePacs

from cmr_search.layout import DataLayout
from cmr_search.settings import Settings
from indexer.pipeline import IndexOptions, run_index
from indexer.sources import PacsSource
from indexer.summary import IndexSummary
from pacs import PacsAddress, open_pacs
from reader.scan import scan_archive
from vectorstore import Generations, LiveEdgeStore

pytestmark = pytest.mark.slow  # assembles real studies

ADDRESS = PacsAddress.parse("dicomweb+http://pacs.test/dicom-web")  # the fake answers


def _index(pacs: FakePacs, data: Path, keep: bool = False, rebuild: bool = False,
           reports: Path | None = None) -> IndexSummary:
    settings = Settings(data_dir=data, pacs_rate_limit=0, pacs_backoff_s=0, pacs_retries=1,
                        pacs_concurrency=2)
    archive = open_pacs(ADDRESS, settings, DataLayout(data), keep,
                        reports=[reports] if reports else None, client=pacs)
    return run_index(PacsSource(archive, settings.pacs_concurrency), DataLayout(data),
                     FakeEncoder(), Generations(data / "index"),
                     IndexOptions(rebuild=rebuild, workers=2, batch_size=2))


def test_a_pacs_is_indexed_then_only_a_changed_study_is_fetched_again(
        pacs_archive: Path, tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive)
    summary = _index(pacs, tmp_path, reports=pacs_archive / "reports.jsonl")
    assert summary.indexed == 4 and not summary.skipped and summary.published["changed"]
    assert summary.source["studies_fetched"] == 4
    assert summary.source["cache_studies_left"] == 0  # deleted once each record was written
    assert not list((tmp_path / "pacs-cache").rglob("*.dcm"))
    store = LiveEdgeStore(tmp_path / "index")
    payloads = {p.payload["study_instance_uid"]: p.payload for p in store.scroll()}
    store.close()
    truth = {s.study_instance_uid: s for s in scan_archive(pacs_archive).studies}
    assert payloads.keys() == truth.keys()
    for uid, payload in payloads.items():  # the same views as the folder reader finds
        assert payload["archive_path"] == f"{pacs.location}/studies/{uid}"
        assert sorted(payload["views"]) == sorted(truth[uid].view_series)
    fetched = len(pacs.fetched)
    again = _index(pacs, tmp_path, reports=pacs_archive / "reports.jsonl")
    assert again.indexed == 0 and again.unchanged == 4 and len(pacs.fetched) == fetched
    assert pacs.calls["study_metadata"] == 4  # the listing alone said nothing changed
    changed = sorted(pacs.instances)[1]
    pacs.remove_instance(changed)  # an instance deleted in the PACS
    third = _index(pacs, tmp_path, reports=pacs_archive / "reports.jsonl")
    assert third.indexed == 1 and third.unchanged == 3
    assert {uid for uid, _ in pacs.fetched[fetched:]} == {changed}


def test_failed_studies_get_one_line_each_and_a_rerun_completes(pacs_archive: Path,
                                                                tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive, metadata=False)  # like DIMSE: chosen by descriptions
    broken = sorted(pacs.instances)[:2]
    pacs.failing = set(broken)
    first = _index(pacs, tmp_path, keep=True)
    assert first.indexed == 2 and len(first.skipped) == 2
    for line in first.skipped:
        assert line["path"].endswith(tuple(broken))
        assert line["reason"] == "WADO-RS series: HTTP 503 (after 2 tries)"
    assert first.source["cache_studies_left"] == 2  # --keep-dicom: the indexed ones stay
    pacs.failing = set()
    second = _index(pacs, tmp_path, keep=True)
    assert second.indexed == 2 and second.unchanged == 2 and not second.skipped
    assert second.studies_in_index == 4 and second.source["cache_studies_left"] == 4


def test_an_interrupted_run_keeps_what_it_recorded_and_the_next_run_finishes(
        pacs_archive: Path, tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive)
    settings = Settings(data_dir=tmp_path, pacs_rate_limit=0, pacs_concurrency=2)
    layout = DataLayout(tmp_path)

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "embed studies" and done == 1:
            raise KeyboardInterrupt

    archive = open_pacs(ADDRESS, settings, layout, client=pacs)
    first = run_index(PacsSource(archive, 2), layout, FakeEncoder(), Generations(
        tmp_path / "index"), IndexOptions(workers=1, batch_size=1), interrupt)
    assert first.interrupted and first.indexed == 1
    assert first.studies_in_index is None  # nothing published: not "0"
    # no fetch of the first run is still writing into the cache the next run clears
    assert not [t for t in threading.enumerate() if t.name.startswith("pacs-fetch")]
    second = _index(pacs, tmp_path)
    assert second.indexed == 3 and second.unchanged == 1 and second.studies_in_index == 4, \
        second.skipped
    assert second.source["cache_studies_left"] == 0  # what the first run left was cleared


@pytest.mark.parametrize("metadata", [True, False])
def test_a_study_with_nothing_to_index_is_remembered_until_it_changes(
        pacs_archive: Path, tmp_path: Path, metadata: bool) -> None:
    """A PACS's brain MR was inspected (DIMSE: its pixels fetched) and listed as failed at
    every run; now it is skipped, remembered at its counts, and looked at again when it
    changes or the index is rebuilt. A failure that may pass is never remembered."""
    pacs = FakePacs(pacs_archive, metadata=metadata)
    with_lge = next(s for s in sorted(scan_archive(pacs_archive).studies,
                                      key=lambda s: s.study_instance_uid)
                    if "lge_sax" in s.view_series)
    empty = with_lge.study_instance_uid
    flaky = next(uid for uid in sorted(pacs.instances) if uid != empty)
    cines = {series for series, view in with_lge.views.items()
             if view.value.endswith("_cine")}
    # its LGE, localizers and maps are left: without metadata (DIMSE) they are fetched
    pacs.instances[empty] = [i for i in pacs.instances[empty] if i.series not in cines]
    pacs.failing = {flaky}
    first = _index(pacs, tmp_path)
    fetched = len(pacs.fetched)
    assert any(uid == empty for uid, _ in pacs.fetched) is not metadata
    outcome = {line["path"].rsplit("/", 1)[1]: line for line in first.skipped}
    assert outcome[empty]["outcome"] == "skipped" and "no" in outcome[empty]["reason"]
    assert "outcome" not in outcome[flaky]  # a 503 is a failure, tried again
    counts = first.as_dict()  # the 503 a failure, and no skip: it was counted as both
    assert (counts["failed"], counts["skipped"]) == (1, 1)
    assert counts["failed_by_reason"] == {"WADO-RS series": 1}
    assert sum(counts["skipped_by_reason"].values()) == 1
    asked = pacs.calls["study_metadata"] + pacs.calls["find_series"]
    second = _index(pacs, tmp_path)
    lines = {line["path"].rsplit("/", 1)[1]: line for line in second.skipped}
    assert "found by an earlier run" in lines[empty]["reason"]
    assert lines[empty]["reason"].startswith(outcome[empty]["reason"])
    assert lines[flaky]["reason"] == outcome[flaky]["reason"]  # tried again, failed again
    # the flaky study's selection was asked for again (DIMSE-like: metadata, then series)
    assert pacs.calls["study_metadata"] + pacs.calls["find_series"] == \
        asked + (1 if metadata else 2)
    assert not any(uid == empty for uid, _ in pacs.fetched[fetched:])
    pacs.remove_instance(empty)  # the study changed: looked at again
    third = _index(pacs, tmp_path)
    lines = {line["path"].rsplit("/", 1)[1]: line for line in third.skipped}
    assert "found by an earlier run" not in lines[empty]["reason"]
    fourth = _index(pacs, tmp_path, rebuild=True)
    lines = {line["path"].rsplit("/", 1)[1]: line for line in fourth.skipped}
    assert "found by an earlier run" not in lines[empty]["reason"]
    assert json.loads((tmp_path / "not-indexable.json").read_text())["studies"].keys() == \
        {empty}
