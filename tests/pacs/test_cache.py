"""The fetch cache: released after the record, kept with --keep-dicom, and what a killed run
left half-fetched removed by the next."""

from __future__ import annotations

from pathlib import Path

import pytest

from pacs.cache import FetchCache
from pacs.client import PacsError


def _fill(cache: FetchCache, uid: str) -> Path:
    folder = cache.folder(uid) / "1.2"
    folder.mkdir(parents=True)
    (folder / "a.dcm").write_bytes(b"x" * 10)
    return folder


def test_release_deletes_unless_kept(tmp_path: Path) -> None:
    cache = FetchCache(tmp_path, "dicomweb+http://pacs/dicom-web")
    _fill(cache, "1.2.3")
    cache.mark_complete("1.2.3", "abc")
    assert cache.is_complete("1.2.3", "abc") and not cache.is_complete("1.2.3", "abd")
    assert cache.bytes_held() == 13 and cache.studies_held() == 1
    cache.release("1.2.3")
    assert cache.studies_held() == 0 and not cache.is_complete("1.2.3", "abc")
    kept = FetchCache(tmp_path, "dicomweb+http://pacs/dicom-web", keep=True)
    _fill(kept, "1.2.4")
    kept.mark_complete("1.2.4", "abc")
    kept.release("1.2.4")
    assert kept.is_complete("1.2.4", "abc")


def test_a_killed_runs_partial_fetch_is_cleared(tmp_path: Path) -> None:
    kept = FetchCache(tmp_path, "x", keep=True)
    _fill(kept, "1.1")
    kept.mark_complete("1.1", "f")
    _fill(kept, "1.2")  # killed before it was complete
    assert kept.clear_incomplete() == 1
    assert kept.is_complete("1.1", "f") and not kept.folder("1.2").exists()
    plain = FetchCache(tmp_path, "x")  # whole, and marked kept by that run
    assert plain.clear_incomplete() == 0 and plain.studies_held() == 1
    plain.release("1.1")
    assert plain.studies_held() == 1
    unkept = FetchCache(tmp_path, "y")
    assert unkept.clear_incomplete() == 0  # a run's start
    _fill(unkept, "2.1")
    unkept.mark_complete("2.1", "f")  # fetched whole, then the run was killed
    assert unkept.clear_incomplete() == 1 and unkept.studies_held() == 0  # no run kept it


def test_what_a_release_before_the_mark_kept_stays(tmp_path: Path) -> None:
    """A release before `.kept` kept whole studies without a mark: the first run after the
    upgrade deleted them all ("removed 2 studies left by an earlier run")."""
    older = FetchCache(tmp_path, "x")
    _fill(older, "1.1")
    older.mark_complete("1.1", "f")  # and kept, as that release's --keep-dicom did
    plain = FetchCache(tmp_path, "x")
    assert plain.clear_incomplete() == 0  # the first run with marks: taken for kept
    plain.release("1.1")
    assert plain.clear_incomplete() == 0 and plain.is_complete("1.1", "f")


def test_what_a_keep_dicom_run_kept_outlives_later_runs_without_it(tmp_path: Path) -> None:
    """A run without --keep-dicom deleted every study an earlier --keep-dicom run kept."""
    kept = FetchCache(tmp_path, "x", keep=True)
    for uid in ("1.1", "1.2"):
        _fill(kept, uid)
        kept.mark_complete(uid, "f")
        kept.release(uid)
    plain = FetchCache(tmp_path, "x")
    _fill(plain, "1.3")  # fetched in part, then the run was killed
    assert plain.clear_incomplete() == 1 and plain.studies_held() == 2
    plain.release("1.1")  # indexed again, unchanged at the PACS
    assert plain.is_complete("1.1", "f") and plain.studies_held() == 2
    plain.discard("1.2")  # changed at the PACS: fetched again, and not kept this time
    _fill(plain, "1.2")
    plain.mark_complete("1.2", "g")
    plain.release("1.2")
    assert plain.studies_held() == 1
    assert sorted(p.name for p in plain.root.iterdir()) == ["1.1", "1.1.complete", "1.1.kept",
                                                            "kept-are-marked"]


def test_uids_from_the_pacs_never_name_a_path_outside(tmp_path: Path) -> None:
    cache = FetchCache(tmp_path, "x")
    for bad in ("../../etc", "1.2/3", "a.b", ""):
        with pytest.raises(PacsError, match="invalid"):
            cache.folder(bad)


def test_a_de_identified_run_keeps_no_identified_files(tmp_path: Path) -> None:
    kept = FetchCache(tmp_path, "x", keep=True)
    _fill(kept, "1.1")
    kept.mark_complete("1.1", "f")
    kept.release("1.1")
    deidentified = FetchCache(tmp_path, "x", keep=True, deidentified=True)
    assert not deidentified.keep and deidentified.clear_incomplete() == 1
    assert deidentified.studies_held() == 0
    assert [p.name for p in deidentified.root.iterdir()] == ["kept-are-marked"]
