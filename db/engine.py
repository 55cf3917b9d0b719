"""One database by URL: SQLite under the data folder by default, PostgreSQL when configured.

`open_database` brings the schema to the newest Alembic revision before anything uses it, so a
new release's tables appear on its first start (and `cmr-search db upgrade` does it by hand).
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import DatabaseError as SqlDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from cmr_search.settings import Settings

logger = logging.getLogger(__name__)
MIGRATIONS = Path(str(files("db") / "migrations"))


# what a request meets when the database server stops answering (down, restarted, the
# network): the app answers 503 (`web.app`), not a 500 with a traceback
UNREACHABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message says which and why (never the
    password)."""


class MigrationError(RuntimeError):
    """A migration that refuses a database it would damage; it changed nothing."""


class DatabaseInputError(ValueError):
    """A value the database refuses to store or compare (PostgreSQL: a NUL in text); the
    request that sent it is at fault, not the server."""


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no commit
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _private_file(path: Path) -> None:
    """A new SQLite file (password and token hashes, the audit trail) readable by this
    account only, in a folder of its own; SQLite gives its -wal and -shm files the same
    permissions. It was 0644, readable by every account on the machine."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        return
    # a file an earlier release made 0644 is made private too (it stayed readable by all),
    # with its -wal and -shm; not the folder, which may be another's
    for each in (p for p in path.parent.glob(f"{glob.escape(path.name)}*") if p.is_file()):
        mode = each.stat().st_mode & 0o777
        if mode & 0o077 and each.stat().st_uid == os.getuid():
            each.chmod(0o600)
            logger.warning("%s was readable by other accounts (%o): made 600", each.name, mode)


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018  ("host:notaport" fails here, not as a traceback later)
    except (ArgumentError, ValueError):
        raise DatabaseError("database URL: not a SQLAlchemy URL (sqlite:///path or "
                            "postgresql+psycopg://user@host:port/name, the port a number)"
                            ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"database URL: {parsed.get_backend_name()} is not supported "
                            "(sqlite or postgresql)")
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":  # "added", then gone
            raise DatabaseError("database URL: an in-memory SQLite database keeps nothing "
                                "(accounts, the audit trail); name a file: sqlite:///path")
        _private_file(Path(parsed.database))
        engine = create_engine(parsed)  # a pool of connections, each with the pragmas below
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)
    except (ImportError, ArgumentError) as error:  # psycopg2 and asyncpg are not installed
        raise DatabaseError(f"database URL: driver {parsed.get_driver_name()} is not "
                            f"available ({type(error).__name__}); use postgresql+psycopg://"
                            ) from None


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class Database:
    """An engine and its sessions. `session()` is a unit of work: committed when the block
    ends, rolled back when it raises."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except DataError as error:  # a value the server cannot store: the caller's input
            reason = str(error.orig).strip().splitlines()[0] if error.orig else "bad value"
            raise DatabaseInputError(f"the database refused a value: {reason}") from None

    def upgrade(self, revision: str = "head") -> None:
        """Apply every Alembic migration the database has not seen (up to `revision`)."""
        command.upgrade(_alembic_config(self.engine), revision)

    def head(self) -> str | None:
        """The newest revision this release's migrations know."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config(self.engine)).get_current_head()

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def tables(self) -> set[str]:
        return set(inspect(self.engine).get_table_names())

    def answers(self) -> bool:
        """Whether the database answers a query now (readiness)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str, migrate: bool = True, older: bool = True) -> Database:
    """The database at `url`, migrated to the newest schema. DatabaseError when it cannot be
    reached (the message holds the host, never the password). `older` False: one an earlier
    release made is refused, not migrated (only the server's start and `cmr-search db
    upgrade` migrate, as the README says); a new, empty one is still made."""
    try:
        database = Database(_engine(url))
    except OSError as error:  # the SQLite file's folder is a file, or cannot be made
        why = "not a folder" if isinstance(error, FileExistsError) else error.strerror
        raise DatabaseError(f"database {error.filename}: {why}") from None
    if migrate:
        try:
            if not older:
                _refuse_older(database, url)
            database.upgrade()
        except CommandError as error:
            if "Can't locate revision" not in str(error):  # not a newer schema: not ours
                raise
            # a newer release's schema
            where = make_url(url).render_as_string(hide_password=True)
            try:
                found, known = database.revision(), database.head()
            finally:
                database.close()
            raise DatabaseError(
                f"database {where} is at revision {found!r}, newer than this release knows "
                f"({known!r}): run the newer cmr-search, or restore the database from the "
                "backup taken before it") from None
        except MigrationError as error:  # a start that ended in a traceback
            database.close()
            where = make_url(url).render_as_string(hide_password=True)
            raise DatabaseError(f"database {where}: {error}; nothing was changed") from None
        except SqlDatabaseError as error:  # unreachable, or a SQLite file that is no database
            database.close()  # its pool's connections were left to the garbage collector
            where = make_url(url).render_as_string(hide_password=True)
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            hint = "" if isinstance(error, OperationalError) else \
                " (damaged? restore it from a backup)"
            raise DatabaseError(f"database {where}: {reason}{hint}") from None
    return database


def _refuse_older(database: Database, url: str) -> None:
    """DatabaseError, in one line, when the database is at a revision this release's
    migrations know, older than the newest: a command other than `db upgrade` migrated it
    without a word."""
    from alembic.script import ScriptDirectory

    found = database.revision()
    script = ScriptDirectory.from_config(_alembic_config(database.engine))
    head = script.get_current_head()
    if found is None or found == head or found not in {r.revision for r in
                                                       script.walk_revisions()}:
        return  # new (made now), current, or newer (refused by the upgrade, as ever)
    database.close()
    where = make_url(url).render_as_string(hide_password=True)
    raise DatabaseError(f"database {where} is at revision {found}, older than this release's "
                        f"{head}: run `cmr-search db upgrade` (after a backup: README, "
                        "Upgrading) or start the server, which migrates it")


def revision_of(settings: Settings) -> str | None:
    """The configured database's revision before any migration; None when it has none yet or
    cannot be read (the migrating open then says why)."""
    try:
        database = database_of(settings, migrate=False)
    except DatabaseError:
        return None
    try:
        return database.revision()
    except SQLAlchemyError:
        return None
    finally:
        database.close()


def database_of(settings: Settings, migrate: bool = True, older: bool = True) -> Database:
    """The configured database (`database_url`), or SQLite under the data folder."""
    url = settings.database_url.get_secret_value() if settings.database_url else \
        sqlite_url(settings.layout.database)
    return open_database(url, migrate, older)
