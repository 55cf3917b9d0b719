"""The order of a teaching file's cases: each has a position, set when it is added (after the
last) and changed by moving it up or down; the page and the handout number the cases in it
("Case 2"), and messages name a case so, not by its id (the page shows no ids)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.tables import Case as CaseRow
from db.teaching_text import TeachingError

# a file's cases in order: two at one position (an import adds without the file's lock) by
# when they were added
ORDER = (CaseRow.position, CaseRow.added, CaseRow.id)
DIRECTIONS = ("up", "down")


def next_position(collection_id: int) -> Any:
    """A new case's position, after the file's last (a subquery of the insert, run under the
    file's lock that an add takes)."""
    return (select(func.coalesce(func.max(CaseRow.position), 0) + 1)
            .where(CaseRow.collection_id == collection_id).scalar_subquery())


def case_number(session: Session, row: CaseRow) -> int:
    """The case's number on its file's page: 1 for the first."""
    before = session.scalar(select(func.count(CaseRow.id)).where(
        CaseRow.collection_id == row.collection_id,
        or_(CaseRow.position < row.position,
            (CaseRow.position == row.position) & (CaseRow.added < row.added),
            (CaseRow.position == row.position) & (CaseRow.added == row.added)
            & (CaseRow.id < row.id))))
    return int(before or 0) + 1


def case_label(session: Session, row: CaseRow) -> str:
    """"case 2", as its file's page numbers it."""
    return f"case {case_number(session, row)}"


def moved(session: Session, collection_id: int, case_id: int, direction: str) -> tuple[int, int]:
    """Move the case one place up or down (the caller locked the file): its number before and
    after. The file's positions are written 1..n afresh, so that ties an import left and gaps
    removals left go."""
    if direction not in DIRECTIONS:
        raise TeachingError(f"move {direction[:10]!r}: up or down")
    rows = list(session.scalars(select(CaseRow).where(CaseRow.collection_id == collection_id)
                                .order_by(*ORDER)))
    at = next(i for i, r in enumerate(rows) if r.id == case_id)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(rows):
        raise TeachingError(f"case {at + 1} is the {'first' if to < 0 else 'last'} already")
    rows[at], rows[to] = rows[to], rows[at]
    for position, row in enumerate(rows, 1):
        row.position = position
    return at + 1, to + 1
