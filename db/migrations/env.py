"""Alembic's environment: the engine comes from `db.engine.Database.upgrade`, never from an
ini file, so the URL (and its password) stays in the settings."""

from __future__ import annotations

from alembic import context

from db.tables import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
