"""Alembic's environment: the engine comes from `db.engine.Database.upgrade`, never from an
ini file, so the URL (and its password) stays in the settings.

The revision is read first, outside any transaction: a database at it already is left
untouched (on SQLite, no write lock taken by every open). Otherwise one transaction for the
whole upgrade, DDL included, on SQLite too (`db.migration_run`): a migration that fails leaves
the database at the revision it was at, with one line naming the migration; on SQLite foreign
keys are off while migrations run."""

from __future__ import annotations

from contextlib import nullcontext

from alembic import context

from db.migration_run import NamedFailures, at_revision, sqlite_transactional_ddl
from db.tables import Base

engine = context.config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"
steps = NamedFailures()
with engine.connect() as connection:
    if not at_revision(connection, context.get_revision_argument()):
        with sqlite_transactional_ddl(connection) if sqlite else nullcontext():
            # transactional_ddl: Alembic takes SQLite's DDL for non-transactional and would
            # commit each migration apart
            context.configure(connection=connection, target_metadata=Base.metadata,
                              render_as_batch=sqlite, transactional_ddl=True,
                              on_version_apply=steps.applied)
            with context.begin_transaction():
                steps.run(context.get_context())
