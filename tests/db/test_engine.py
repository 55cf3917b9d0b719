"""The database by URL: migrated to the newest revision on open; bad URLs are one-line errors
without the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmr_search.settings import Settings
from db import Database, DatabaseError, database_of, open_database


def test_open_migrates_to_the_newest_revision(database: Database) -> None:
    assert database.revision() == database.head() == "0004"
    assert {"users", "api_tokens", "audit_events", "audit_head", "teaching_collections",
            "teaching_cases", "teaching_shares"} <= database.tables()
    database.upgrade()  # a second upgrade changes nothing
    assert database.revision() == "0004"


def test_the_default_is_sqlite_under_the_data_folder(tmp_path: Path) -> None:
    database = database_of(Settings(data_dir=tmp_path))
    assert database.dialect == "sqlite" and (tmp_path / "db" / "cmr-search.sqlite3").is_file()
    database.close()


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "not a SQLAlchemy URL"),
    ("mysql://u:p@host/db", "mysql is not supported"),
    ("postgresql+psycopg://u:hunter2@127.0.0.1:1/db", r"database postgresql\+psycopg://u:\*\*\*@"),
    # each was a traceback, or accepted and kept nothing
    ("postgresql+psycopg2://u:hunter2@127.0.0.1:1/db", "driver psycopg2 is not available"),
    ("postgresql+psycopg://u:hunter2@127.0.0.1:notaport/db", "the port a number"),
    ("sqlite://", "an in-memory SQLite database keeps nothing"),
    ("sqlite:///:memory:", "an in-memory SQLite database keeps nothing"),
])
def test_bad_urls_are_one_line_errors(url: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message) as error:
        open_database(url)
    assert "hunter2" not in str(error.value) and "\n" not in str(error.value)


def test_a_new_sqlite_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """Password and token hashes and the audit trail were world-readable (0644)."""
    import stat

    from db import sqlite_url

    path = tmp_path / "db" / "cmr-search.sqlite3"
    database = open_database(sqlite_url(path))
    database.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for sidecar in path.parent.glob("*-wal"):
        assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600


def test_a_damaged_sqlite_file_or_a_file_for_its_folder_is_one_line(tmp_path: Path) -> None:
    """`db upgrade`, `users list` and `serve` ended in a sqlalchemy traceback."""
    damaged = tmp_path / "db.sqlite3"
    damaged.write_text("x" * 5000)
    with pytest.raises(DatabaseError, match=r"file is not a database .*restore it from a backup"):
        open_database(f"sqlite:///{damaged}")
    (tmp_path / "folder").write_text("")
    with pytest.raises(DatabaseError, match=r"folder: not a folder$"):
        open_database(f"sqlite:///{tmp_path / 'folder' / 'db.sqlite3'}")


def test_an_earlier_releases_readable_file_is_made_private(tmp_path: Path) -> None:
    """A database an earlier release made 0644 stayed readable by every account."""
    import stat

    from db import sqlite_url

    path = tmp_path / "db" / "cmr-search.sqlite3"
    open_database(sqlite_url(path)).close()
    path.chmod(0o644)
    open_database(sqlite_url(path)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_database_of_a_newer_release_is_refused_in_one_line(tmp_path: Path) -> None:
    """A newer release's schema (a rollback) ended in a 300-line Alembic traceback."""
    from sqlalchemy import text

    from db import sqlite_url

    url = sqlite_url(tmp_path / "db" / "cmr-search.sqlite3")
    database = open_database(url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    database.close()
    with pytest.raises(DatabaseError, match=r"at revision '0099', newer than this release "
                                            r"knows \('\d{4}'\): run the newer cmr-search"):
        open_database(url)


def test_a_migration_that_refuses_a_database_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """0003 refusing a database it would damage ended the start in a traceback."""
    from db import engine

    def refuse(self: Database, revision: str = "head") -> None:
        raise engine.MigrationError("0003: rows now refer to rows that are not there")

    monkeypatch.setattr(Database, "upgrade", refuse)
    with pytest.raises(DatabaseError) as error:
        open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert str(error.value) == (f"database sqlite:///{tmp_path / 'db.sqlite3'}: 0003: rows now "
                                "refer to rows that are not there; nothing was changed")
