"""Keeping an uploaded study for the index: replaced when kept again, one keep at a time across
processes, and refused in one line where it cannot be kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from indexer.upload_keep import keep_for_indexing
from indexer.upload_zip import UploadError


def test_a_study_kept_again_replaces_the_earlier_copy(tmp_path: Path) -> None:
    """The second "keep" of a study said kept, and the first, partial copy was indexed."""
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "sax").mkdir(parents=True)
    (first / "sax" / "1.dcm").write_bytes(b"one slice")
    for name in ("sax", "4ch"):
        (second / name).mkdir(parents=True)
        (second / name / "1.dcm").write_bytes(name.encode())
    archive = tmp_path / "archive"
    keep_for_indexing(first, "1.2.3", archive)
    kept = keep_for_indexing(second, "1.2.3", archive)
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*.dcm")) == [
        "4ch/1.dcm", "sax/1.dcm"]
    assert [p.name for p in kept.parent.iterdir()] == ["1.2.3"]  # no partial, no earlier


def _keep_many(folder: Path, archive: Path, times: int, start: Any) -> None:
    start.wait()  # both processes at once
    for _ in range(times):
        keep_for_indexing(folder, "1.2.3", archive)


def test_keeps_of_one_study_from_two_server_processes_take_turns(tmp_path: Path) -> None:
    """`serve --workers 2`: a threading lock kept one process's keeps apart only, and two
    uploads of one study failed ("Directory not empty") 13 times in 16."""
    import multiprocessing

    study = tmp_path / "study"
    (study / "sax").mkdir(parents=True)
    for k in range(20):
        (study / "sax" / f"{k}.dcm").write_bytes(b"x" * 4096)
    archive = tmp_path / "archive"
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [context.Process(target=_keep_many, args=(study, archive, 10, start))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    kept = archive / "uploads" / "1.2.3"
    assert [p.name for p in kept.parent.iterdir()] == ["1.2.3"]
    assert len(list(kept.rglob("*.dcm"))) == 20


def test_an_archive_where_nothing_can_be_made_is_one_line(tmp_path: Path) -> None:
    """A read-only archive gave a bare OSError (a 500) once the keep took a lock there."""
    (tmp_path / "study").mkdir()
    (tmp_path / "archive").write_text("a file where the archive should be")
    with pytest.raises(UploadError, match="cannot keep the study in"):
        keep_for_indexing(tmp_path / "study", "1.2.3", tmp_path / "archive")


@pytest.mark.parametrize("uid", ["..", " ", "", "ABC\\..", "1.2/3", "." * 3,
                                 "1.2.partial"])  # another study's staging folder
def test_a_study_whose_uid_is_no_folder_name_is_not_kept(tmp_path: Path, uid: str) -> None:
    """".." was "kept" as the archive's own folder; nothing was copied."""
    (tmp_path / "study").mkdir()
    with pytest.raises(UploadError, match="is not a UID: the study cannot be kept"):
        keep_for_indexing(tmp_path / "study", uid, tmp_path / "archive")
    assert not (tmp_path / "archive").exists()

