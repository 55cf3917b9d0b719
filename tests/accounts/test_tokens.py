"""Personal API tokens on SQLite and PostgreSQL: shown once, hashed, revocable, expiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from accounts import PROVIDER_SIGN_IN_DAYS, AccountError, ApiTokens, Role, Users, Via
from db import Database
from db.tables import ApiToken, User


def test_a_token_acts_for_its_user_until_revoked(database: Database) -> None:
    Users(database).add("alice", Role.CLINICIAN)
    tokens = ApiTokens(database)
    info, token = tokens.create("alice", "nightly export", days=30)
    assert token.startswith("cmrs_" + info.token_id + "_")
    principal = tokens.principal(token)
    assert principal is not None and principal.name == "alice"
    assert principal.via is Via.API_TOKEN and principal.role is Role.CLINICIAN
    assert tokens.list("alice")[0].last_used is not None
    assert tokens.principal(token[:-1] + "x") is None
    with pytest.raises(AccountError, match="no token"):
        tokens.revoke(info.token_id, "bob")  # only one's own
    tokens.revoke(info.token_id, "alice")
    assert tokens.principal(token) is None and tokens.list()[0].revoked


def test_an_expired_token_is_refused(database: Database) -> None:
    Users(database).add("alice", Role.VIEWER)
    tokens = ApiTokens(database)
    _, token = tokens.create("alice", "old", days=1)
    with database.session() as session:
        session.execute(update(ApiToken).values(expires=datetime.now(UTC) - timedelta(1)))
    assert tokens.principal(token) is None
    assert tokens.list()[0].held == "expired"  # the lists showed it as live


def test_a_provider_accounts_token_lapses_when_it_stops_signing_in_there(
        database: Database) -> None:
    """A token of someone who left (switched off at the identity provider, never signing in
    here again) worked until it expired, with the role they had."""
    users = Users(database)
    users.from_provider("sub-1", "carol", Role.CLINICIAN, None)  # a sign-in at the provider
    tokens = ApiTokens(database, cache_seconds=0)
    _, token = tokens.create("carol", "nightly export", days=300)
    assert tokens.principal(token) is not None
    with database.session() as session:
        session.execute(update(User).values(
            last_sign_in=datetime.now(UTC) - timedelta(days=PROVIDER_SIGN_IN_DAYS + 1)))
    assert tokens.principal(token) is None
    assert [t.held for t in tokens.list("carol")] == ["waits for a provider sign-in"]
    users.from_provider("sub-1", "carol", Role.CLINICIAN, None)  # signs in again
    assert tokens.principal(token) is not None
    assert [t.held for t in tokens.list("carol")] == [""]
    with database.session() as session:  # and no new one is made dead
        session.execute(update(User).values(last_sign_in=None))
    with pytest.raises(AccountError, match="has not in 30 days"):
        tokens.create("carol", "another")
    users.add("dave", Role.VIEWER)  # a local account's token is not the provider's to end
    _, local = tokens.create("dave", "script", days=300)
    with database.session() as session:
        session.execute(update(User).values(last_sign_in=None))
    assert tokens.principal(local) is not None and tokens.principal(token) is None


@pytest.mark.parametrize(("name", "days", "message"), [
    ("", 30, "token name"), ("x", 0, "1 to 366 days"), ("x", 400, "1 to 366 days"),
    ("nightly\u202eexport", 30, "printable"), ("a\x1b[31mred", 30, "printable")])
def test_bad_tokens_are_refused(database: Database, name: str, days: int,
                                message: str) -> None:
    Users(database).add("alice", Role.VIEWER)
    with pytest.raises(AccountError, match=message):
        ApiTokens(database).create("alice", name, days)
    with pytest.raises(AccountError, match="no user"):
        ApiTokens(database).create("bob", "x")


def test_no_token_for_a_disabled_account_and_none_revoked_twice(database: Database) -> None:
    """A token made for a disabled account woke with it; a second revocation was a
    second change."""
    from accounts import AlreadyRevoked

    users, tokens = Users(database), ApiTokens(database)
    users.add("alice", Role.VIEWER)
    info, _ = tokens.create("Alice", "script")  # the name, its case aside
    assert info.user_name == "alice" and tokens.list("ALICE") == tokens.list("alice")
    users.set_disabled("alice", True)
    with pytest.raises(AccountError, match="'alice' is disabled"):
        tokens.create("alice", "another")
    assert tokens.list()[0].held == "account disabled"
    assert tokens.revoke(info.token_id).held == ""  # revoked says it all
    with pytest.raises(AlreadyRevoked, match="revoked before"):
        tokens.revoke(info.token_id)


def test_an_account_changed_in_this_process_holds_for_its_tokens_at_once(
        database: Database) -> None:
    """A token checked in the last 5 s kept its old role, or worked for its disabled account,
    until its cache entry lapsed."""
    tokens = ApiTokens(database)
    users = Users(database, changed=tokens.forget)
    users.add("carol", Role.CLINICIAN)
    _, token = tokens.create("carol", "script")
    assert tokens.principal(token).role is Role.CLINICIAN  # type: ignore[union-attr]
    users.set_role("carol", Role.VIEWER)
    assert tokens.principal(token).role is Role.VIEWER  # type: ignore[union-attr]
    users.set_disabled("carol", True)
    assert tokens.principal(token) is None
    users.set_disabled("carol", False)
    assert tokens.principal(token) is not None


def test_a_token_read_before_its_account_changed_is_not_kept_after_it(
        database: Database) -> None:
    """A request that checked a token just before an admin disabled its account stored what
    it read after the change had cleared the cache: the token worked 5 s more."""
    from contextlib import contextmanager

    tokens = ApiTokens(database)
    users = Users(database, changed=tokens.forget)
    users.add("carol", Role.CLINICIAN)
    _, token = tokens.create("carol", "script")
    armed = [True]

    @contextmanager
    def changed_while_read() -> Any:
        with database.session() as session:
            yield session
        if armed.pop() if armed else False:  # committed, and the caches told, meanwhile
            users.set_disabled("carol", True)

    tokens.database = type("Midway", (), {"session": staticmethod(changed_while_read)})()
    assert tokens.principal(token) is not None  # read before the change: in flight
    assert tokens.principal(token) is None


def test_a_refused_token_is_told_why_in_its_own_case(database: Database) -> None:
    """Every refusal said "unknown, revoked or expired (an identity provider's account's works
    while it signs in ...)", a local account's too; a wrong secret learns nothing more."""
    users = Users(database)
    users.add("alice", Role.VIEWER)
    users.from_provider("sub-1", "carol", Role.CLINICIAN, None)
    tokens = ApiTokens(database, cache_seconds=0)
    revoked_info, revoked = tokens.create("alice", "old")
    tokens.revoke(revoked_info.token_id)
    expired_info, expired = tokens.create("alice", "older", days=1)
    _, lapsed = tokens.create("carol", "export")
    with database.session() as session:
        session.execute(update(ApiToken).where(ApiToken.token_id == expired_info.token_id)
                        .values(expires=datetime(2026, 1, 2, tzinfo=UTC)))
        session.execute(update(User).where(User.name == "carol").values(last_sign_in=None))
    said = {case: tokens.refusal(token) for case, token in (
        ("revoked", revoked), ("expired", expired), ("lapsed", lapsed),
        ("guessed", revoked[:-2] + "xx"), ("unknown", "cmrs_ffff_secret"), ("odd", "cmrs_x"))}
    assert said["revoked"] == f"the API token {revoked_info.token_id} was revoked; make a new " \
        "one on your account page"
    assert said["expired"].endswith("expired on 2026-01-02; make a new one on your account page")
    assert "identity provider at least every 30 days" in said["lapsed"]
    assert said["guessed"] == f"the API token {revoked_info.token_id} is unknown: check that " \
        "it was copied whole"
    assert said["unknown"].startswith("the API token ffff is unknown")
    assert said["odd"].startswith("this is not a cmr-search API token")
    assert not any("identity provider" in said[k] for k in said if k != "lapsed")
    users.add("dave", Role.VIEWER)
    _, disabled = tokens.create("dave", "script")
    users.set_disabled("dave", True)
    assert tokens.refusal(disabled).endswith("belongs to a disabled account; ask an "
                                             "administrator")
