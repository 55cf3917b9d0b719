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
