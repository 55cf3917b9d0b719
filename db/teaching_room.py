"""A teaching file locked before its cases or shares are written, and its cases counted under
the lock: two adds to a file holding MAX_CASES - 1 both counted it, found room, and both went
in, one case past the most a file may hold.

Every write takes them in one order: the teaching files first, in ascending id, then their
cases and shares. The move of cases to pseudonyms (`db.teaching_repoint`) took cases without
their file: it held one case and waited for another that a delete of the file held, while the
delete waited for the first (PostgreSQL aborted one as a deadlock: the delete answered 503)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.tables import Case as CaseRow
from db.tables import Collection as CollectionRow

# ids per IN (...): SQLite builds before 3.32 allow 999 bound parameters a statement
CHUNK = 500


def lock_collection(session: Session, collection_id: int) -> bool:
    """Hold the teaching file until `session` ends, so that of two adds to it one counts and
    inserts, then the other (which counts the first's case).

    PostgreSQL: SELECT ... FOR NO KEY UPDATE; the other add waits at its own, and each
    statement of its then sees what the first committed (a share's foreign-key check does not
    wait: it takes KEY SHARE). SQLite ignores FOR UPDATE, and its one write lock
    is taken by a transaction's first write (the driver begins it there, the reads before were
    outside it): an update that changes nothing takes it now, and the other add's waits
    (busy_timeout) until this one commits.

    False when the file is gone by then (deleted while this waited for it)."""
    return bool(lock_collections(session, [collection_id]))


def lock_collections(session: Session, collection_ids: Iterable[int]) -> set[int]:
    """Hold these teaching files until `session` ends, taken in ascending id (PostgreSQL locks
    the rows of a SELECT ... ORDER BY ... FOR NO KEY UPDATE in the order it returns them), as
    `lock_collection` holds one; the ids of those still there."""
    ids = sorted(set(collection_ids))
    sqlite = session.get_bind().dialect.name == "sqlite"
    held: set[int] = set()
    for chunk in (ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)):
        query = select(CollectionRow.id).where(CollectionRow.id.in_(chunk)) \
            .order_by(CollectionRow.id)
        if sqlite:  # the write lock, taken by an update that changes nothing
            session.execute(update(CollectionRow).where(CollectionRow.id.in_(chunk))
                            .values(name=CollectionRow.name)
                            .execution_options(synchronize_session=False))
        else:
            query = query.with_for_update(key_share=True)
        held.update(session.scalars(query))
    return held


def is_full(session: Session, collection_id: int, uid: str, most: int) -> bool:
    """Whether the file holds `most` cases already and `uid` is not one of them (a case
    there may be added again); the caller locked the file first (`lock_collection`)."""
    held = session.scalar(select(func.count(CaseRow.id))
                          .where(CaseRow.collection_id == collection_id)) or 0
    return held >= most and session.scalar(select(CaseRow.id).where(
        CaseRow.collection_id == collection_id, CaseRow.study_instance_uid == uid)) is None
