"""Teaching cases moved to their studies' pseudonyms when the index is rebuilt de-identified."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from db import Database, Repointed, TeachingFiles, open_database, repoint_cases
from db.teaching import MAX_NOTE, MAX_TAGS


def _pseudonym(uid: str) -> str:
    return f"2.25.{uid.replace('.', '')}"


def _index(held: set[str], asked: list[list[str]]) -> Callable[[list[str]], set[str]]:
    def indexed(uids: list[str]) -> set[str]:
        asked.append(list(uids))
        return held & set(uids)
    return indexed


def test_cases_move_to_the_pseudonyms_the_index_holds(database: Database) -> None:
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    other = files.create("bob", "Other")
    files.add(lge, "alice", "1.1", "Transmural", "lge, mi")
    files.add(lge, "alice", "1.2", "Subendocardial", "lge")
    files.add(lge, "alice", "9.9", "Gone for good", "")  # its pseudonym is not indexed either
    files.add(lge, "alice", "3.3", "Indexed as it is", "")
    files.add(other, "bob", "1.1", "Bob's", "x")
    before = {c.id: c for c in files.cases(lge) + files.cases(other)}
    asked: list[list[str]] = []
    held = {_pseudonym("1.1"), _pseudonym("1.2"), "3.3"}

    assert repoint_cases(files, _index(held, asked), _pseudonym) == Repointed(3, 0)

    assert [(c.study_instance_uid, c.note, c.tags) for c in files.cases(lge)] == [
        (_pseudonym("1.1"), "Transmural", ["lge", "mi"]),
        (_pseudonym("1.2"), "Subendocardial", ["lge"]),
        ("9.9", "Gone for good", []), ("3.3", "Indexed as it is", [])]
    after = {c.id: c for c in files.cases(lge) + files.cases(other)}
    assert after.keys() == before.keys()  # the same cases, ids and places
    assert all(after[i].added == before[i].added for i in after)
    assert [c.study_instance_uid for c in files.cases(other)] == [_pseudonym("1.1")]
    # each distinct UID asked once, in one batch; then the pseudonyms of those not indexed
    assert asked == [["1.1", "1.2", "3.3", "9.9"],
                     sorted(_pseudonym(u) for u in ("1.1", "1.2", "9.9"))]

    asked.clear()
    assert repoint_cases(files, _index(held, asked), _pseudonym) == Repointed()
    assert len(asked) == 2  # "9.9" is asked again, and stays


def test_nothing_moves_when_the_index_holds_every_case(database: Database) -> None:
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", "", "")

    def never(uid: str) -> str:
        raise AssertionError("no pseudonym is made for a study the index holds")

    assert repoint_cases(files, _index({"1.1"}, []), never) == Repointed()
    assert [c.study_instance_uid for c in files.cases(lge)] == ["1.1"]


def test_nothing_moves_from_an_empty_database(database: Database) -> None:
    asked: list[list[str]] = []
    assert repoint_cases(TeachingFiles(database), _index(set(), asked), _pseudonym) == \
        Repointed()
    assert asked == [[]]


@pytest.mark.parametrize("real_first", [True, False])
def test_a_study_added_again_after_the_rebuild_is_one_case(database: Database,
                                                           real_first: bool) -> None:
    """The curator added the rebuilt study again: the older case is kept (its id and place)
    with both notes, the older's first, and the tags of both."""
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "0.1", "First", "")
    first, second = ("1.1", _pseudonym("1.1")) if real_first else (_pseudonym("1.1"), "1.1")
    files.add(lge, "alice", first, "Older note" if real_first else "", "lge, mi")
    files.add(lge, "alice", second, "Newer note", "mi, rv")
    files.add(lge, "alice", "0.2", "Last", "")
    older = files.cases(lge)[1]

    moved = repoint_cases(files, _index({_pseudonym("1.1"), "0.1", "0.2"}, []), _pseudonym)

    assert moved == Repointed(1, 1)
    cases = files.cases(lge)
    assert [c.study_instance_uid for c in cases] == ["0.1", _pseudonym("1.1"), "0.2"]
    assert cases[1].id == older.id and cases[1].added == older.added
    assert cases[1].note == ("Older note\n\nNewer note" if real_first else "Newer note")
    assert cases[1].tags == ["lge", "mi", "rv"]
    assert repoint_cases(files, _index({_pseudonym("1.1"), "0.1", "0.2"}, []),
                         _pseudonym) == Repointed()


@pytest.mark.parametrize(("notes", "tags"), [
    (("x" * MAX_NOTE, "y"), ("", "")),  # both notes would pass what one case may hold
    (("", ""), (",".join(f"a{i:02}" for i in range(MAX_TAGS)), "b")),  # so would the tags
])
def test_two_cases_that_do_not_fit_one_are_both_left(database: Database,
                                                     notes: tuple[str, str],
                                                     tags: tuple[str, str]) -> None:
    """A merge never drops a curator's words: the pair stays as it is, counted as left."""
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", notes[0], tags[0])
    files.add(lge, "alice", _pseudonym("1.1"), notes[1], tags[1])
    before = files.cases(lge)
    index = _index({_pseudonym("1.1")}, [])
    assert repoint_cases(files, index, _pseudonym) == Repointed(0, 0, 1)
    assert files.cases(lge) == before
    assert repoint_cases(files, index, _pseudonym) == Repointed(0, 0, 1)  # each start alike


def test_a_failing_lookup_moves_nothing(database: Database) -> None:
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", "", "")
    calls: list[list[str]] = []

    def failing(uids: list[str]) -> set[str]:
        calls.append(uids)
        if len(calls) == 2:
            raise RuntimeError("the index does not answer")
        return set()

    with pytest.raises(RuntimeError):
        repoint_cases(files, failing, _pseudonym)
    assert [c.study_instance_uid for c in files.cases(lge)] == ["1.1"]


@pytest.fixture
def pg_database(postgres: Any) -> Iterator[Database]:
    """The product database on PostgreSQL only: SQLite has one write lock, and no deadlock."""
    with postgres.fresh_database() as url:
        database = open_database(url)
        yield database
        database.close()


def _waiting_for_a_lock(database: Database, deadline_s: float = 10.0) -> bool:
    """Whether another session of this database waits for a row lock (asked until one does)."""
    with database.engine.connect() as connection:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()")).scalar():
                return True
            connection.rollback()  # a new snapshot of pg_stat_activity
            time.sleep(0.02)
    return False


def _at_once(database: Database, first: Callable[[], Any], held_after: tuple[str, ...],
             second: Callable[[], Any]) -> dict[str, Any]:
    """The outcomes of `first` and `second` (a value, or the error's class and first line):
    `first` is held after its first statement starting with one of `held_after` until
    `second` waits for a lock, then both run to their end."""
    paused, go_on = threading.Event(), threading.Event()
    outcomes: dict[str, Any] = {}

    def hold(*args: Any) -> None:
        if threading.current_thread().name == "first" and not paused.is_set() and \
                args[2].startswith(held_after):
            paused.set()
            go_on.wait(20)

    def run(name: str, action: Callable[[], Any]) -> threading.Thread:
        def target() -> None:
            try:
                outcomes[name] = action()
            except Exception as error:  # noqa: BLE001 - the outcome is what is asserted
                outcomes[name] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        thread = threading.Thread(target=target, name=name)
        thread.start()
        return thread

    event.listen(database.engine, "after_cursor_execute", hold)
    try:
        threads = [run("first", first)]
        assert paused.wait(10)
        threads.append(run("second", second))
        assert _waiting_for_a_lock(database)
        go_on.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        go_on.set()
        event.remove(database.engine, "after_cursor_execute", hold)
    return outcomes


def test_a_move_and_a_delete_of_its_file_at_once_do_not_deadlock(
        pg_database: Database) -> None:
    """The move deleted the newer case of the two (the merge), then moved the older; the
    delete of the file took the file, then its cases in the table's order, the older first:
    each waited for the other, and PostgreSQL aborted one (DeadlockDetected: the delete
    answered 503). The move now takes the file first, as every write does: the delete waits
    for it, then deletes the moved case."""
    files = TeachingFiles(pg_database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", "Older", "lge")
    files.add(lge, "alice", _pseudonym("1.1"), "", "")  # added again from a search
    index = _index({_pseudonym("1.1")}, [])

    outcomes = _at_once(pg_database, lambda: repoint_cases(files, index, _pseudonym),
                        ("DELETE FROM teaching_cases", "UPDATE teaching_cases"),
                        lambda: files.delete(lge, "alice"))

    assert outcomes == {"first": Repointed(1, 1), "second": [_pseudonym("1.1")]}
    assert not files.exists(lge)


def test_a_move_waiting_for_a_file_being_deleted_moves_nothing_of_it(
        pg_database: Database) -> None:
    """The move read the cases the delete had taken, waited for them, then found them gone
    (StaleDataError: no case moved at that start); it now waits for the file and skips it."""
    files = TeachingFiles(pg_database)
    lge, kept = files.create("alice", "LGE"), files.create("alice", "Kept")
    files.add(lge, "alice", "1.1", "", "")
    files.add(kept, "alice", "1.1", "", "")
    index = _index({_pseudonym("1.1")}, [])

    outcomes = _at_once(pg_database, lambda: files.delete(lge, "alice"),
                        ("DELETE FROM teaching_shares",),
                        lambda: repoint_cases(files, index, _pseudonym))

    assert outcomes == {"first": ["1.1"], "second": Repointed(1)}
    assert [c.study_instance_uid for c in files.cases(kept)] == [_pseudonym("1.1")]


def test_a_case_removed_while_the_move_reads_it_is_not_moved(pg_database: Database) -> None:
    """A remove takes the case alone, not its file: the move read the case, waited for it,
    then found it gone (StaleDataError: nothing moved at that start); it now reads its cases
    locked, and moves the others."""
    files = TeachingFiles(pg_database)
    lge, kept = files.create("alice", "LGE"), files.create("alice", "Kept")
    files.add(lge, "alice", "1.1", "", "")
    files.add(kept, "alice", "1.1", "", "")
    index = _index({_pseudonym("1.1")}, [])

    outcomes = _at_once(pg_database, lambda: files.remove(lge, "alice", files.cases(lge)[0].id),
                        ("DELETE FROM teaching_cases",),
                        lambda: repoint_cases(files, index, _pseudonym))

    assert outcomes == {"first": "1.1", "second": Repointed(1)}
    assert files.cases(lge) == []
    assert [c.study_instance_uid for c in files.cases(kept)] == [_pseudonym("1.1")]


def test_a_note_edited_while_the_move_merges_it_is_kept(pg_database: Database) -> None:
    """An edit takes the case alone: the move merged the note it had read and wrote it over
    the one the curator had just saved; it now reads the case once the edit is done."""
    files = TeachingFiles(pg_database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", "Older", "lge")
    files.add(lge, "alice", _pseudonym("1.1"), "Added again", "")
    older = files.cases(lge)[0].id
    index = _index({_pseudonym("1.1")}, [])

    outcomes = _at_once(pg_database,
                        lambda: files.edit_case(lge, "alice", older, "Edited", "lge, mi"),
                        ("UPDATE teaching_cases",),
                        lambda: repoint_cases(files, index, _pseudonym))

    assert outcomes == {"first": "1.1", "second": Repointed(1, 1)}
    assert [(c.id, c.study_instance_uid, c.note, c.tags) for c in files.cases(lge)] == [
        (older, _pseudonym("1.1"), "Edited\n\nAdded again", ["lge", "mi"])]
