"""The database by URL: migrated to the newest revision on open; bad URLs are one-line errors
without the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmr_search.settings import Settings
from db import Database, DatabaseError, database_of, open_database


def test_open_migrates_to_the_newest_revision(database: Database) -> None:
    assert database.revision() == "0002"
    assert {"users", "api_tokens", "audit_events", "audit_head", "teaching_collections",
            "teaching_cases", "teaching_shares"} <= database.tables()
    database.upgrade()  # a second upgrade changes nothing
    assert database.revision() == "0002"


def test_the_default_is_sqlite_under_the_data_folder(tmp_path: Path) -> None:
    database = database_of(Settings(data_dir=tmp_path))
    assert database.dialect == "sqlite" and (tmp_path / "db" / "cmr-search.sqlite3").is_file()
    database.close()


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "not a SQLAlchemy URL"),
    ("mysql://u:p@host/db", "mysql is not supported"),
    ("postgresql+psycopg://u:hunter2@127.0.0.1:1/db", r"database postgresql\+psycopg://u:\*\*\*@"),
])
def test_bad_urls_are_one_line_errors(url: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message) as error:
        open_database(url)
    assert "hunter2" not in str(error.value) and "\n" not in str(error.value)
