"""Indexing from a real Orthanc over DICOMweb: a full run, a re-run that fetches nothing, a
study added, an instance deleted, Orthanc stopped mid-run, and the PACS never written to.

The tests run in order on one Orthanc whose content grows as a PACS's would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder
from fakes.orthanc import Orthanc

from cmr_search.layout import DataLayout
from cmr_search.settings import Settings
from indexer.pipeline import IndexOptions, Progress, run_index
from indexer.sources import PacsSource
from indexer.summary import IndexSummary
from pacs import PacsAddress, open_pacs
from vectorstore import Generations

pytestmark = pytest.mark.slow  # a real PACS, real studies

UPLOADED: dict[str, int] = {}


def index_from(address: str, data: Path, progress: Progress | None = None,
               **settings: Any) -> IndexSummary:
    options = {"data_dir": data, "pacs_rate_limit": 0, "pacs_backoff_s": 0.2,
               "pacs_retries": 1, "pacs_timeout_s": 10, "pacs_concurrency": 1, **settings}
    config = Settings(**options)
    archive = open_pacs(PacsAddress.parse(address), config, DataLayout(data))
    try:
        return run_index(PacsSource(archive, config.pacs_concurrency), DataLayout(data),
                         FakeEncoder(), Generations(data / "index"),
                         IndexOptions(workers=1, batch_size=1), progress)
    finally:
        archive.close()


def _upload(orthanc: Orthanc, files: list[Path]) -> None:
    UPLOADED["instances"] = UPLOADED.get("instances", 0) + orthanc.upload(files)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


def test_full_index_from_dicomweb(orthanc: Orthanc, study_files: dict[str, list[Path]],
                                  data: Path) -> None:
    for uid in list(study_files)[:3]:
        _upload(orthanc, study_files[uid])
    summary = index_from(orthanc.dicomweb, data)
    assert summary.indexed == 3 and not summary.skipped, summary.skipped
    assert summary.studies_in_index == 3 and summary.published["changed"]
    fetched = summary.source
    assert fetched["studies_fetched"] == 3 and fetched["cache_studies_left"] == 0
    whole = sum(p.stat().st_size for uid in list(study_files)[:3] for p in study_files[uid])
    assert 0 < fetched["bytes_fetched"] < whole  # only the series the model needs


def test_rerun_fetches_nothing(orthanc: Orthanc, data: Path) -> None:
    summary = index_from(orthanc.dicomweb, data)
    assert summary.indexed == 0 and summary.unchanged == 3
    assert summary.source["series_fetched"] == 0 and summary.source["bytes_fetched"] == 0
    assert summary.published["changed"] is False


def test_a_study_added_to_orthanc_is_picked_up(orthanc: Orthanc,
                                               study_files: dict[str, list[Path]],
                                               data: Path) -> None:
    added = list(study_files)[3]
    _upload(orthanc, study_files[added])
    summary = index_from(orthanc.dicomweb, data)
    assert summary.indexed == 1 and summary.unchanged == 3 and summary.studies_in_index == 4


def test_a_deleted_instance_changes_the_study(orthanc: Orthanc,
                                              study_files: dict[str, list[Path]],
                                              data: Path) -> None:
    from pydicom import dcmread

    study = next(iter(study_files))
    victim = dcmread(study_files[study][0], stop_before_pixels=True)
    orthanc.delete_instance(str(victim.SOPInstanceUID))
    summary = index_from(orthanc.dicomweb, data)
    assert summary.indexed == 1 and summary.unchanged == 3
    assert summary.source["studies_fetched"] == 1


def test_orthanc_stopped_mid_run_gives_per_study_errors_and_a_rerun_completes(
        orthanc: Orthanc, tmp_path: Path) -> None:
    def stop_after_first(stage: str, done: int, total: int) -> None:
        if stage == "embed studies" and done == 1:
            orthanc.stop()

    try:  # the tests after this one need Orthanc back, whatever this one found
        first = index_from(orthanc.dicomweb, tmp_path, stop_after_first)
        # the next study may have been fetched while the first was embedded
        assert first.indexed in (1, 2) and first.indexed + len(first.skipped) == 4
        cut = []  # the study in flight when the server stopped may arrive cut off
        for line in first.skipped:  # one line per study, the reason in it; the run went on
            assert line["path"].startswith(f"{orthanc.dicomweb}/studies/")
            assert line["reason"].endswith("(after 2 tries)"), line["reason"]
            if "connection refused at 127.0.0.1:" not in line["reason"]:
                assert any(cause in line["reason"] for cause in (
                    "not DICOM", "cut short", "broke off", "was closed by"))
                cut.append(line)
        assert len(cut) <= 1
        # an outage's studies are failures, tried again, and no skip: the report said both
        counts = first.as_dict()
        assert (counts["failed"], counts["skipped"]) == (len(first.skipped), 0)
        assert sum(counts["failed_by_reason"].values()) == counts["failed"]
        assert not counts["skipped_by_reason"]
        assert first.published and first.studies_in_index == first.indexed
    finally:
        orthanc.start()
    second = index_from(orthanc.dicomweb, tmp_path)
    assert second.indexed == len(first.skipped) and not second.skipped
    assert second.studies_in_index == 4


def test_the_pacs_was_never_written_to(orthanc: Orthanc) -> None:
    changes = orthanc.changes()
    # every instance Orthanc holds came from our uploads through REST (the one we deleted
    # took its change with it); an index run stored, modified or anonymized nothing
    assert changes.count("NewInstance") == UPLOADED["instances"] - 1
    assert orthanc.statistics()["instances"] == UPLOADED["instances"] - 1
    assert not {"ModifiedFrom", "AnonymizedFrom", "UpdatedAttachment"} & set(changes)
