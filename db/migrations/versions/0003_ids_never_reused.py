"""Ids never given again on SQLite: without AUTOINCREMENT SQLite hands a deleted row's id (the
highest) to the next row, so a bookmarked /teaching/<id>, the trail's "teaching file 12" or
"case 40", or a signed-in session's account id, later named another teaching file, case or
account. PostgreSQL's sequences never go back: nothing to do there.

SQLite keeps AUTOINCREMENT in a table's CREATE TABLE only, so each table is made again with
it (batch "recreate": a copy, the old one dropped, the copy renamed), every row, id, index,
unique constraint and foreign key kept. The copy's inserts seed sqlite_sequence from the
highest id then present, so no later row gets it or one below; an id deleted above it before
this migration cannot be known, and may be given once more.

The drops are safe only with foreign keys off (`db/migrations/env.py`): with them on, the
drop of teaching_collections first deletes its rows, and ON DELETE CASCADE every case and
share of them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

from db.engine import MigrationError

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("users", "teaching_collections", "teaching_cases")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise MigrationError("0003 rebuilds tables: foreign keys must be off, or the cases and "
                           "shares of every teaching file would be deleted with it")
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    for table in TABLES:
        # an empty copy that a start killed here left is dropped, not tripped on: releases
        # before the upgrade was one transaction (db.migration_run) committed its CREATE TABLE
        # on its own
        op.execute(f"DROP TABLE IF EXISTS _alembic_tmp_{table}")
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass
    now = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    # any there before (a file edited by hand) are not this one's to mend; the rebuild
    # reports them in another order
    new = {tuple(row[:3]) for row in now} - {tuple(row[:3]) for row in dangling}
    if new:
        raise MigrationError(f"0003: rows now refer to rows that are not there: {sorted(new)[:5]}")


def downgrade() -> None:
    """Nothing: AUTOINCREMENT only stops ids being given again, which an earlier release's
    code never relied on; rebuilding the tables without it would bring the reuse back."""
