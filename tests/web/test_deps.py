"""Where a kept upload goes: the configured folder, or the index's own archive only when it is
a hospital folder (not a PACS address, not a research dataset)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cmr_search.settings import Settings
from indexer.upload import UploadError
from search import QueryError
from web.deps import upload_archive, upload_identity


class _Store:
    def __init__(self, archive: str) -> None:
        self.archive = archive

    def metadata(self) -> dict[str, Any]:
        return {"archive": self.archive}


def _request(archive: str, configured: Path | None = None) -> Any:
    state = SimpleNamespace(settings=Settings(upload_archive=configured), store=_Store(archive))
    return SimpleNamespace(app=SimpleNamespace(state=state))


def test_the_index_archive_takes_uploads_when_it_is_a_hospital_folder(tmp_path: Path) -> None:
    (tmp_path / "exports" / "STUDY1").mkdir(parents=True)
    assert upload_archive(_request(str(tmp_path / "exports"))) == tmp_path / "exports"
    assert upload_archive(_request("dicomweb+https://pacs/dicom-web", tmp_path)) == tmp_path


@pytest.mark.parametrize(("archive", "says"), [
    ("dicomweb+https://pacs.example/dicom-web", "built from a PACS"),
    ("/no/such/folder", "a folder this server does not see"),
    ("", "no archive to keep the study in"),
])
def test_no_place_for_uploads_is_refused_with_the_setting(archive: str, says: str) -> None:
    with pytest.raises(QueryError, match=says) as refused:
        upload_archive(_request(archive))
    assert "CMR_SEARCH_UPLOAD_ARCHIVE" in str(refused.value)


def test_a_research_dataset_gets_no_uploads(tmp_path: Path) -> None:
    """"Keep" would have written DICOM into the shared ACDC folder."""
    patient = tmp_path / "acdc" / "training" / "patient001"
    patient.mkdir(parents=True)
    (patient / "Info.cfg").write_text("ED: 1\nES: 12\n")
    (patient / "patient001_frame01.nii.gz").write_bytes(b"")
    with pytest.raises(QueryError, match="research dataset"):
        upload_archive(_request(str(tmp_path / "acdc")))


class _Index:
    def __init__(self, deidentified: bool | None) -> None:
        self.recorded = {} if deidentified is None else {"deidentified": deidentified}

    def metadata(self) -> dict[str, Any]:
        return self.recorded


def _upload_request(settings: Settings, deidentified: bool | None) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
        settings=settings, store=_Index(deidentified))))


def test_a_deidentified_index_without_its_seed_here_refuses_uploads(tmp_path: Path) -> None:
    """A seed made anew by the first upload named none of the index's studies: the upload's
    pseudonyms matched nothing, and a kept upload joined the index as a stranger."""
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(UploadError, match="holds no de-identification seed"):
        upload_identity(_upload_request(settings, True))
    assert not (settings.layout.secrets / "deidentify_seed").exists()
    assert upload_identity(_upload_request(settings, False)).deidentifier is None
    given = Settings(data_dir=tmp_path, deidentify_seed="s3cret")
    assert upload_identity(_upload_request(given, True)).deidentifier is not None
    settings.secret("deidentify_seed")  # kept here by the index run that built it
    assert upload_identity(_upload_request(settings, True)).deidentifier is not None
    assert upload_identity(_upload_request(settings, None)).deidentifier is not None  # older


class _OldIndex(_Store):
    """An index as runs before this release wrote it: its archive as the run was given it
    ("synth", from the folder it started in), each study's folder under that name ("synth/P1";
    none kept when de-identified)."""

    def __init__(self, archive: str, folders: list[str]) -> None:
        super().__init__(archive)
        self.folders = folders

    def scroll(self, fields: list[str] | None = None, where: Any = None,
               batch: int = 1000) -> Any:
        return iter(SimpleNamespace(payload={"archive_path": f}) for f in self.folders)


def _old_index_request(data_dir: Path, folders: list[str]) -> Any:
    state = SimpleNamespace(settings=Settings(data_dir=data_dir),
                            store=_OldIndex("synth", folders))
    return SimpleNamespace(app=SimpleNamespace(state=state))


def test_an_old_relative_archive_is_the_folder_its_index_run_meant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cd /site; cmr-search index synth` stored "synth": a server started elsewhere read it
    from its own folder, and kept uploads in a same-named folder there (or refused them)
    until the next index run."""
    site = tmp_path / "site"
    (site / "synth" / "P1").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "synth").mkdir(parents=True)
    folders = ["synth/P1", "/other/archive/P9"]
    monkeypatch.chdir(elsewhere)  # a data folder under ./data was the run's folder too
    assert upload_archive(_old_index_request(site / "data", folders)) == site / "synth"
    monkeypatch.chdir(site)  # the run's folder, with the data folder set elsewhere
    assert upload_archive(_old_index_request(tmp_path / "var" / "data", folders)) \
        == site / "synth"


def test_an_old_relative_archive_found_nowhere_says_how_to_mend_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "synth").mkdir()  # a same-named folder holding none of the index's studies
    monkeypatch.chdir(tmp_path)
    with pytest.raises(QueryError) as refused:
        upload_archive(_old_index_request(tmp_path / "var" / "data", ["synth/P1"]))
    assert str(refused.value) == (
        "the index names its archive by the relative path 'synth', as index runs before this "
        "release stored it, and no folder of that name beside the data folder or in this "
        "server's working folder holds its studies: run `cmr-search index` on the archive's "
        "folder once, or set CMR_SEARCH_UPLOAD_ARCHIVE")


@pytest.mark.parametrize("folders", [[], ["", ""], ["/site/synth/P1"]])
def test_an_old_relative_archive_with_no_study_under_it_is_not_guessed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folders: list[str]) -> None:
    """A de-identified index keeps no study's folder (nor does one whose folders are kept
    elsewhere): any same-named folder beside the data folder was taken for its archive, and
    a patient's DICOM kept in, say, /var/lib/cmr/synth that no index run reads."""
    (tmp_path / "var" / "synth").mkdir(parents=True)  # beside the data folder, not the archive
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    with pytest.raises(QueryError) as refused:
        upload_archive(_old_index_request(tmp_path / "var" / "data", folders))
    said = ("it keeps no study's folder (de-identified) to tell which folder it is"
            if not any(folders) else "no folder of that name beside the data folder")
    assert said in str(refused.value) and "CMR_SEARCH_UPLOAD_ARCHIVE" in str(refused.value)


def test_a_copy_of_a_few_of_its_studies_is_not_the_old_archive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A same-named folder in the server's working folder holding one study of the index's
    (a copy taken to look at) was taken for the archive: uploads were kept in it."""
    (tmp_path / "copy" / "synth" / "P1").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "copy")
    folders = ["synth/P1", "synth/P2", "synth/P3"]
    with pytest.raises(QueryError, match="no folder of that name"):
        upload_archive(_old_index_request(tmp_path / "var" / "data", folders))
    (tmp_path / "copy" / "synth" / "P2").mkdir()  # most of them: the archive, a few gone
    assert upload_archive(_old_index_request(tmp_path / "var" / "data", folders)) \
        == tmp_path / "copy" / "synth"
