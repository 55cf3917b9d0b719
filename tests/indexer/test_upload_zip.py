"""Unpacking an upload: hostile and broken zips are each refused with a one-line reason naming
the upload, from the zip's directory before unpacking or while a member streams out; nothing
escapes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fakes.encoder import FakeEncoder
from fakes.zips import HOSTILE, plain

from indexer.upload import study_from_upload
from indexer.upload_zip import UploadError, UploadLimits, extract_zip


@pytest.mark.parametrize("files, reason", [
    ({"../evil.dcm": b"x"}, "unsafe path"), ({"/abs.dcm": b"x"}, "unsafe path")])
def test_unsafe_members_are_refused(tmp_path: Path, files: dict[str, bytes],
                                    reason: str) -> None:
    archive = tmp_path / "up.zip"
    archive.write_bytes(plain(files))
    with pytest.raises(UploadError, match=reason):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "evil.dcm").exists()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_zips_are_refused_with_a_reason(tmp_path: Path, case: str) -> None:
    make, reason = HOSTILE[case]
    with pytest.raises(UploadError, match=reason) as error:
        study_from_upload(io.BytesIO(make()), "study.zip", FakeEncoder(), tmp_path / "p")
    assert str(error.value).startswith("study.zip:") and "\n" not in str(error.value)


def test_limits_are_checked_before_unpacking(tmp_path: Path) -> None:
    archive = tmp_path / "up.zip"
    archive.write_bytes(plain({f"{i}.dcm": b"x" * 100 for i in range(30)}))
    with pytest.raises(UploadError, match="more than 20 files"):
        extract_zip(archive, tmp_path / "out", UploadLimits(max_members=20))
    with pytest.raises(UploadError, match="larger than 0 MB unpacked"):
        extract_zip(archive, tmp_path / "out", UploadLimits(max_unpacked_bytes=1000))
    assert not (tmp_path / "out").exists()  # refused from the directory: nothing written


def test_a_bomb_writes_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(HOSTILE["compression bomb"][0]())
    with pytest.raises(UploadError, match="unpacks more than 50 times"):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("filename", ["..", ".", "", "../../etc/passwd", "a\\..\\b.zip"])
def test_the_uploaded_file_name_is_never_a_path(tmp_path: Path, filename: str) -> None:
    with pytest.raises(UploadError, match="no DICOM study found"):
        study_from_upload(io.BytesIO(plain({"a.txt": b"x"})), filename, FakeEncoder(),
                          tmp_path / "p")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_empty_members_cost_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    archive.write_bytes(plain({f"{i}.dcm": b"" for i in range(5000)}))
    out = extract_zip(archive, tmp_path / "out")
    assert not out.exists() or not any(out.iterdir())


def test_a_macs_resource_forks_are_not_unpacked(tmp_path: Path) -> None:
    """A zip made in the Finder carries __MACOSX/._IM1 beside IM1: each was skipped as junk
    and copied into the archive with a study kept for the index."""
    archive = tmp_path / "mac.zip"
    archive.write_bytes(plain({"DICOM/IM1": b"d" * 10, "__MACOSX/DICOM/._IM1": b"r" * 10,
                               "DICOM/._IM2": b"r", "DICOM/.DS_Store": b"s"}))
    out = extract_zip(archive, tmp_path / "out")
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == [
        "DICOM/IM1"]
