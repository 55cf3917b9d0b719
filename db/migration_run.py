"""An upgrade as one transaction, on SQLite too, and a migration's failure in one line naming it.

SQLite's DDL is transactional, but its driver (Python's sqlite3, "legacy transaction control")
begins a transaction before INSERT, UPDATE and DELETE only: each CREATE, DROP and ALTER before
them was committed on its own, and Alembic, taking SQLite's DDL for non-transactional, committed
each migration apart. A migration that failed half-way left a table made, a column added, at no
revision's schema, and every later start tripped on it. Here the driver begins nothing and the
migrating connection emits BEGIN IMMEDIATE itself (SQLAlchemy's recipe for transactional DDL on
pysqlite), so a failure rolls back every statement of the upgrade. PostgreSQL's DDL is
transactional already.

The revision is read first outside any transaction (`at_revision`): every command, server start
and worker opens the database, and BEGIN IMMEDIATE on a database at the newest revision waited
for an index run or the server writing (busy_timeout, 10 s), then failed the open with
"database is locked".
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from db.engine import MigrationError


def _begin(connection: Connection) -> None:
    # IMMEDIATE: the write lock from the start, so that of two processes upgrading at once
    # (serve's workers) the other waits (busy_timeout) and then finds nothing to do, instead
    # of failing its first write on a snapshot gone stale
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def at_revision(connection: Connection, wanted: str | tuple[str, ...] | None) -> bool:
    """Whether the database is at `wanted` (Alembic's resolved destination) already, read
    outside any transaction: on SQLite a read takes no lock, so an open at the newest revision
    never waits for a writer. An upgrade re-reads the revision inside its transaction (under
    the write lock on SQLite): of two starts at once, the second finds nothing left to do."""
    current = MigrationContext.configure(connection).get_current_heads()
    # the read's transaction ended: Alembic takes one still open for the caller's own and
    # would neither begin (BEGIN IMMEDIATE) nor commit the upgrade
    connection.rollback()
    heads = wanted if isinstance(wanted, tuple) else () if wanted is None else (wanted,)
    return set(current) == set(heads)


@contextmanager
def sqlite_transactional_ddl(connection: Connection) -> Iterator[None]:
    """`connection` with foreign keys off and every statement, DDL included, inside the
    transaction SQLAlchemy begins; as it was when the block ends (or, where it cannot be put
    back, dropped from the pool: a connection left with the driver beginning nothing would
    commit every statement of a later session on its own).

    Foreign keys are off while migrations run: batch mode makes a table again by dropping the
    old one, and with them on that drop deletes its rows first, ON DELETE CASCADE taking the
    rows of other tables that refer to them. SQLite changes the setting outside a transaction
    only; it is as it was before the connection goes back to the pool."""
    raw: Any = connection.connection.dbapi_connection
    driver_begins = raw.isolation_level
    keys_on = raw.execute("PRAGMA foreign_keys").fetchone()[0]
    event.listen(connection, "begin", _begin)
    try:
        # None commits an open transaction: there is none (`at_revision` ended its read)
        raw.isolation_level = None  # the driver begins nothing: `_begin` does
        raw.execute("PRAGMA foreign_keys = OFF")
        yield
    finally:
        event.remove(connection, "begin", _begin)
        try:
            connection.rollback()  # nothing, or what a failed migration left
            raw.execute(f"PRAGMA foreign_keys = {int(keys_on)}")
            raw.isolation_level = driver_begins
        except (SQLAlchemyError, sqlite3.Error):
            # dropped, not raised: the pool makes a new one (with the pragmas), and the
            # migration's own error, if any, stays the one told
            connection.invalidate()


def _reason(error: Exception) -> str:
    """The error's first line; a database error's without its statement and parameters."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


class NamedFailures:
    """Runs the migrations; an error in one is a MigrationError naming it and the revision the
    database stays at (the caller's block rolls the upgrade's transaction back); an error
    before any (an unknown revision: a newer release's) is left as it is. Pass `applied` to
    Alembic's `configure` as `on_version_apply`."""

    def __init__(self) -> None:
        self._at: str | None = None

    def applied(self, *, step: MigrationInfo, **_: Any) -> None:
        self._at = step.up_revision_id

    def run(self, migrations: MigrationContext) -> None:
        """The migrations (as `alembic.context.run_migrations`), inside the caller's
        transaction."""
        self._at = start = migrations.get_current_revision()
        try:
            with Operations.context(migrations):
                migrations.run_migrations()
        except Exception as error:
            script = migrations.script
            failed = _after(script, self._at) if script is not None else None
            if script is None or failed is None:
                raise
            raise MigrationError(f"migration {failed} ({_title(script, failed)}) failed: "
                                 f"{_reason(error)} (the database stays at revision "
                                 f"{start or 'none, empty'})") from error


def _after(script: ScriptDirectory, revision: str | None) -> str | None:
    """The migration after `revision` (the first one after none), or None where there is not
    exactly one (an unknown revision: a newer release's, which `db.engine` names)."""
    try:
        following = script.get_bases() if revision is None else \
            sorted(script.get_revision(revision).nextrev)
    except CommandError:  # no such revision
        return None
    return following[0] if len(following) == 1 else None


def _title(script: ScriptDirectory, revision: str) -> str:
    """A migration's docstring up to its first full stop or colon, at most 80 characters."""
    found = script.get_revision(revision)
    words = " ".join((found.doc if found is not None else "").split()) or revision
    title = re.split(r"[.:](?:\s|$)", words, maxsplit=1)[0]
    return title if len(title) <= 80 else title[:77] + "..."
