"""Teaching cases re-pointed to their studies' pseudonyms once the index they were made on is
rebuilt de-identified: under the real Study Instance UIDs they no longer opened their studies,
and the database kept real UIDs beside an index that was meant to hold none.

The database knows nothing of indexes or pseudonyms: the caller says which UIDs the index
holds and what a UID's pseudonym is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.tables import Case as CaseRow
from db.teaching import MAX_NOTE, MAX_TAGS, TeachingFiles
from db.teaching_room import CHUNK, lock_collections


@dataclass(frozen=True)
class Repointed:
    """What a re-pointing did: `cases` now under their pseudonym, `merged` of them folded into
    a case their file already held under it (one case each, not two), `left` not moved because
    the two cases' notes or tags together pass what one case may hold (both kept as they are).
    """

    cases: int = 0
    merged: int = 0
    left: int = 0


def _chunks(items: list[str], size: int = CHUNK) -> Iterable[list[str]]:
    return (items[i:i + size] for i in range(0, len(items), size))


def _joined(older: CaseRow, newer: CaseRow) -> tuple[str, str] | None:
    """The note and tags of one case holding both, or None where they pass what one case may
    hold: a merge never drops a curator's words."""
    notes = [n for n in dict.fromkeys((older.note, newer.note)) if n]
    note = "\n\n".join(notes)
    tags = sorted(dict.fromkeys(t for t in f"{older.tags},{newer.tags}".split(",") if t))
    if len(note) > MAX_NOTE or len(tags) > MAX_TAGS:
        return None
    return note, ",".join(tags)


def _merge(session: Session, moved: CaseRow, there: CaseRow, pseudonym: str) -> CaseRow | None:
    """One case of the two a file holds for one study: the older (its id, its place), with
    both notes (the older's first) and the tags of both; the other is deleted. None, and both
    left as they are, where the two do not fit one case."""
    older, newer = sorted((moved, there), key=lambda r: (r.added, r.id))
    joined = _joined(older, newer)
    if joined is None:
        return None
    older.note, older.tags = joined
    session.delete(newer)
    # the delete goes first: a flush updates before it deletes, and the update would take
    # the (collection, study) the deleted case still holds
    session.flush()
    older.study_instance_uid = pseudonym
    return older


def _locked_files(session: Session, uids: list[str]) -> list[int]:
    """The teaching files holding cases of `uids`, held until `session` ends: taken before any
    of their cases, as every write takes them (`db.teaching_room`). A merge deletes one case,
    then moves another; a delete of the file took the file, then its cases in the table's
    order: each waited for the other, and PostgreSQL aborted one (a deadlock)."""
    files: set[int] = set()
    for chunk in _chunks(uids):
        files.update(session.scalars(select(CaseRow.collection_id).distinct()
                                     .where(CaseRow.study_instance_uid.in_(chunk))))
    return sorted(lock_collections(session, files))


def _locked_cases(session: Session, files: list[int], uids: list[str]) -> list[CaseRow]:
    """The cases of `uids` in `files` (locked), each held until `session` ends (PostgreSQL;
    SQLite's write lock is held already): a remove or an edit of a case takes the case alone,
    and one between this read and the move failed the move (StaleDataError: nothing moved at
    that start) or was undone by it (the merged note written over the edited one). Cases of a
    file not locked (one that gained such a case since) are left to the next start."""
    rows: list[CaseRow] = []
    half = CHUNK // 2  # ids and UIDs in one statement: within SQLite's 999 parameters
    for some_files in (files[i:i + half] for i in range(0, len(files), half)):
        for chunk in _chunks(uids, half):
            rows += session.scalars(select(CaseRow).where(
                CaseRow.collection_id.in_(some_files), CaseRow.study_instance_uid.in_(chunk))
                .order_by(CaseRow.id).with_for_update())
    return rows


def _move(session: Session, moves: dict[str, str]) -> Repointed:
    files = _locked_files(session, sorted(moves))
    rows = _locked_cases(session, files, sorted(moves))
    held = {(r.collection_id, r.study_instance_uid): r
            for r in _locked_cases(session, files, sorted(set(moves.values())))}
    merged = left = 0
    for row in sorted(rows, key=lambda r: (r.collection_id, r.added, r.id)):
        pseudonym = moves[row.study_instance_uid]
        there = held.get((row.collection_id, pseudonym))
        if there is None:
            row.study_instance_uid = pseudonym
            held[(row.collection_id, pseudonym)] = row
        elif (kept := _merge(session, row, there, pseudonym)) is not None:
            held[(row.collection_id, pseudonym)] = kept
            merged += 1
        else:
            left += 1
    return Repointed(len(rows) - left, merged, left)


def repoint_cases(files: TeachingFiles, indexed: Callable[[list[str]], set[str]],
                  pseudonym: Callable[[str], str]) -> Repointed:
    """Each case whose study the index does not hold, but holds under `pseudonym(uid)`, moved
    to the pseudonym, keeping its id, note, tags and place; a case whose pseudonym the index
    lacks too stays as it is. `indexed(uids)`: those of `uids` the index holds (asked once for
    the cases' UIDs, once for the pseudonyms of those it lacks). Idempotent: once moved, a
    case's UID is in the index. One transaction: all moved, or none."""
    with files.database.session() as session:
        uids = sorted(set(session.scalars(select(CaseRow.study_instance_uid))))
        absent = sorted(set(uids) - indexed(uids))
        if not absent:
            return Repointed()
        named = {uid: pseudonym(uid) for uid in absent}
        found = indexed(sorted(set(named.values())))
        moves = {uid: p for uid, p in named.items() if p in found and p != uid}
        return _move(session, moves) if moves else Repointed()
