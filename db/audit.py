"""The audit trail: append-only and hash-chained, in the DICOM audit event vocabulary.

Each entry carries the hash of the one before, so `verify` finds an entry changed, removed or
moved. Event identifiers are DICOM PS3.15 Annex A.5 / IHE ATNA codes (scheme DCM).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from db.engine import Database
from db.tables import AuditEntry, AuditHead, User

GENESIS = "0" * 64
# how a sign-in refused unread (too many failures) begins its reason: not counted as a failure
THROTTLED = "throttled:"


class EventId(StrEnum):
    """DICOM audit EventID codes (DCM)."""

    AUDIT_LOG_USED = "110101"  # the trail itself read, exported or checked
    INSTANCES_ACCESSED = "110103"  # a study viewed
    EXPORT = "110106"  # a teaching-file handout
    IMPORT = "110107"  # a study uploaded
    QUERY = "110112"  # a search or a similar-case request
    USER_AUTHENTICATION = "110114"  # sign-in, sign-out
    SECURITY_ALERT = "110113"  # a refused request (role, CSRF, origin)
    SECURITY_ROLES_CHANGED = "110136"  # users and their roles
    USER_SECURITY_ATTRIBUTES_CHANGED = "110137"  # API tokens


class EventType(StrEnum):
    """DICOM audit EventTypeCode values used with the events above."""

    NONE = ""
    LOGIN = "110122"
    LOGOUT = "110123"


class Action(StrEnum):
    """EventActionCode: create, read, update, delete, execute."""

    CREATE = "C"
    READ = "R"
    UPDATE = "U"
    DELETE = "D"
    EXECUTE = "E"


class Outcome(IntEnum):
    """EventOutcomeIndicator."""

    SUCCESS = 0
    MINOR_FAILURE = 4
    SERIOUS_FAILURE = 8


@dataclass(frozen=True)
class AuditEvent:
    """What happened, who did it from where, and which studies it touched."""

    event_id: EventId
    action: Action
    user_name: str
    role: str = ""
    client: str = ""
    outcome: Outcome = Outcome.SUCCESS
    event_type: EventType = EventType.NONE
    study_uids: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    seq: int
    time: str
    event_id: str
    event_type: str
    action: str
    outcome: int
    user_name: str
    role: str
    client: str
    study_uids: list[str]
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _digest(row: dict[str, Any]) -> str:
    """The hash of an entry: its fields (not its own hash) as canonical JSON."""
    fields = {k: row[k] for k in ("seq", "time", "event_id", "event_type", "action", "outcome",
                                  "user_name", "role", "client", "study_uids", "detail",
                                  "prev_hash")}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _loaded(text: str, empty: Any) -> Any:
    """A stored JSON field; a row edited into bad JSON is kept as its raw text, flagged, so
    that export and the audit page still show the trail when it matters most (tampering)."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {"unreadable": str(text)} if isinstance(empty, dict) else [f"unreadable: {text}"]


def _entry(row: AuditEntry) -> Entry:
    return Entry(row.seq, row.time, row.event_id, row.event_type, row.action, row.outcome,
                 row.user_name, row.role, row.client, _loaded(row.study_uids, []),
                 _loaded(row.detail, {}), row.prev_hash, row.hash)


def _stored_fields(entry: AuditEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "time": entry.time, "event_id": entry.event_id,
            "event_type": entry.event_type, "action": entry.action, "outcome": entry.outcome,
            "user_name": entry.user_name, "role": entry.role, "client": entry.client,
            "study_uids": entry.study_uids, "detail": entry.detail,
            "prev_hash": entry.prev_hash}


def stored_time(value: str) -> str:
    """An ISO 8601 date or time as entries store theirs (UTC, microseconds), so that text
    order is time order; a time without an offset is UTC. ValueError for anything else
    ("20261206" and "2026-12-06T03:55-05:00" compared as text missed every entry or the
    wrong ones)."""
    when = datetime.fromisoformat(value.strip())
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.isoformat(timespec="microseconds")


class AuditTrail:
    """Appends to and reads the chain in one database. Appends are serialised: a lock in the
    process, the head row locked (PostgreSQL) or the write lock (SQLite) across processes."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()

    def record(self, event: AuditEvent) -> Entry:
        with self._lock:
            for attempt in range(20):
                try:
                    return self._append(event)
                except (IntegrityError, OperationalError):
                    if attempt == 19:
                        raise
            raise AssertionError("unreachable")

    def _append(self, event: AuditEvent) -> Entry:
        with self.database.session() as session:
            head = session.scalars(select(AuditHead).where(AuditHead.id == 1)
                                   .with_for_update()).first()
            if head is None:
                head = AuditHead(id=1, seq=0, hash=GENESIS)
                session.add(head)
            row = AuditEntry(
                seq=head.seq + 1, time=datetime.now(UTC).isoformat(timespec="microseconds"),
                event_id=event.event_id.value, event_type=event.event_type.value,
                action=event.action.value, outcome=int(event.outcome),
                user_name=event.user_name[:80], role=event.role[:16], client=event.client[:64],
                study_uids=json.dumps(list(event.study_uids)),
                detail=json.dumps(event.detail, sort_keys=True, ensure_ascii=True,
                                  default=str),
                prev_hash=head.hash, hash="")
            row.hash = _digest(_stored_fields(row))
            session.add(row)
            head.seq, head.hash = row.seq, row.hash
            session.flush()
            return _entry(row)

    def entries(self, since: str | None = None, until: str | None = None,
                user_name: str | None = None, event_id: str | None = None,
                study_uid: str | None = None, limit: int | None = None,
                newest_first: bool = False) -> list[Entry]:
        """Entries filtered by time (ISO 8601; `stored_time`: ValueError for another text),
        user, event, study. A filter with a control character matches nothing (no entry
        holds one, and PostgreSQL refuses a NUL in a query)."""
        if any(ord(c) < 32 for c in (user_name or "") + (event_id or "") + (study_uid or "")):
            return []
        query = select(AuditEntry)
        if since:
            query = query.where(AuditEntry.time >= stored_time(since))
        if until:
            query = query.where(AuditEntry.time < stored_time(until))
        if user_name:
            query = query.where(AuditEntry.user_name == user_name)
        if event_id:
            query = query.where(AuditEntry.event_id == event_id)
        if study_uid:
            query = query.where(AuditEntry.study_uids.contains(json.dumps(study_uid)))
        query = query.order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq)
        if limit is not None:
            query = query.limit(limit)
        with self.database.session() as session:
            return [_entry(row) for row in session.scalars(query)]

    def failed_sign_ins(self, client: str, user_name: str, window_s: float) -> tuple[int, int]:
        """Failed sign-ins in the last `window_s` seconds from `client`: of `user_name`
        since its last success from there, and of any name. Attempts refused unread (while
        throttled) are left out: counted, one request a minute kept an address (a whole
        hospital behind one proxy) locked out for ever."""
        since = (datetime.now(UTC) - timedelta(seconds=window_s)).isoformat(
            timespec="microseconds")
        query = select(AuditEntry.user_name, AuditEntry.outcome, AuditEntry.detail).where(
            AuditEntry.time >= since, AuditEntry.event_id == EventId.USER_AUTHENTICATION.value,
            AuditEntry.event_type == EventType.LOGIN.value, AuditEntry.client == client[:64]
        ).order_by(AuditEntry.seq)
        by_name = by_client = 0
        with self.database.session() as session:
            for name, outcome, detail in session.execute(query):
                read = _loaded(detail, {})
                # refused unread, or no password at all (the identity provider's callback:
                # 20 cross-site GETs of it locked an address out of password sign-in)
                if str(read.get("reason", "")).startswith(THROTTLED) or read.get("method"):
                    continue
                failed = outcome != Outcome.SUCCESS
                by_client += failed
                if name == user_name[:80]:
                    by_name = by_name + 1 if failed else 0
        return by_name, by_client

    def span(self) -> tuple[int, str | None, str | None]:
        """How many entries, and the times of the first and the last."""
        with self.database.session() as session:
            count, first, last = session.execute(select(
                func.count(), func.min(AuditEntry.time), func.max(AuditEntry.time))).one()
        return int(count), first, last

    def iter_all(self, batch: int = 1000) -> Iterator[AuditEntry]:
        after = 0
        while True:
            with self.database.session() as session:
                rows = list(session.scalars(select(AuditEntry).where(AuditEntry.seq > after)
                                            .order_by(AuditEntry.seq).limit(batch)))
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def verify(self) -> list[str]:
        """Every break in the chain, one line each; empty when the trail is intact."""
        problems: list[str] = []
        expected_seq, prev = 1, GENESIS
        for row in self.iter_all():
            if row.seq != expected_seq:
                problems.append(f"entry {expected_seq}"
                                + (f" to {row.seq - 1}" if row.seq - 1 > expected_seq else "")
                                + ": missing")
            if row.prev_hash != prev:
                problems.append(f"entry {row.seq}: does not follow the entry before it "
                                "(removed or reordered)")
            if _digest(_stored_fields(row)) != row.hash:
                problems.append(f"entry {row.seq}: changed after it was written")
            expected_seq, prev = row.seq + 1, row.hash
        with self.database.session() as session:
            head = session.get(AuditHead, 1)
            accounts = session.scalar(select(func.count()).select_from(User)) or 0
        if head is None and expected_seq == 1 and accounts:
            # every account was recorded when it was added: an empty trail was wiped (the
            # chain itself cannot tell, having no key)
            problems.append(f"the trail is empty, yet {accounts} accounts exist: it was "
                            "emptied")
        if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
            problems.append(f"the trail ends at entry {expected_seq - 1}, but entry {head.seq} "
                            "was written: the newest entries were removed")
        return problems
