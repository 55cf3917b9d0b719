"""An upgrade is one transaction: a migration that fails leaves the database at the revision it
was at, on SQLite too (whose driver committed each CREATE, DROP and ALTER on its own), and a
one-line error names the migration."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.exc import IntegrityError

from db import DatabaseError, engine, migration_run, open_database, sqlite_url
from db.tables import Case as CaseRow
from db.tables import Collection as CollectionRow

# a throwaway migration after the newest: a table made, a column added (on SQLite a batch copy
# of users, dropped and renamed), a row written, then a statement that fails
FAILING = '''"""Widgets that never were.

Revision ID: 0099
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("widgets", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("widget", sa.Integer))
    op.execute("INSERT INTO widgets (id) VALUES (1)")
    op.execute("UPDATE no_such_table SET id = 2")


def downgrade() -> None:
    pass
'''


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "db.sqlite3")
        return
    with request.getfixturevalue("postgres").fresh_database() as made:
        yield made


@pytest.fixture
def failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shipped migrations and `FAILING` after them, in a folder of the test's."""
    head = open_database(sqlite_url(tmp_path / "head.sqlite3"), migrate=False)
    newest = head.head()
    head.close()
    folder = tmp_path / "migrations"
    shutil.copytree(engine.MIGRATIONS, folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "0099_failing.py").write_text(FAILING.format(head=newest))
    monkeypatch.setattr(engine, "MIGRATIONS", folder)
    yield


def _schema(url: str) -> dict[str, Any]:
    database = open_database(url, migrate=False)
    try:
        found = inspect(database.engine)
        return {"revision": database.revision(),
                "tables": {t: [c["name"] for c in found.get_columns(t)]
                           for t in sorted(found.get_table_names())}}
    finally:
        database.close()


@pytest.mark.parametrize("start", [None, "0002", "head"])
def test_a_failed_upgrade_leaves_the_database_at_the_revision_it_was_at(
        url: str, start: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    """From an empty database, from 0002 (0003 runs, then the failing one) and from the
    newest: each fails at 0099, and the database is as it was, not half-way (on SQLite the
    widgets table and users' widget column stayed, at no revision's schema)."""
    if start is not None:
        earlier = open_database(url, migrate=False)
        earlier.upgrade(start)
        earlier.close()
    before = _schema(url)
    request.getfixturevalue("failing")

    with pytest.raises(DatabaseError) as raised:
        open_database(url)

    assert _schema(url) == before
    message = str(raised.value)
    assert "\n" not in message
    assert "migration 0099 (Widgets that never were) failed" in message
    assert "no_such_table" in message and "nothing was changed" in message


def test_an_open_at_the_newest_revision_waits_for_no_writer(tmp_path: Path) -> None:
    """Every command, server start and worker opens the database: at the newest revision it
    took SQLite's write lock all the same (BEGIN IMMEDIATE), so while an index run or the
    server wrote, an open waited busy_timeout (10 s) and failed ("database is locked")."""
    path = tmp_path / "db.sqlite3"
    open_database(sqlite_url(path)).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as writer:
        # another process's write transaction, held until the open is done: the open either
        # takes no lock, or waits busy_timeout and fails
        writer.execute("BEGIN IMMEDIATE")
        database = open_database(sqlite_url(path))
        try:
            assert database.revision() == database.head()
        finally:
            database.close()
        writer.execute("ROLLBACK")


def test_a_session_after_a_migrating_open_is_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection that migrated (the driver beginning no transaction, foreign keys off)
    goes back to the pool as it was: the next session's writes are one transaction again, and
    foreign keys are enforced."""
    migrated: list[Any] = []
    real = migration_run.sqlite_transactional_ddl

    @contextmanager
    def recorded(connection: Connection) -> Iterator[None]:
        migrated.append(connection.connection.dbapi_connection)
        with real(connection):
            yield

    monkeypatch.setattr(migration_run, "sqlite_transactional_ddl", recorded)
    database = open_database(sqlite_url(tmp_path / "db.sqlite3"))
    try:
        with database.engine.connect() as connection:  # the pool's one connection: that one
            assert [connection.connection.dbapi_connection] == migrated
        with pytest.raises(RuntimeError), database.session() as session:
            session.add(CollectionRow(name="LGE", owner="alice", created=datetime.now(UTC)))
            session.flush()
            raise RuntimeError  # a request that failed after its first write
        with pytest.raises(IntegrityError), database.session() as session:
            session.add(CaseRow(collection_id=999, study_instance_uid="1.1",
                                added=datetime.now(UTC)))
        with database.session() as session:
            assert session.scalar(select(func.count(CollectionRow.id))) == 0
    finally:
        database.close()
