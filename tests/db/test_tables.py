"""The tables: an id deleted is never given to another row (SQLite gave the highest again)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

from db import Database, TeachingFiles
from db.tables import Base, User


def test_a_deleted_teaching_file_or_case_leaves_its_id_to_no_other(database: Database) -> None:
    """A bookmarked /teaching/<id>, or the trail's "teaching file 2" or "case 3", named the
    teaching file or case made after it was deleted."""
    files = TeachingFiles(database)
    first = files.create("alice", "Scars")
    second = files.create("alice", "Valves")
    for uid in ("1.1", "1.2", "1.3"):
        files.add(first, "alice", uid, "", "")
    newest = max(c.id for c in files.cases(first))
    files.remove(first, "alice", newest)
    files.add(first, "alice", "1.4", "", "")
    assert min(c.id for c in files.cases(first) if c.study_instance_uid == "1.4") > newest
    files.delete(second, "alice")
    assert files.create("alice", "Tumours") > second


def test_a_deleted_account_leaves_its_id_to_no_other(database: Database) -> None:
    """A session cookie names its account by id: an account made after one was deleted (by
    hand: the product disables, never deletes) took the id, and the cookie signed its holder
    in as the new account."""
    now = datetime.now(UTC)
    with database.session() as session:
        for name in ("alice", "bob"):
            session.add(User(name=name, role="viewer", created=now))
    with database.session() as session:
        bob = session.scalars(select(User.id).where(User.name == "bob")).one()
        session.execute(delete(User).where(User.id == bob))
    with database.session() as session:
        carol = User(name="carol", role="viewer", created=now)
        session.add(carol)
        session.flush()
        assert carol.id > bob


def test_the_tables_of_deleted_rows_named_by_id_say_autoincrement_on_sqlite() -> None:
    """What `tables.py` would make matches what migration 0003 makes."""
    made = {name: str(CreateTable(table).compile(dialect=sqlite.dialect()))
            for name, table in Base.metadata.tables.items()}
    assert {name for name, sql in made.items() if "AUTOINCREMENT" in sql} == {
        "users", "teaching_collections", "teaching_cases"}
