"""A teaching file locked before its cases or shares are written, and its cases counted under
the lock: two adds to a file holding MAX_CASES - 1 both counted it, found room, and both went
in, one case past the most a file may hold."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.tables import Case as CaseRow
from db.tables import Collection as CollectionRow


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
    if session.get_bind().dialect.name == "sqlite":
        result = session.execute(update(CollectionRow).where(CollectionRow.id == collection_id)
                                 .values(name=CollectionRow.name)
                                 .execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0))
    return session.scalar(select(CollectionRow.id).where(CollectionRow.id == collection_id)
                          .with_for_update(key_share=True)) is not None


def is_full(session: Session, collection_id: int, uid: str, most: int) -> bool:
    """Whether the file holds `most` cases already and `uid` is not one of them (a case
    there may be added again); the caller locked the file first (`lock_collection`)."""
    held = session.scalar(select(func.count(CaseRow.id))
                          .where(CaseRow.collection_id == collection_id)) or 0
    return held >= most and session.scalar(select(CaseRow.id).where(
        CaseRow.collection_id == collection_id, CaseRow.study_instance_uid == uid)) is None
