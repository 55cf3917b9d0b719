"""At start, teaching cases made on an identified index move to their studies' pseudonyms
once the index is rebuilt de-identified."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from fakes.encoder import DIM, FakeEncoder
from fakes.index import CASES, build
from fastapi import FastAPI
from fastapi.testclient import TestClient

from catalog import INDEX_VERSION, dense_sizes, store_schema
from cmr_search.locks import held
from cmr_search.settings import Settings
from db import Database, TeachingFiles, database_of
from indexer.deidentify import Deidentifier
from vectorstore import MemoryStore, VectorStore
from web.app import create_app
from web.repoint import ACTOR

REAL = ["1.2.826.0.1.3680043.1.1", "1.2.826.0.1.3680043.1.2"]
GONE = "1.2.826.0.1.3680043.9.9"  # a study the rebuilt index left out


def _index(uids: list[str], deidentified: bool) -> MemoryStore:
    store = MemoryStore()
    store.ensure(store_schema(dense_sizes(DIM, DIM)), {
        "model": FakeEncoder().identity.as_dict(), "index_version": INDEX_VERSION,
        "deidentified": deidentified})
    build(store, [replace(case, uid=uid) for case, uid in zip(CASES, uids, strict=False)])
    return store


def _pseudonyms(settings: Settings) -> list[str]:
    deidentifier = Deidentifier(settings.secret("deidentify_seed"))
    return [deidentifier.study_uid(uid) for uid in REAL]


def _teaching(settings: Settings) -> tuple[Database, TeachingFiles, int]:
    database = database_of(settings)
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", REAL[0], "Transmural", "lge, mi")
    files.add(lge, "alice", REAL[1], "Subendocardial", "lge")
    files.add(lge, "alice", GONE, "Not rebuilt", "x")
    return database, files, lge


def _start(settings: Settings, store: VectorStore, database: Database) -> FastAPI:
    app = create_app(settings, store, database=database, open_access=True)
    assert TestClient(app).get("/healthz").status_code == 200
    return app


def _uids(files: TeachingFiles, lge: int) -> list[str]:
    return [c.study_instance_uid for c in files.cases(lge)]


def test_cases_move_to_the_pseudonyms_once(tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    pseudonyms = _pseudonyms(settings)
    store = _index(pseudonyms, deidentified=True)
    before = files.cases(lge)

    with caplog.at_level(logging.INFO, logger="web.repoint"):
        app = _start(settings, store, database)

    after = files.cases(lge)
    assert [c.study_instance_uid for c in after] == [*pseudonyms, GONE]
    assert [(c.id, c.note, c.tags, c.added) for c in after] == \
        [(c.id, c.note, c.tags, c.added) for c in before]
    entries = app.state.audit.entries(user_name=ACTOR)
    assert len(entries) == 1 and entries[0].study_uids == []
    assert entries[0].detail == {"teaching_cases_to_pseudonyms": 2, "merged": 0}
    said = json.dumps(entries[0].as_dict()) + caplog.text
    assert "moved 2 teaching cases" in caplog.text
    assert not any(uid in said for uid in [*REAL, *pseudonyms, GONE])

    again = _start(settings, store, database)  # a second start changes nothing
    assert files.cases(lge) == after
    assert len(again.state.audit.entries(user_name=ACTOR)) == 1


def test_a_study_added_again_is_one_case(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    pseudonyms = _pseudonyms(settings)
    files.add(lge, "alice", pseudonyms[0], "Added again after the rebuild", "rv")
    older = files.cases(lge)[0]

    app = _start(settings, _index(pseudonyms, deidentified=True), database)

    cases = files.cases(lge)
    assert [c.study_instance_uid for c in cases] == [*pseudonyms, GONE]
    assert (cases[0].id, cases[0].note, cases[0].tags) == (
        older.id, "Transmural\n\nAdded again after the rebuild", ["lge", "mi", "rv"])
    assert app.state.audit.entries(user_name=ACTOR)[0].detail == {
        "teaching_cases_to_pseudonyms": 2, "merged": 1}


def test_an_identified_index_moves_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    pseudonyms = _pseudonyms(settings)
    (settings.layout.secrets / "deidentify_seed").unlink()

    app = _start(settings, _index(pseudonyms, deidentified=False), database)

    assert _uids(files, lge) == [*REAL, GONE]
    assert app.state.audit.entries(user_name=ACTOR) == []
    assert not (settings.layout.secrets / "deidentify_seed").exists()  # none made for it


def test_no_index_yet_moves_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    app = _start(settings, MemoryStore(), database)
    assert _uids(files, lge) == [*REAL, GONE]
    assert app.state.audit.entries(user_name=ACTOR) == []


def test_a_failure_is_one_warning_and_the_server_starts(
        tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    store = _index(_pseudonyms(settings), deidentified=True)

    def down(ids: list[str], vectors: list[str] = []) -> list[object]:  # noqa: B006
        raise RuntimeError(f"the index does not answer for {REAL[0]}")

    monkeypatch.setattr(store, "retrieve", down)
    with caplog.at_level(logging.INFO, logger="web.repoint"):
        app = _start(settings, store, database)

    warnings = [r for r in caplog.records
                if r.levelno >= logging.WARNING and r.name == "web.repoint"]
    assert [r.getMessage() for r in warnings] == [
        "teaching cases not moved to their pseudonyms: RuntimeError"]
    assert REAL[0] not in caplog.text
    assert _uids(files, lge) == [*REAL, GONE]
    assert app.state.audit.entries(user_name=ACTOR) == []


def test_no_seed_here_moves_nothing_and_makes_none(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A seed made anew would name no study of the index (and uploads would take it for the
    index's): the start says so and leaves the cases."""
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    store = _index(_pseudonyms(settings), deidentified=True)
    (settings.layout.secrets / "deidentify_seed").unlink()
    with caplog.at_level(logging.INFO, logger="web.repoint"):
        app = _start(settings, store, database)
    assert "holds no de-identification seed" in caplog.text and "restore the one" in caplog.text
    assert not (settings.layout.secrets / "deidentify_seed").exists()
    assert _uids(files, lge) == [*REAL, GONE]
    assert app.state.audit.entries(user_name=ACTOR) == []


def test_workers_take_turns_and_one_records_the_move(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve --workers N` starts the app in each worker: one moves and records, while the
    turn is held the others wait, and after it they find nothing to move."""
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    store = _index(_pseudonyms(settings), deidentified=True)
    monkeypatch.setattr("web.repoint._TURN_S", 0.2)
    with held(settings.layout.locks / "teaching-pseudonyms"), \
            caplog.at_level(logging.INFO, logger="web.repoint"):
        waiting = _start(settings, store, database)
    assert "another server process held the turn" in caplog.text
    assert _uids(files, lge) == [*REAL, GONE] and not waiting.state.audit.entries(
        user_name=ACTOR)
    _first, second = (_start(settings, store, database) for _ in range(2))
    assert _uids(files, lge) == [*_pseudonyms(settings), GONE]
    assert len(second.state.audit.entries(user_name=ACTOR)) == 1


def test_a_move_whose_audit_entry_fails_says_so(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path)
    database, files, lge = _teaching(settings)
    store = _index(_pseudonyms(settings), deidentified=True)

    def refused(self: object, event: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("db.AuditTrail.record", refused)
    with caplog.at_level(logging.INFO, logger="web.repoint"):
        _start(settings, store, database)
    assert _uids(files, lge) == [*_pseudonyms(settings), GONE]
    assert "moved 2 teaching cases" in caplog.text
    assert "the audit entry was not written: OSError" in caplog.text
