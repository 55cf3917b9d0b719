"""The tables of the product's own database (the index lives in Qdrant, not here).

Times are UTC; the audit trail keeps its times as ISO 8601 text, so an entry hashes to the
same digest on SQLite and PostgreSQL.

Accounts, teaching files and cases are `sqlite_autoincrement`: SQLite without it gives a
deleted row's id (the highest) to the next row, and these ids live on outside their rows, in
bookmarked /teaching/<id> links, the trail ("teaching file 12", "case 40") and session
cookies (an account's). PostgreSQL's sequences never go back. Migration 0003 made the tables
of earlier releases so. (An API token is named by its token_id, never its id; nothing else
is deleted and named by its id.)
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAME = 80  # user names, token names


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out (SQLite forgets the zone; PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: give it a time zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    oidc_subject: Mapped[str | None] = mapped_column(String(300), unique=True, default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sign_in: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # sessions signed in before this are over (sign-out, disabling, a new password)
    sessions_ended: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(UtcDateTime)
    expires: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    last_used: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class AuditEntry(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[str] = mapped_column(String(40), index=True)
    event_id: Mapped[str] = mapped_column(String(16), index=True)
    event_type: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(1))
    outcome: Mapped[int] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(NAME), index=True)
    role: Mapped[str] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(String(64))
    study_uids: Mapped[str] = mapped_column(Text)  # JSON list
    detail: Mapped[str] = mapped_column(Text)  # JSON object
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry's number and hash, so a removed tail shows too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class Collection(Base):
    __tablename__ = "teaching_collections"
    __table_args__ = (UniqueConstraint("owner", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    owner: Mapped[str] = mapped_column(String(NAME), index=True)
    created: Mapped[datetime] = mapped_column(UtcDateTime)


class Case(Base):
    __tablename__ = "teaching_cases"
    __table_args__ = (UniqueConstraint("collection_id", "study_instance_uid"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("teaching_collections.id", ondelete="CASCADE"), index=True)
    study_instance_uid: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    added: Mapped[datetime] = mapped_column(UtcDateTime)
    # its place in the file, 1 first (migration 0004); moved up and down by its curators
    position: Mapped[int] = mapped_column(Integer, default=0)
    # counted up by each save of its note and tags: a form opened at an older one is stale
    version: Mapped[int] = mapped_column(Integer, default=1)
    edited_by: Mapped[str | None] = mapped_column(String(NAME), default=None)


class Share(Base):
    """Who else may read or edit a teaching file: a user name, or '*' for everyone."""

    __tablename__ = "teaching_shares"
    __table_args__ = (UniqueConstraint("collection_id", "grantee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("teaching_collections.id", ondelete="CASCADE"), index=True)
    grantee: Mapped[str] = mapped_column(String(NAME))
    access: Mapped[str] = mapped_column(String(8))  # read | edit
