"""Alembic's environment: the engine comes from `db.engine.Database.upgrade`, never from an
ini file, so the URL (and its password) stays in the settings.

On SQLite foreign keys are off while migrations run: batch mode makes a table again by
dropping the old one, and with them on that drop deletes its rows first, ON DELETE CASCADE
taking the rows of other tables that refer to them. SQLite changes the setting outside a
transaction only; it is on again before the connection goes back to the pool."""

from __future__ import annotations

from alembic import context

from db.tables import Base

engine = context.config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"
with engine.connect() as connection:
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.commit()
    try:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=sqlite)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.rollback()  # nothing, or what a failed migration left
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()
