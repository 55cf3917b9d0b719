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
from db.teaching import MAX_TAGS, TeachingFiles

# ids per IN (...): SQLite builds before 3.32 allow 999 bound parameters a statement
_CHUNK = 500


@dataclass(frozen=True)
class Repointed:
    """What a re-pointing did: `cases` now under their pseudonym, `merged` of them folded into
    a case their file already held under it (one case each, not two)."""

    cases: int = 0
    merged: int = 0


def _chunks(items: list[str]) -> Iterable[list[str]]:
    return (items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK))


def _merged_tags(older: str, newer: str) -> str:
    """The older case's tags, then the newer's it lacks while a case may hold more."""
    kept = [t for t in older.split(",") if t]
    extra = [t for t in newer.split(",") if t and t not in kept]
    return ",".join(sorted(kept + extra[:max(0, MAX_TAGS - len(kept))]))


def _merge(session: Session, moved: CaseRow, there: CaseRow, pseudonym: str) -> CaseRow:
    """One case of the two a file holds for one study: the older (its id, its place, its note,
    the newer's when it has none; the tags of both); the other is deleted."""
    older, newer = sorted((moved, there), key=lambda r: (r.added, r.id))
    older.note = older.note or newer.note
    older.tags = _merged_tags(older.tags, newer.tags)
    session.delete(newer)
    # the delete goes first: a flush updates before it deletes, and the update would take
    # the (collection, study) the deleted case still holds
    session.flush()
    older.study_instance_uid = pseudonym
    return older


def _move(session: Session, moves: dict[str, str]) -> Repointed:
    rows: list[CaseRow] = []
    for chunk in _chunks(sorted(moves)):
        rows += session.scalars(select(CaseRow).where(CaseRow.study_instance_uid.in_(chunk)))
    held: dict[tuple[int, str], CaseRow] = {}
    for chunk in _chunks(sorted(set(moves.values()))):
        held.update(((r.collection_id, r.study_instance_uid), r) for r in session.scalars(
            select(CaseRow).where(CaseRow.study_instance_uid.in_(chunk))))
    merged = 0
    for row in sorted(rows, key=lambda r: (r.collection_id, r.added, r.id)):
        pseudonym = moves[row.study_instance_uid]
        there = held.get((row.collection_id, pseudonym))
        if there is None:
            row.study_instance_uid = pseudonym
            held[(row.collection_id, pseudonym)] = row
        else:
            held[(row.collection_id, pseudonym)] = _merge(session, row, there, pseudonym)
            merged += 1
    return Repointed(len(rows), merged)


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
