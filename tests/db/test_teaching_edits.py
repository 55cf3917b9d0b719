"""Edits of a teaching file by two curators: a save over another's since the page was opened
is refused, a file renamed by the rules of create, its cases moved up and down, and messages
that name files and cases as their page does."""

from __future__ import annotations

import pytest

from db import Database, TeachingError, TeachingFiles
from db.teaching import TeachingConflictError


def _shared(database: Database) -> tuple[TeachingFiles, int, list[int]]:
    """cur1's file "LGE" of three cases, shared with cur2 to edit and with viewer to read."""
    files = TeachingFiles(database)
    lge = files.create("cur1", "LGE")
    for uid in ("1.1", "1.2", "1.3"):
        files.add(lge, "cur1", uid, "", "")
    files.share(lge, "cur1", "cur2", "edit")
    files.share(lge, "cur1", "viewer", "read")
    return files, lge, [c.id for c in files.cases(lge)]


def test_a_save_over_another_curators_since_the_page_was_opened_is_refused(
        database: Database) -> None:
    """Both opened the page at version 1 and both saves were taken: cur1's text was lost."""
    files, lge, [_, second, _] = _shared(database)
    opened = files.cases(lge)[1].version
    files.edit_case(lge, "cur2", second, "cur2's note", "lge", version=opened)
    with pytest.raises(TeachingConflictError, match=r"^Case 2 was changed by cur2 since you "
                       "opened it$") as refused:
        files.edit_case(lge, "cur1", second, "cur1's note", "mi", version=opened)
    assert refused.value.status == 409
    case = files.cases(lge)[1]
    assert (case.note, case.tags, case.version, case.edited_by) == (
        "cur2's note", ["lge"], opened + 1, "cur2")
    files.edit_case(lge, "cur1", second, "both", "lge, mi", version=case.version)
    assert files.cases(lge)[1].note == "both"
    files.edit_case(lge, "cur1", second, "no version: a script's", "")  # not checked


def test_a_case_edited_since_the_page_was_opened_is_not_removed(database: Database) -> None:
    files, lge, [first, _, _] = _shared(database)
    files.edit_case(lge, "cur2", first, "new finding", "", version=1)
    with pytest.raises(TeachingConflictError, match="Case 1 was changed by cur2"):
        files.remove(lge, "cur1", first, version=1)
    assert len(files.cases(lge)) == 3
    files.remove(lge, "cur1", first, version=2)
    assert len(files.cases(lge)) == 2


def test_cases_move_up_and_down_and_new_ones_go_last(database: Database) -> None:
    files, lge, [a, b, c] = _shared(database)
    assert files.move(lge, "cur2", c, "up") == ("1.3", 3, 2)
    assert [x.id for x in files.cases(lge)] == [a, c, b]
    assert files.move(lge, "cur1", a, "down")[1:] == (1, 2)
    assert [x.id for x in files.cases(lge)] == [c, a, b]
    with pytest.raises(TeachingError, match="case 1 is the first already"):
        files.move(lge, "cur1", c, "up")
    with pytest.raises(TeachingError, match="case 3 is the last already"):
        files.move(lge, "cur1", b, "down")
    with pytest.raises(TeachingError, match="'sideways': up or down"):
        files.move(lge, "cur1", b, "sideways")
    with pytest.raises(TeachingError, match="to read, not to edit"):
        files.move(lge, "viewer", b, "up")
    files.remove(lge, "cur1", a)
    files.add(lge, "cur1", "1.4", "", "")
    assert [x.study_instance_uid for x in files.cases(lge)] == ["1.3", "1.2", "1.4"]


def test_a_file_is_renamed_by_the_rules_of_create(database: Database) -> None:
    files, lge, _ = _shared(database)
    other = files.create("cur1", "Valves")
    files.create("cur2", "Scars")  # another owner's name is no matter
    assert files.rename(lge, "cur2", "  Scars   patterns ") == ("LGE", "Scars patterns")
    assert files.collection(lge, "cur1").name == "Scars patterns"  # type: ignore[union-attr]
    for name, why in (("   ", "1 to 120"), ("x" * 121, "1 to 120"),
                      ("bell\x07", "printable characters only"),
                      ("Valves", "^you have another teaching file named \u201cValves\u201d")):
        with pytest.raises(TeachingError, match=why):
            files.rename(lge, "cur1", name)
    with pytest.raises(TeachingError, match=r"^cur1 has another teaching file named"):
        files.rename(lge, "cur2", "Valves")
    with pytest.raises(TeachingError, match="to read, not to edit"):
        files.rename(lge, "viewer", "Mine")
    with pytest.raises(TeachingError, match="no teaching file"):
        files.rename(other, "cur2", "Mine")  # not shared with cur2: not told it exists
    assert files.rename(lge, "cur1", "Scars patterns") == ("Scars patterns",) * 2


def test_messages_name_the_file_and_the_case_as_the_page_does(database: Database) -> None:
    """"case 3 is not in teaching file 2" named a case and a file by ids the page never
    shows."""
    files, lge, [_, second, _] = _shared(database)
    with pytest.raises(TeachingError, match=r"^teaching file \u201cLGE\u201d: shared with you "
                       "to read, not to edit$"):
        files.edit_case(lge, "viewer", second, "", "")
    files.remove(lge, "cur1", second)
    with pytest.raises(TeachingError, match=r"^that case is not in teaching file \u201cLGE\u201d"):
        files.edit_case(lge, "cur1", second, "", "")
    with pytest.raises(TeachingError, match=r"^teaching file \u201cLGE\u201d is yours"):
        files.leave(lge, "cur1")


def test_of_two_saves_at_once_from_one_version_one_is_refused(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read version 1 before either wrote: the version is compared in the write itself,
    so the second is refused there (a check of the version read alone took both)."""
    files, lge, [first, _, _] = _shared(database)
    check = TeachingFiles._check_version
    raced: list[str] = []

    def cur2_saves_meanwhile(self: TeachingFiles, *args: object) -> None:
        check(self, *args)  # type: ignore[arg-type]
        if not raced:
            raced.append("cur2")
            files.edit_case(lge, "cur2", first, "cur2's note", "", version=1)

    monkeypatch.setattr(TeachingFiles, "_check_version", cur2_saves_meanwhile)
    with pytest.raises(TeachingConflictError, match="Case 1 was changed by cur2"):
        files.edit_case(lge, "cur1", first, "cur1's note", "", version=1)
    assert files.cases(lge)[0].note == "cur2's note"
