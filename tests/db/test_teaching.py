"""Teaching files: each has an owner, who shares it to read or to edit."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from db import (
    Access,
    Database,
    TeachingAccessError,
    TeachingError,
    TeachingFiles,
    import_legacy,
    teaching,
)
from db.teaching import MAX_NOTE, TeachingNotFoundError


def test_owners_share_to_read_or_edit(database: Database) -> None:
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE patterns")
    assert files.create("alice", "  LGE   patterns ") == lge  # the same name is the same file
    files.add(lge, "alice", "1.1", "Transmural", "lge, MI")
    assert files.collection(lge, "bob") is None  # not shared: bob cannot even see it
    with pytest.raises(TeachingError, match="no teaching file"):
        files.add(lge, "bob", "1.2", "", "")
    files.share(lge, "alice", "bob", "read")
    assert files.collection(lge, "bob").access is Access.READ  # type: ignore[union-attr]
    with pytest.raises(TeachingError, match="to read, not to edit"):
        files.remove(lge, "bob", files.cases(lge)[0].id)
    files.share(lge, "alice", "*", "edit")  # everyone may edit
    files.add(lge, "carol", "1.2", "Subendocardial", "")
    assert [c.study_instance_uid for c in files.cases(lge)] == ["1.1", "1.2"]
    with pytest.raises(TeachingError, match="only its owner may share"):
        files.share(lge, "carol", "dave", "edit")
    assert [c.name for c in files.collections("carol")] == ["LGE patterns"]
    files.share(lge, "alice", "*", "none")
    assert files.collections("carol") == []
    assert files.cases(lge)[0].tags == ["lge", "mi"]


def test_bad_names_notes_and_tags_are_refused(database: Database) -> None:
    files = TeachingFiles(database)
    with pytest.raises(TeachingError, match="1 to 120"):
        files.create("alice", "   ")
    lge = files.create("alice", "x")
    with pytest.raises(TeachingError, match="at most 4000"):
        files.add(lge, "alice", "1.1", "n" * 4001, "")
    with pytest.raises(TeachingError, match="at most 40"):
        files.add(lge, "alice", "1.1", "", "t" * 41)
    with pytest.raises(TeachingError, match="read, edit or none"):
        files.share(lge, "alice", "bob", "own")
    assert files.collection(2**31 - 1, "alice") is None


def _legacy_file(folder: Path, rows: str) -> Path:
    """An earlier release's teaching-file SQLite database holding `rows` (SQL inserts)."""
    legacy = folder / "teaching.sqlite3"
    with closing(sqlite3.connect(legacy)) as db, db:
        db.executescript("""
            CREATE TABLE collections (id INTEGER PRIMARY KEY, name TEXT, created TEXT);
            CREATE TABLE cases (id INTEGER PRIMARY KEY, collection_id INTEGER,
                study_instance_uid TEXT, note TEXT, tags TEXT, added TEXT);""" + rows)
    return legacy


def test_teaching_files_of_earlier_releases_are_imported_once(database: Database,
                                                              tmp_path: Path) -> None:
    legacy = _legacy_file(tmp_path, """
            INSERT INTO collections VALUES (1, 'Scars', '2026-01-01');
            INSERT INTO cases VALUES (1, 1, '1.1', 'Transmural', 'lge,mi', '2026-01-02');""")
    files = TeachingFiles(database)
    assert import_legacy(files, legacy) == 1
    (scars,) = files.collections("anyone")  # shared with everyone, to edit
    assert scars.owner == "local" and scars.access is Access.EDIT
    assert [(c.study_instance_uid, c.tags) for c in files.cases(scars.id)] == [
        ("1.1", ["lge", "mi"])]
    assert import_legacy(files, legacy) == 0 and not legacy.exists()


def test_a_large_or_odd_legacy_file_does_not_stop_the_server(database: Database,
                                                             tmp_path: Path) -> None:
    """A legacy file of 501 cases raised at the 500-case limit on every start (the file was
    not renamed), and a case with a note today's rules refuse did too."""
    from db.teaching import MAX_CASES, MAX_NOTE

    legacy = _legacy_file(tmp_path, """
            INSERT INTO collections VALUES (1, 'Everything', '2026-01-01');
            INSERT INTO collections VALUES (2, NULL, '2026-01-01');""")
    with closing(sqlite3.connect(legacy)) as db, db:
        db.executemany("INSERT INTO cases VALUES (?, 1, ?, '', '', '2026-01-02')",
                       [(i, f"1.{i}") for i in range(1, MAX_CASES + 2)])
        db.execute("INSERT INTO cases VALUES (9999, 1, '2.1', ?, '', '2026-01-03')",
                   ("x" * (MAX_NOTE + 1),))
    files = TeachingFiles(database)
    assert import_legacy(files, legacy) == 2 and not legacy.exists()
    everything, unnamed = files.collections("anyone")
    assert unnamed.name == "Imported teaching file 2"
    assert len(files.cases(everything.id)) == MAX_CASES + 1
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database")
    assert import_legacy(files, broken) == 0


def test_a_case_added_again_keeps_its_note_and_a_missing_case_is_not_removed(
        database: Database) -> None:
    """Adding a study again with an empty note wiped the note, and with another note replaced
    it (a curator's text lost, the add said nothing); removing a case that was not there said
    "removed" (and the trail recorded it)."""
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    first = files.add(lge, "alice", "1.1", "classic case", "dcm, lge")
    assert first.new and (first.case.note, first.case.tags) == ("classic case", ["dcm", "lge"])
    for note, tags in (("", ""), ("dup", "other")):
        again = files.add(lge, "alice", "1.1", note, tags)
        assert not again.new and again.case == first.case  # found as it was, changed in nothing
    assert [(c.note, c.tags) for c in files.cases(lge)] == [("classic case", ["dcm", "lge"])]
    with pytest.raises(TeachingError, match="that case is not in teaching file \u201cLGE\u201d"):
        files.remove(lge, "alice", 99999)


@pytest.mark.parametrize("name", ["a\x00b", "bell\x07", "esc\x1b[31m", "rtl\u202eevil"])
def test_a_collection_name_is_printable(database: Database, name: str) -> None:
    with pytest.raises(TeachingError, match="printable characters only"):
        TeachingFiles(database).create("alice", name)


def test_a_share_is_withdrawn_whatever_the_case_it_was_written_in(database: Database) -> None:
    """A share stored as "BOB" (from before names were checked) stayed after "bob" was
    withdrawn, while the page said it was done."""
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.share(lge, "alice", "BOB", "read")
    files.share(lge, "alice", "bob", "none")
    assert files.collection(lge, "alice").shares == {}  # type: ignore[union-attr]


def test_a_teaching_file_holds_at_most_max_cases(database: Database,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing bounded a file's cases: 1,000 made a 182 MB handout."""
    monkeypatch.setattr(teaching, "MAX_CASES", 3)
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    for uid in ("1.1", "1.2", "1.3"):
        files.add(lge, "alice", uid, "", "")
    with pytest.raises(TeachingError, match="file \u201cLGE\u201d holds 3 cases, the most"):
        files.add(lge, "alice", "1.4", "", "")
    assert not files.add(lge, "alice", "1.2", "again", "").new  # one already there is fine
    assert [c.note for c in files.cases(lge)] == ["", "", ""]


def test_of_two_creates_at_once_one_made_it(database: Database,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Both looked, found none and recorded "created": the unique (owner, name) decides."""
    files = TeachingFiles(database)
    assert files.make("alice", "LGE") == (1, True)
    real = files.find
    # a look before the insert finds none (the winner's is not in yet), one after it finds it
    monkeypatch.setattr(files, "find", lambda owner, name: real(owner, name)
                        if sys.exc_info()[0] is not None else None)
    assert files.make("alice", " LGE ") == (1, False)
    assert files.make("bob", "LGE")[1] is True


def test_a_note_counts_a_line_break_once(database: Database) -> None:
    """A browser sends CRLF: 4,000 characters it accepted counted 4,010 and were refused."""
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    note = "\r\n".join(["x" * 390] * 10)  # ten lines: nine breaks, each two characters
    note = note + "z" * (MAX_NOTE - len(note.replace("\r\n", "\n")))
    files.add(lge, "alice", "1.1", note, "")
    [case] = files.cases(lge)
    assert len(case.note) == MAX_NOTE and "\r" not in case.note
    files.edit_case(lge, "alice", case.id, "a\rb\r\nc", "")
    assert files.cases(lge)[0].note == "a\nb\nc"
    with pytest.raises(TeachingError, match="at most 4000"):
        files.edit_case(lge, "alice", case.id, note + "!", "")


def test_an_administrator_moderates_any_file(database: Database) -> None:
    """An owner who left could not take a file down, and nobody else could either."""
    files = TeachingFiles(database)
    gone = files.create("alice", "Left behind")
    files.add(gone, "alice", "1.1", "", "")
    files.share(gone, "alice", "*", "read")
    assert files.collection(gone, "admin") is not None  # shared with everyone
    files.share(gone, "alice", "*", "none")
    assert files.collection(gone, "admin") is None and files.collections("admin") == []
    [seen] = files.collections("admin", moderator=True)
    assert seen.moderated and seen.owner == "alice" and seen.access is Access.READ
    files.share(gone, "alice", "bob", "edit")
    with pytest.raises(TeachingAccessError, match="only its owner may share") as refused:
        files.share(gone, "admin", "carol", "read", moderator=True)  # it only withdraws
    assert refused.value.status == 403
    files.share(gone, "admin", "bob", "none", moderator=True)
    assert files.collection(gone, "bob") is None  # bob's share is gone
    files.remove(gone, "admin", files.cases(gone)[0].id, moderator=True)
    assert files.delete(gone, "admin", moderator=True) == []
    assert not files.exists(gone)


def test_each_refusal_says_its_status(database: Database) -> None:
    """A missing file or case is 404 (an unknown 999 was 400), a file not shared 404 too
    (that it exists is not told), one shared to read 403."""
    files = TeachingFiles(database)
    lge = files.create("alice", "LGE")
    files.add(lge, "alice", "1.1", "", "")
    for call, status in ((lambda: files.add(999, "alice", "1.1", "", ""), 404),
                         (lambda: files.remove(lge, "alice", 9999), 404),
                         (lambda: files.edit_case(lge, "alice", 9999, "", ""), 404),
                         (lambda: files.remove(lge, "bob", 1), 404),
                         (lambda: files.add(lge, "alice", "1.2", "\x07", ""), 400)):
        with pytest.raises(TeachingError) as refused:
            call()
        assert refused.value.status == status, refused.value
    assert isinstance(_raised(lambda: files.add(999, "bob", "1", "", "")),
                      TeachingNotFoundError)
    files.share(lge, "alice", "bob", "read")
    error = _raised(lambda: files.remove(lge, "bob", 1))
    assert isinstance(error, TeachingAccessError) and error.status == 403


def _raised(call: Callable[[], object]) -> TeachingError:
    with pytest.raises(TeachingError) as refused:
        call()
    return refused.value
