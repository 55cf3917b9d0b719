"""The audit trail: hash-chained entries in DICOM audit vocabulary; verify finds a changed,
removed or reordered entry, and a removed tail. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading

from sqlalchemy import delete, select, update

from db import Action, AuditEvent, AuditTrail, Database, EventId, EventType, Outcome
from db.tables import AuditEntry


def _fill(trail: AuditTrail, n: int = 5) -> None:
    for i in range(n):
        trail.record(AuditEvent(EventId.QUERY, Action.EXECUTE, f"user{i % 2}", "viewer",
                                "10.0.0.1", study_uids=(f"1.{i}",), detail={"q": f"lge {i}"}))


def test_entries_chain_and_carry_the_dicom_codes(database: Database) -> None:
    trail = AuditTrail(database)
    _fill(trail, 3)
    trail.record(AuditEvent(EventId.USER_AUTHENTICATION, Action.EXECUTE, "alice",
                            event_type=EventType.LOGIN, outcome=Outcome.MINOR_FAILURE))
    entries = trail.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[0].event_id == "110112" and entries[0].detail == {"q": "lge 0"}
    assert entries[3].event_id == "110114" and entries[3].event_type == "110122"
    assert entries[3].outcome == 4
    assert trail.verify() == []


def test_filters_by_user_event_study_and_time(database: Database) -> None:
    trail = AuditTrail(database)
    _fill(trail, 4)
    assert [e.seq for e in trail.entries(user_name="user1")] == [2, 4]
    assert [e.seq for e in trail.entries(study_uid="1.2")] == [3]
    assert trail.entries(event_id=EventId.EXPORT.value) == []
    first = trail.entries()[0].time
    assert len(trail.entries(since=first)) == 4 and trail.entries(until=first) == []
    assert [e.seq for e in trail.entries(limit=2, newest_first=True)] == [4, 3]


def test_a_changed_entry_is_found(database: Database) -> None:
    trail = AuditTrail(database)
    _fill(trail)
    with database.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3)
                        .values(user_name="somebody else"))
    assert trail.verify() == ["entry 3: changed after it was written"]


def test_a_removed_entry_is_found(database: Database) -> None:
    trail = AuditTrail(database)
    _fill(trail)
    with database.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    problems = trail.verify()
    assert problems[0] == "entry 2: missing"
    assert "entry 3: does not follow the entry before it" in problems[1]


def test_reordered_entries_are_found(database: Database) -> None:
    trail = AuditTrail(database)
    _fill(trail)
    with database.session() as session:
        rows = {r.seq: r for r in session.scalars(select(AuditEntry))}
        a, b = rows[2], rows[4]
        fields = ("time", "user_name", "study_uids", "detail", "prev_hash", "hash")
        swapped = {f: (getattr(b, f), getattr(a, f)) for f in fields}
        for f, (to_a, to_b) in swapped.items():
            setattr(a, f, to_a)
            setattr(b, f, to_b)
    problems = trail.verify()
    assert any("entry 2" in p for p in problems) and any("entry 4" in p for p in problems)


def test_a_removed_tail_is_found(database: Database) -> None:
    trail = AuditTrail(database)
    _fill(trail)
    with database.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
    assert trail.verify() == ["the trail ends at entry 3, but entry 5 was written: the "
                              "newest entries were removed"]


def test_appends_from_many_threads_keep_one_chain(database: Database) -> None:
    trails = [AuditTrail(database) for _ in range(4)]  # as separate workers would

    def work(trail: AuditTrail) -> None:
        _fill(trail, 10)

    threads = [threading.Thread(target=work, args=(t,)) for t in trails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.seq for e in trails[0].entries()] == list(range(1, 41))
    assert trails[0].verify() == []
