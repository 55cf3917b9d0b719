"""Sessions ended on the server: sign-out, disabling an account and a new password end every
session signed in before (a saved cookie was good for its whole lifetime after sign-out).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("sessions_ended", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.drop_column("sessions_ended")
