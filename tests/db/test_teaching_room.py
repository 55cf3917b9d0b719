"""The last room in a teaching file goes to one add of two at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event

from db import Database, TeachingError, TeachingFiles, teaching


def test_of_two_adds_at_once_to_a_file_with_room_for_one_one_is_refused(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both counted 499 of 500 cases, found room, and both went in. Here the other add runs
    while the first has counted and not yet inserted: it runs to its end (before the fix:
    both added) or waits for the first (it then counts the first's case)."""
    monkeypatch.setattr(teaching, "MAX_CASES", 3)
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    for uid in ("1.1", "1.2"):
        files.add(lge, "alice", uid, "", "")
    outcomes: dict[str, str] = {}

    def add(uid: str) -> None:
        try:
            files.add(lge, "alice", uid, "", "")
            outcomes[uid] = "added"
        except TeachingError:
            outcomes[uid] = "refused"

    other = threading.Thread(target=add, args=("1.4",))

    def counted(*args: Any) -> None:
        if args[2].startswith("SELECT count(teaching_cases.id)") and not other.ident:
            other.start()
            other.join(timeout=1)  # the other add done, or waiting for this one

    event.listen(database.engine, "after_cursor_execute", counted)
    try:
        add("1.3")
        other.join(timeout=20)
    finally:
        event.remove(database.engine, "after_cursor_execute", counted)
    assert outcomes == {"1.3": "added", "1.4": "refused"}
    assert [c.study_instance_uid for c in files.cases(lge)] == ["1.1", "1.2", "1.3"]


def test_a_case_already_there_is_added_again_to_a_full_file(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(teaching, "MAX_CASES", 1)
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", "a note", "")
    assert not files.add(lge, "alice", "1.1", "another", "").new  # found, not refused
    with pytest.raises(TeachingError, match="holds 1 cases"):
        files.add(lge, "alice", "1.2", "", "")
    with pytest.raises(TeachingError, match="no teaching file"):
        files.add(lge + 1, "alice", "1.1", "", "")
    assert [c.note for c in files.cases(lge)] == ["a note"]


def test_an_add_to_a_file_being_deleted_finds_no_file_and_nothing_deadlocks(
        database: Database) -> None:
    """The delete took the cases, then the file; the add, the file, then the cases: on
    PostgreSQL each waited for the other (a deadlock, answered 503 'the database does not
    answer'). Both now take the file first, and the add finds it gone."""
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", "", "")
    paused, go_on = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def mid_delete(*args: Any) -> None:
        if args[2].startswith("DELETE FROM teaching_shares") and \
                threading.current_thread().name == "delete":
            paused.set()
            go_on.wait(5)

    def run(name: str, action: Any) -> threading.Thread:
        def target() -> None:
            try:
                action()
                outcomes[name] = "done"
            except Exception as error:  # noqa: BLE001 - the outcome is what is asserted
                outcomes[name] = type(error).__name__
        thread = threading.Thread(target=target, name=name)
        thread.start()
        return thread

    event.listen(database.engine, "before_cursor_execute", mid_delete)
    try:
        deleting = run("delete", lambda: files.delete(lge, "alice"))
        assert paused.wait(5)
        adding = run("add", lambda: files.add(lge, "alice", "1.1", "", ""))
        adding.join(timeout=1)  # waiting for the file the delete holds
        go_on.set()
        deleting.join(timeout=20)
        adding.join(timeout=20)
    finally:
        go_on.set()
        event.remove(database.engine, "before_cursor_execute", mid_delete)
    assert outcomes == {"delete": "done", "add": "TeachingNotFoundError"}
