"""A teaching file's cases in an order its curators set, and a case's version: each case gets
a position (the cases there numbered in the order they were added, as the page listed them)
and a version counted up by each save of its note and tags, with who saved it, so that a
save from a page opened before another curator's save is refused instead of overwriting it
(both were answered "saved", and the first curator's note and tags were lost).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# each case's number in its file: the cases added before it, or with it and a lower id, and
# itself (SQLite and PostgreSQL alike)
NUMBERED = """
UPDATE teaching_cases SET position = (
    SELECT COUNT(*) FROM teaching_cases AS earlier
    WHERE earlier.collection_id = teaching_cases.collection_id
      AND (earlier.added < teaching_cases.added
           OR (earlier.added = teaching_cases.added AND earlier.id <= teaching_cases.id)))
"""


def upgrade() -> None:
    # plain ADD COLUMNs (no table rebuild: 0003's AUTOINCREMENT stays)
    with op.batch_alter_table("teaching_cases") as table:
        table.add_column(sa.Column("position", sa.Integer, nullable=False,
                                   server_default="0"))
        table.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        table.add_column(sa.Column("edited_by", sa.String(80)))
    op.execute(NUMBERED)


def downgrade() -> None:
    with op.batch_alter_table("teaching_cases") as table:
        table.drop_column("edited_by")
        table.drop_column("version")
        table.drop_column("position")
