"""Accounts, API tokens, the audit trail and teaching files.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("oidc_subject", sa.String(300), unique=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created", _TIME, nullable=False),
        sa.Column("last_sign_in", _TIME))
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_id", sa.String(32), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created", _TIME, nullable=False),
        sa.Column("expires", _TIME, nullable=False),
        sa.Column("revoked", _TIME),
        sa.Column("last_used", _TIME))
    _audit()
    _teaching()


def _audit() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("time", sa.String(40), nullable=False, index=True),
        sa.Column("event_id", sa.String(16), nullable=False, index=True),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("action", sa.String(1), nullable=False),
        sa.Column("outcome", sa.Integer, nullable=False),
        sa.Column("user_name", sa.String(80), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("study_uids", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False))


def _teaching() -> None:
    op.create_table(
        "teaching_collections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False, index=True),
        sa.Column("created", _TIME, nullable=False),
        sa.UniqueConstraint("owner", "name"))
    op.create_table(
        "teaching_cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("collection_id", sa.Integer,
                  sa.ForeignKey("teaching_collections.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("study_instance_uid", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("added", _TIME, nullable=False),
        sa.UniqueConstraint("collection_id", "study_instance_uid"))
    op.create_table(
        "teaching_shares",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("collection_id", sa.Integer,
                  sa.ForeignKey("teaching_collections.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("grantee", sa.String(80), nullable=False),
        sa.Column("access", sa.String(8), nullable=False),
        sa.UniqueConstraint("collection_id", "grantee"))


def downgrade() -> None:
    for table in ("teaching_shares", "teaching_cases", "teaching_collections", "audit_head",
                  "audit_events", "api_tokens", "users"):
        op.drop_table(table)
