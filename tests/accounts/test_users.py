"""Accounts on SQLite and PostgreSQL: Argon2id passwords, roles, the provider's people."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from accounts import AccountError, PasswordError, Role, Users, Via
from db import Database


def test_local_accounts_sign_in_with_their_password(database: Database) -> None:
    users = Users(database)
    added = users.add("alice", Role.CURATOR, password="correct horse battery")
    assert added.local and not added.oidc and added.role is Role.CURATOR
    principal = users.authenticate("alice", "correct horse battery")
    assert principal is not None and principal.role is Role.CURATOR
    assert principal.via is Via.SESSION
    assert users.authenticate("alice", "wrong horse battery") is None
    assert users.authenticate("nobody", "correct horse battery") is None
    users.set_disabled("alice", True)
    assert users.authenticate("alice", "correct horse battery") is None
    assert users.principal(added.id, Via.SESSION) is None


def test_passwords_are_argon2_hashes_never_the_password(database: Database) -> None:
    from sqlalchemy import select

    from db.tables import User

    Users(database).add("bob", Role.VIEWER, password="a long enough secret")
    with database.session() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored is not None and stored.startswith("$argon2id$")
    assert "a long enough secret" not in stored


def test_bad_names_roles_and_passwords(database: Database) -> None:
    users = Users(database)
    with pytest.raises(AccountError, match="user name"):
        users.add("../x", Role.VIEWER)
    with pytest.raises(PasswordError, match="at least 12"):
        users.add("carol", Role.VIEWER, password="short")
    users.add("carol", Role.VIEWER)
    with pytest.raises(AccountError, match="exists"):
        users.add("carol", Role.ADMIN)
    with pytest.raises(AccountError, match="no user"):
        users.set_role("dave", Role.ADMIN)


def test_people_from_the_provider(database: Database) -> None:
    users = Users(database)
    first = users.from_provider("iss|1", "dr.who", None, Role.VIEWER)
    assert first is not None and first.role is Role.VIEWER and first.name == "dr.who"
    promoted = users.from_provider("iss|1", "dr.who", Role.CLINICIAN, Role.VIEWER)
    assert promoted is not None and promoted.role is Role.CLINICIAN
    # the provider decides: a role it stops naming is gone at the next sign-in or API call (an
    # admin stayed admin), and with no default the person is refused
    users.set_role("dr.who", Role.ADMIN)
    again = users.from_provider("iss|1", "dr.who", None, Role.VIEWER)
    assert again is not None and again.role is Role.VIEWER
    assert users.from_provider("iss|1", "dr.who", None, None) is None
    # roles given here: the token is not read, an admin's choice stands
    users.set_role("dr.who", Role.ADMIN)
    local = users.from_provider("iss|1", "dr.who", None, Role.VIEWER, from_token=False)
    assert local is not None and local.role is Role.ADMIN
    users.add("root", Role.ADMIN)  # the only enabled admin is not disabled
    users.set_disabled("dr.who", True)  # a disabled account: refused, its role untouched
    assert users.from_provider("iss|1", "dr.who", Role.VIEWER, None) is None
    assert users.get("dr.who").role is Role.ADMIN  # type: ignore[union-attr]
    other = users.from_provider("iss|2", "dr.who", None, Role.VIEWER)
    assert other is not None and other.name == "dr.who-2"  # names never collide
    assert users.from_provider("iss|3", "x", None, None) is None
    # accents are dropped, not each letter turned into "_"
    accented = users.from_provider("iss|4", "jürgen.müller@klinik.de", None, Role.VIEWER)
    assert accented is not None and accented.name == "jurgen.muller@klinik.de"
    danish = users.from_provider("iss|5", "Søren.Łukasz", None, Role.VIEWER)
    assert danish is not None and danish.name == "Soren.Lukasz"


def test_a_name_is_one_whatever_its_case(database: Database) -> None:
    """"Alice" beside "alice" made two accounts, and "Alice" could not sign in as alice."""
    from sqlalchemy import update

    from db.tables import User

    users = Users(database)
    users.add("alice", Role.CURATOR, password="correct horse battery")
    with pytest.raises(AccountError, match="compared without case"):
        users.add("ALICE", Role.ADMIN, password="correct horse battery")
    principal = users.authenticate("Alice", "correct horse battery")
    assert principal is not None and principal.name == "alice"
    assert users.set_role("ALICE", Role.VIEWER).name == "alice"
    # two accounts from before names were compared so: the exact one, never a guess
    users.add("bob", Role.VIEWER, password="correct horse battery")
    with database.session() as session:
        session.execute(update(User).where(User.name == "bob").values(name="ALICE"))
    legacy = users.get("ALICE")
    assert legacy is not None and legacy.role is Role.VIEWER
    assert users.get("aLiCe") is None
    added = users.from_provider("iss|1", "Alice", Role.VIEWER, None)
    assert added is not None and added.name == "Alice-2"


def test_the_open_servers_user_is_no_account_name(database: Database) -> None:
    """An account named "local" read what the open loopback server's user had made."""
    users = Users(database)
    for name in ("local", "LOCAL"):
        with pytest.raises(AccountError, match="the open loopback server's user"):
            users.add(name, Role.VIEWER)
    users.add("alice", Role.VIEWER)
    with pytest.raises(AccountError, match="user 'alice' exists"):
        users.check_new("Alice")  # before the CLI asks for a password twice


def test_a_name_with_a_control_character_names_nobody(database: Database) -> None:
    """PostgreSQL refuses a NUL in a query: the admin pages answered 500."""
    users = Users(database)
    users.add("viewer", Role.VIEWER)
    assert users.get("vi\x00ewer") is None and users.get("viewer\n") is None
    with pytest.raises(AccountError, match="no user"):
        users.set_role("vi\x00ewer", Role.ADMIN)


def test_audit_filters_with_a_control_character_match_nothing(database: Database) -> None:
    from db import AuditTrail

    trail = AuditTrail(database)
    assert trail.entries(user_name="a\x00") == [] == trail.entries(study_uid="1.2\x00")


def test_the_last_enabled_admin_is_neither_demoted_nor_disabled(database: Database) -> None:
    """`users set-role alice viewer` and `users disable alice` left no admin, without a word."""
    users = Users(database)
    users.add("alice", Role.ADMIN)
    users.add("bob", Role.VIEWER)
    last = "alice is the only enabled admin (nobody would be left to manage accounts)"
    with pytest.raises(AccountError, match=re.escape(last)):
        users.set_role("alice", Role.CURATOR)
    with pytest.raises(AccountError, match=re.escape(last)):
        users.set_disabled("ALICE", True)
    alice = users.get("alice")
    assert alice is not None and alice.role is Role.ADMIN and not alice.disabled
    users.set_role("bob", Role.CURATOR)  # other accounts change as before
    users.set_role("alice", Role.ADMIN)  # an admin made admin again: no change of count
    users.add("carol", Role.ADMIN)
    users.set_disabled("carol", True)  # a disabled admin manages nothing: it does not count
    with pytest.raises(AccountError, match=re.escape(last)):
        users.set_role("alice", Role.VIEWER)
    users.set_disabled("carol", False)
    assert users.set_role("alice", Role.VIEWER).role is Role.VIEWER  # carol is left
    with pytest.raises(AccountError, match="carol is the only enabled admin"):
        users.set_disabled("carol", True)


def test_two_admins_demoting_each_other_at_once_leave_one(database: Database) -> None:
    """On SQLite each change counted two enabled admins before either wrote (FOR UPDATE is
    PostgreSQL's alone), and both went in: no admin was left."""
    import threading

    from sqlalchemy import event

    users = Users(database)
    users.add("alice", Role.ADMIN)
    users.add("bob", Role.ADMIN)
    said: list[str] = []

    def demote_bob() -> None:
        try:
            users.set_role("bob", Role.VIEWER)
            said.append("bob demoted")
        except AccountError as error:
            said.append(str(error))

    other = threading.Thread(target=demote_bob)
    main = threading.current_thread()

    def counted(conn: object, cursor: object, statement: str, *args: object) -> None:
        # alice's change has counted the enabled admins (their ids alone, not an account
        # read whole): bob's runs now, to its end or until it waits for alice's
        if threading.current_thread() is main and not other.is_alive() and not said \
                and re.match(r"SELECT users\.id\s+FROM users", statement):
            other.start()
            other.join(1.0)

    event.listen(database.engine, "after_cursor_execute", counted)
    try:
        users.set_role("alice", Role.VIEWER)
    finally:
        event.remove(database.engine, "after_cursor_execute", counted)
    other.join(20)
    assert said == ["bob is the only enabled admin (nobody would be left to manage accounts): "
                    "make another account admin first"]  # it waited, and counted one
    assert {a.name: a.role for a in users.all()} == {"alice": Role.VIEWER, "bob": Role.ADMIN}


class _ChangedWhileRead:
    """The database, with an account changed (committed, and the caches told) right after a
    lookup read it and before the lookup keeps what it read, once."""

    def __init__(self, database: Database, change: Any) -> None:
        self.database, self.change, self.armed = database, change, True

    @contextmanager
    def session(self) -> Iterator[Any]:
        with self.database.session() as session:
            yield session
        if self.armed:
            self.armed = False
            self.change()


def test_a_session_read_before_a_change_is_not_kept_after_it(database: Database) -> None:
    """A request that read an account just before an admin demoted it stored the old role
    after the change had cleared the cache: the demoted person kept it 5 s more."""
    users = Users(database)
    carol = users.add("carol", Role.CLINICIAN)
    users.database = _ChangedWhileRead(  # type: ignore[assignment]
        database, lambda: users.set_role("carol", Role.VIEWER))  # an admin's, meanwhile
    assert users.principal(carol.id, Via.SESSION).role is Role.CLINICIAN  # type: ignore[union-attr]
    assert users.principal(carol.id, Via.SESSION).role is Role.VIEWER  # type: ignore[union-attr]
