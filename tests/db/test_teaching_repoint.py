"""Teaching cases moved to their studies' pseudonyms when the index is rebuilt de-identified."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from db import Database, Repointed, TeachingFiles, repoint_cases
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
