"""A PACS as an archive: fingerprints from its counts, only the needed series fetched, the
study read from the cache like any export, reports from SR or an export beside the PACS."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fakes.pacs import FakePacs

from cmr_search.layout import DataLayout
from cmr_search.settings import Settings
from cmr_search.vocab import View
from pacs import NotIndexableError, PacsAddress, PacsArchive, PacsError, open_pacs
from pacs.archive import StudyWindow
from reader.classify import named_other
from reader.reports import ReportSource
from reader.scan import scan_archive

ADDRESS = PacsAddress.parse("dicomweb+http://pacs.test/dicom-web")  # the fake answers


def _archive(pacs: FakePacs, data: Path, reports: list[Path] | None = None,
             **settings: object) -> PacsArchive:
    quick = Settings(data_dir=data, pacs_rate_limit=0, pacs_backoff_s=0, pacs_retries=1,
                     **settings)  # type: ignore[arg-type]
    return open_pacs(ADDRESS, quick, DataLayout(data), reports=reports, client=pacs)


def test_fingerprints_follow_the_counts_and_the_report(pacs_archive: Path,
                                                       tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive)
    archive = _archive(pacs, tmp_path, pacs_page_size=1)
    studies = archive.list_studies()
    assert len(studies) == 4 and pacs.calls["find_studies"] == 5  # pages of one, then none
    before = {s.study_instance_uid: archive.fingerprint(s) for s in studies}
    assert before == {s.study_instance_uid: archive.fingerprint(s)
                      for s in archive.list_studies()}
    pacs.remove_instance(studies[0].study_instance_uid)
    after = {s.study_instance_uid: archive.fingerprint(s) for s in archive.list_studies()}
    assert [uid for uid in before if before[uid] != after[uid]] == \
        [studies[0].study_instance_uid]
    with_reports = _archive(pacs, tmp_path, [pacs_archive / "reports.jsonl"])
    changed = [s for s in with_reports.list_studies() if with_reports.fingerprint(s) !=
               after[s.study_instance_uid]]
    assert changed  # the studies whose report is in the export


def test_fetch_brings_only_the_needed_series(pacs_archive: Path, tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive)
    archive = _archive(pacs, tmp_path, [pacs_archive / "reports.jsonl"])
    folder_studies = {s.study_instance_uid: s for s in scan_archive(pacs_archive).studies}
    for remote in archive.list_studies():
        study = archive.fetch(remote, archive.fingerprint(remote))
        whole = folder_studies[remote.study_instance_uid]
        assert study.view_series == whole.view_series
        assert View.OTHER not in study.views.values()
        assert study.origin == f"{pacs.location}/studies/{remote.study_instance_uid}"
        if whole.report is not None and whole.report.source is not ReportSource.TEXT_FILE:
            assert study.report is not None and study.report.impression == \
                whole.report.impression
        archive.release(remote.study_instance_uid)
    stats = archive.stats.as_dict()
    assert stats["studies_fetched"] == 4 and archive.cache.studies_held() == 0
    total = sum(len(s.series) for s in folder_studies.values())
    assert 0 < len(pacs.fetched) < total
    assert stats["series_fetched"] + stats["series_not_fetched"] == total + sum(
        1 for uid in folder_studies for i in {x.series for x in pacs.instances[uid]
                                              if x.modality == "SR"})


def test_a_kept_study_is_read_again_without_fetching(pacs_archive: Path,
                                                    tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive)
    archive = _archive(pacs, tmp_path)
    archive.cache.keep = True
    remote = archive.list_studies()[0]
    first = archive.fetch(remote, archive.fingerprint(remote))
    archive.release(remote.study_instance_uid)
    fetched = len(pacs.fetched)
    again = archive.fetch(remote, archive.fingerprint(remote))
    assert len(pacs.fetched) == fetched and archive.stats.reused == 1
    assert again.view_series == first.view_series
    archive.fetch(remote, "another-fingerprint")  # the PACS changed it: fetched afresh
    assert len(pacs.fetched) > fetched


def test_a_study_without_cine_fails_with_its_reason(pacs_archive: Path,
                                                    tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive)
    archive = _archive(pacs, tmp_path)
    uid = archive.list_studies()[0].study_instance_uid
    keep = [i for i in pacs.instances[uid]
            if named_other(i.description)]  # localizers, scouts and maps only
    pacs.instances[uid] = keep
    remote = next(s for s in archive.list_studies() if s.study_instance_uid == uid)
    with pytest.raises(NotIndexableError, match="no cine"):
        archive.fetch(remote, "f")


def test_an_empty_or_short_metadata_answer_is_tried_again_not_no_cine(
        pacs_archive: Path, tmp_path: Path) -> None:
    """A study on nearline storage answered no metadata: read as "no cine", it was remembered
    and not asked for again for 90 days."""
    pacs = FakePacs(pacs_archive)
    archive = _archive(pacs, tmp_path)
    remote = archive.list_studies()[0]
    pacs.metadata_limit = 0
    with pytest.raises(PacsError, match="0 of") as caught:
        archive.fetch(remote, "f")
    assert not isinstance(caught.value, NotIndexableError)
    pacs.metadata_limit = 3
    with pytest.raises(PacsError, match="3 of") as caught:
        archive.fetch(remote, "f")
    assert not isinstance(caught.value, NotIndexableError)


def test_the_date_window_is_asked_of_the_pacs(pacs_archive: Path, tmp_path: Path) -> None:
    pacs = FakePacs(pacs_archive)
    dates = sorted(s.study_date for s in _archive(pacs, tmp_path).list_studies())
    since = date.fromisoformat(f"{dates[1][:4]}-{dates[1][4:6]}-{dates[1][6:]}")
    archive = _archive(pacs, tmp_path)
    archive.window = StudyWindow(since=since)
    assert sorted(s.study_date for s in archive.list_studies()) == dates[1:]
    with pytest.raises(ValueError, match="after --until"):
        StudyWindow(since=since, until=date(2000, 1, 1))


@pytest.mark.parametrize("sent", [0, 1])
def test_a_series_sent_empty_or_short_fails_its_study(pacs_archive: Path, tmp_path: Path,
                                                      sent: int) -> None:
    """A 204 or a cut answer was indexed without its views, and never fetched again."""
    pacs = FakePacs(pacs_archive, short=sent)
    archive = _archive(pacs, tmp_path)
    remote = archive.list_studies()[0]
    with pytest.raises(PacsError, match=f"{sent} of [0-9]+ instances arrived"):
        archive.fetch(remote, archive.fingerprint(remote))
    assert not archive.cache.is_complete(remote.study_instance_uid, archive.fingerprint(remote))


def test_a_server_that_ignores_offset_is_listed_once(pacs_archive: Path,
                                                     tmp_path: Path) -> None:
    """It was asked the same page again without end (588 requests in 40 s)."""
    pacs = FakePacs(pacs_archive, ignores_offset=True)
    studies = _archive(pacs, tmp_path, pacs_page_size=2).list_studies()
    assert len(studies) == 2 and pacs.calls["find_studies"] == 2


def test_a_server_capping_its_answers_is_paged_to_the_end(pacs_archive: Path,
                                                          tmp_path: Path) -> None:
    """A page shorter than asked (a server's own cap) ended the listing."""
    pacs = FakePacs(pacs_archive)
    capped = pacs.find_studies
    pacs.find_studies = lambda since, until, offset, limit: capped(  # type: ignore[method-assign]
        since, until, offset, min(limit, 1))
    assert len(_archive(pacs, tmp_path, pacs_page_size=100).list_studies()) == 4


def test_a_study_entry_without_a_uid_is_skipped(pacs_archive: Path, tmp_path: Path) -> None:
    """It stopped the whole run, the good studies unindexed ("invalid UID (4 characters)":
    the text "None")."""
    from pacs.client import RemoteStudy

    pacs = FakePacs(pacs_archive)
    listed = pacs.find_studies
    pacs.find_studies = lambda *args: [  # type: ignore[method-assign]
        *listed(*args), RemoteStudy("", "", "", 1, 1)] if args[2] == 0 else listed(*args)
    assert len(_archive(pacs, tmp_path).list_studies()) == 4


def test_a_missing_ca_bundle_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PacsError, match=r"CMR_SEARCH_PACS_CA_BUNDLE .*: no such file"):
        open_pacs(ADDRESS, Settings(data_dir=tmp_path, pacs_ca_bundle=tmp_path / "no.pem"),
                  DataLayout(tmp_path))
