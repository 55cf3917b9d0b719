"""Migrations run by `open_database`: 0003 makes an earlier release's SQLite tables of rows
named by id AUTOINCREMENT, every row, index, unique constraint and foreign key kept; 0004
numbers each teaching file's cases in the order they were added; the models say what the
migrations make."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from db import Database, TeachingFiles, open_database, sqlite_url
from db.engine import MIGRATIONS
from db.tables import Base

REBUILT = ("users", "teaching_collections", "teaching_cases")
TABLES = (*REBUILT, "api_tokens", "teaching_shares", "audit_events", "audit_head")
NOW = "2026-12-01 10:00:00.000000"

# an earlier release's rows: account 2 and teaching file 3 were deleted
ROWS = f"""
INSERT INTO users (id, name, role, disabled, created) VALUES
    (1, 'alice', 'admin', 0, '{NOW}'), (3, 'carol', 'viewer', 0, '{NOW}');
INSERT INTO api_tokens (id, token_id, user_id, name, secret_hash, created, expires) VALUES
    (1, 'a1', 1, 'ci', 'h1', '{NOW}', '{NOW}'), (2, 'c1', 3, 'ci', 'h2', '{NOW}', '{NOW}');
INSERT INTO teaching_collections (id, name, owner, created) VALUES
    (1, 'Scars', 'alice', '{NOW}'), (2, 'Valves', 'alice', '{NOW}'),
    (4, 'Tumours', 'carol', '{NOW}');
INSERT INTO teaching_cases (id, collection_id, study_instance_uid, note, tags, added) VALUES
    (1, 1, '1.1', 'Transmural', 'lge,mi', '{NOW}'), (2, 1, '1.2', '', '', '{NOW}'),
    (5, 4, '1.1', '', 'mass', '{NOW}');
INSERT INTO teaching_shares (id, collection_id, grantee, access) VALUES
    (1, 1, '*', 'edit'), (2, 4, 'alice', 'read');
"""


def _rows(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as connection:
        return {t: [tuple(r) for r in connection.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in TABLES}


def _shape(engine: Engine) -> dict[str, Any]:
    """Each table's columns, indexes, unique constraints and foreign keys (with ON DELETE)."""
    found = inspect(engine)
    return {t: ([(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(t)],
                sorted((i["name"], i["column_names"]) for i in found.get_indexes(t)),
                sorted(u["column_names"] for u in found.get_unique_constraints(t)),
                found.get_foreign_keys(t)) for t in TABLES}


def _sql(engine: Engine, query: str) -> list[Any]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(query))]


@pytest.fixture
def earlier(tmp_path: Path) -> Any:
    """A SQLite database as release 0002 left it, holding `ROWS`."""
    database = open_database(sqlite_url(tmp_path / "db.sqlite3"), migrate=False)
    database.upgrade("0002")
    with database.engine.begin() as connection:
        for statement in filter(str.strip, ROWS.split(";")):
            connection.execute(text(statement))
    yield database
    database.close()


def test_0003_keeps_every_row_index_and_constraint(earlier: Database) -> None:
    """The rebuild drops each table: with foreign keys on that deleted the cases and shares
    of every teaching file (ON DELETE CASCADE), and an account's tokens."""
    rows, shape = _rows(earlier.engine), _shape(earlier.engine)
    assert all(rows[t] for t in TABLES[:5]) and shape["teaching_cases"][3][0]["options"] == {
        "ondelete": "CASCADE"}
    earlier.upgrade("0003")
    assert earlier.revision() == "0003"
    assert _rows(earlier.engine) == rows and _shape(earlier.engine) == shape
    made = dict(_sql(earlier.engine, "SELECT name, sql FROM sqlite_master WHERE type='table'"))
    assert all("PRIMARY KEY AUTOINCREMENT" in made[t] for t in REBUILT)
    assert not any("AUTOINCREMENT" in made[t] for t in TABLES if t not in REBUILT)
    assert _sql(earlier.engine, "PRAGMA foreign_key_check") == []
    assert _sql(earlier.engine, "PRAGMA integrity_check") == [("ok",)]


def test_after_0003_no_id_present_at_migration_is_given_again(earlier: Database) -> None:
    earlier.upgrade()
    assert dict(_sql(earlier.engine, "SELECT name, seq FROM sqlite_sequence")) == {
        "users": 3, "teaching_collections": 4, "teaching_cases": 5}
    files = TeachingFiles(earlier)
    made = files.create("alice", "New")
    assert made == 5
    files.delete(made, "alice")
    assert files.create("alice", "Newer") == 6
    with earlier.engine.begin() as connection:  # the newest case deleted, then one added
        connection.execute(text("DELETE FROM teaching_cases WHERE id = 5"))
    files.add(1, "alice", "1.3", "", "")
    assert max(c.id for c in files.cases(1)) == 6


def test_foreign_keys_are_on_and_cascade_after_0003(earlier: Database) -> None:
    """Migrations run with foreign keys off: the pool's connections have them on again."""
    earlier.upgrade("0003")
    with earlier.session() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), earlier.session() as session:
        session.execute(text("INSERT INTO teaching_cases (collection_id, study_instance_uid, "
                             f"note, tags, added) VALUES (3, '9.9', '', '', '{NOW}')"))
    with earlier.session() as session:
        session.execute(text("DELETE FROM teaching_collections WHERE id = 1"))
        session.execute(text("DELETE FROM users WHERE id = 1"))
    assert _sql(earlier.engine, "SELECT id FROM teaching_cases") == [(5,)]
    assert _sql(earlier.engine, "SELECT id FROM teaching_shares") == [(2,)]
    assert _sql(earlier.engine, "SELECT token_id FROM api_tokens") == [("c1",)]


def test_0003_with_foreign_keys_on_stops_before_it_deletes(earlier: Database) -> None:
    """Run with foreign keys on (not through `env.py`), the rebuild would have emptied
    teaching_cases and teaching_shares: it refuses, and nothing is changed."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = next((MIGRATIONS / "versions").glob("0003_*.py"))
    spec = spec_from_file_location("migration_0003", path)
    assert spec is not None and spec.loader is not None
    migration = module_from_spec(spec)
    spec.loader.exec_module(migration)
    rows = _rows(earlier.engine)
    with earlier.engine.connect() as connection, \
            Operations.context(MigrationContext.configure(connection)):
        with pytest.raises(RuntimeError, match="foreign keys must be off"):
            migration.upgrade()
        connection.rollback()
    assert _rows(earlier.engine) == rows and earlier.revision() == "0002"


def test_0003_goes_on_past_the_empty_copy_a_killed_start_left(earlier: Database) -> None:
    """The copy's CREATE TABLE commits on its own: a start killed just after it left a table
    that every later start tripped on ("table _alembic_tmp_users already exists")."""
    rows = _rows(earlier.engine)
    with earlier.engine.begin() as connection:
        connection.execute(text("CREATE TABLE _alembic_tmp_users (id INTEGER PRIMARY KEY)"))
    earlier.upgrade("0003")
    assert earlier.revision() == "0003" and _rows(earlier.engine) == rows
    assert "_alembic_tmp_users" not in earlier.tables()


def test_0003_upgrades_a_database_with_rows_left_pointing_nowhere_in_two_tables(
        earlier: Database) -> None:
    """Rows a hand edit left pointing nowhere (the sqlite3 shell has foreign keys off) are not
    0003's to mend; compared in the order SQLite lists them, which the rebuild changes, two
    tables of them stopped every start ("rows now refer to rows that are not there")."""
    path = earlier.engine.url.database
    assert path
    with closing(sqlite3.connect(path)) as shell, shell:
        shell.execute("INSERT INTO teaching_shares (collection_id, grantee, access) "
                      "VALUES (998, 'bob', 'read')")
        shell.execute(f"INSERT INTO teaching_cases (collection_id, study_instance_uid, note, "
                      f"tags, added) VALUES (999, '9.9', '', '', '{NOW}')")
    rows = _rows(earlier.engine)
    earlier.upgrade("0003")
    assert earlier.revision() == "0003" and _rows(earlier.engine) == rows
    assert {r[0] for r in _sql(earlier.engine, "PRAGMA foreign_key_check")} == {
        "teaching_shares", "teaching_cases"}


# added out of id order: case 3 first
ROWS_0004 = """
INSERT INTO teaching_collections (id, name, owner, created) VALUES
    (1, 'Scars', 'alice', '2026-12-01 10:00:00.000000'),
    (2, 'Valves', 'alice', '2026-12-01 10:00:00.000000');
INSERT INTO teaching_cases (id, collection_id, study_instance_uid, note, tags, added) VALUES
    (1, 1, '1.1', 'Transmural', 'lge', '2026-12-01 12:00:00.000000'),
    (2, 1, '1.2', '', '', '2026-12-01 12:00:00.000000'),
    (3, 1, '1.3', '', '', '2026-12-01 11:00:00.000000'),
    (4, 2, '2.1', '', '', '2026-12-01 13:00:00.000000')
"""


def test_0004_numbers_each_files_cases_in_the_order_they_were_added(tmp_path: Path) -> None:
    database = open_database(sqlite_url(tmp_path / "db.sqlite3"), migrate=False)
    try:
        database.upgrade("0003")
        with database.engine.begin() as connection:
            for statement in ROWS_0004.split(";"):
                connection.execute(text(statement))
        database.upgrade()
        with database.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, position, version, edited_by FROM "
                                           "teaching_cases ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, 2, 1, None), (2, 3, 1, None), (3, 1, 1, None),
                                            (4, 1, 1, None)]
        files = TeachingFiles(database)
        assert [c.id for c in files.cases(1)] == [3, 1, 2]
        files.add(1, "alice", "1.4", "", "")
        assert [c.study_instance_uid for c in files.cases(1)][-1] == "1.4"
        database.upgrade("0003")  # and back
        database.upgrade()
    finally:
        database.close()


def test_the_migrated_schema_is_what_the_models_say(database: Database) -> None:
    """A column in `db.tables` no migration made (or one a migration made that the models
    lack) fails here, not at a user's first save."""
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
