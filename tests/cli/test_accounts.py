"""`cmr-search users`, `tokens`, `audit verify` and `audit export` from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path))
    return tmp_path


def test_users_tokens_and_the_audit_trail(env: Path) -> None:
    added = runner.invoke(app, ["users", "add", "alice", "--role", "admin"],
                          input="a long password\na long password\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["users", "list", "--json"])
    assert json.loads(listed.stdout)[0]["role"] == "admin"
    bad = runner.invoke(app, ["users", "add", "bob", "--role", "king", "--no-password"])
    assert bad.exit_code == 1 and "role 'king'" in bad.output
    token = runner.invoke(app, ["tokens", "create", "ALICE", "script"])
    assert token.exit_code == 0 and token.stdout.strip().startswith("cmrs_")
    assert "for alice" in token.output  # names are one whatever their case
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    out = env / "audit.jsonl"
    exported = runner.invoke(app, ["audit", "export", "--since", "2000-01-01", "--out",
                                   str(out)])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    # the actions the pages write: C for an account or token made (it was U for all)
    assert [(e["event_id"], e["action"]) for e in lines] == [
        ("110136", "C"), ("110137", "C"), ("110101", "R")]  # the last: verify read it
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert lines[2]["detail"] == {"how": "verify", "checked": 2}
    assert runner.invoke(app, ["audit", "export", "--since", "yesterday"]).exit_code == 1


def test_export_reads_any_iso_time_as_the_moment_it_names(env: Path) -> None:
    """Times were compared as text: "20261206" found nothing, a time with an offset the
    wrong entries; an --out folder that does not exist was a traceback."""
    from datetime import UTC, datetime, timedelta

    runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    now = datetime.now(UTC)
    before, after = now - timedelta(hours=1), now + timedelta(hours=1)
    for since, found in ((f"{before:%Y%m%d}", 1), (before.strftime("%Y-%m-%d %H:%M"), 1),
                         (before.astimezone(UTC).isoformat().replace("+00:00", "-05:00"), 0),
                         (after.isoformat(), 0),
                         ((before + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M+05:00"), 1)):
        exported = runner.invoke(app, ["audit", "export", "--since", since])
        assert exported.exit_code == 0, exported.output
        lines = [x for x in exported.stdout.splitlines() if x.startswith("{")]
        assert len([x for x in lines if '"110136"' in x]) == found, since
    missing = runner.invoke(app, ["audit", "export", "--since", "2000-01-01", "--out",
                                  str(env / "no" / "such" / "x.jsonl")])
    assert missing.exit_code == 1 and "No such file or directory" in missing.output
    assert "Traceback" not in missing.output


def test_export_refuses_a_range_that_holds_no_time(env: Path) -> None:
    """--since after --until exported nothing, said "0 entries since ..." and exited 0."""
    runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    for since, until, said in (
            ("2026-12-08", "2026-12-01", "--since 2026-12-08 is after --until 2026-12-01"),
            ("2026-12-08", "2026-12-08T00:00Z", "are the same moment (2026-12-08)")):
        refused = runner.invoke(app, ["audit", "export", "--since", since, "--until", until])
        assert refused.exit_code == 1 and said in refused.output, refused.output
        assert len(refused.output.strip().splitlines()) == 1
    # moments, not text: 10:00 at +05:00 is 05:00 UTC, before 06:00 UTC
    kept = runner.invoke(app, ["audit", "export", "--since", "2026-12-01T10:00+05:00",
                               "--until", "2026-12-01T06:00Z"])
    assert kept.exit_code == 0, kept.output
    assert "until 2026-12-01T06:00Z" in kept.output


def test_the_last_enabled_admin_is_kept(env: Path) -> None:
    """set-role and disable demoted or disabled the only admin without a word."""
    runner.invoke(app, ["users", "add", "alice", "--role", "admin", "--no-password"])
    for args in (["users", "set-role", "alice", "viewer"], ["users", "disable", "alice"]):
        refused = runner.invoke(app, args)
        assert refused.exit_code == 1, args
        assert "alice is the only enabled admin" in refused.output
        assert len(refused.output.strip().splitlines()) == 1
    runner.invoke(app, ["users", "add", "bob", "--role", "admin", "--no-password"])
    demoted = runner.invoke(app, ["users", "set-role", "alice", "viewer"])
    assert demoted.exit_code == 0 and "alice is now viewer" in demoted.output
    listed = {a["name"]: a["role"] for a in json.loads(
        runner.invoke(app, ["users", "list", "--json"]).stdout)}
    assert listed == {"alice": "viewer", "bob": "admin"}


def test_a_change_says_when_a_running_server_acts_on_it(env: Path) -> None:
    """"its sessions and tokens stop working" was said of a token that a running server (its
    own 5 s cache) took for 5 s more."""
    from accounts import OTHER_PROCESS_SECONDS

    within = f"within {OTHER_PROCESS_SECONDS:g} seconds on a running server"
    runner.invoke(app, ["users", "add", "carol", "--role", "clinician", "--no-password"])
    token_id = runner.invoke(app, ["tokens", "create", "carol", "script"]).output.split()[1]
    off = runner.invoke(app, ["users", "disable", "carol"])
    assert f"carol is disabled: its sessions and tokens stop working {within}" in off.output
    on = runner.invoke(app, ["users", "disable", "carol", "--enable"])
    assert f"its tokens work again {within}" in on.output
    assert within in runner.invoke(app, ["users", "set-role", "carol", "viewer"]).output
    revoked = runner.invoke(app, ["tokens", "revoke", token_id])
    assert f"is revoked: it stops working {within}" in revoked.output


def test_verify_fails_on_a_changed_trail(env: Path) -> None:
    import sqlite3

    runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    with sqlite3.connect(env / "db" / "cmr-search.sqlite3") as db:
        db.execute("UPDATE audit_events SET user_name = 'mallory'")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "entry 1: changed" in result.output


def test_verify_says_what_it_checked_and_finds_a_wiped_trail(env: Path) -> None:
    """Deleting every entry and the head passed as "intact"."""
    import sqlite3

    runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    intact = runner.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0 and "intact: 1 entries, 20" in intact.output
    with sqlite3.connect(env / "db" / "cmr-search.sqlite3") as db:
        db.execute("DELETE FROM audit_events")
        db.execute("DELETE FROM audit_head")
    wiped = runner.invoke(app, ["audit", "verify"])
    assert wiped.exit_code == 1
    assert "the trail is empty, yet 1 accounts exist: it was emptied" in wiped.output


def test_changes_say_what_they_did_and_a_second_revoke_changes_nothing(env: Path) -> None:
    """set-role, disable and revoke printed nothing; revoking twice was silent success and a
    second trail entry."""
    runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    role = runner.invoke(app, ["users", "set-role", "Bob", "curator"])
    assert role.exit_code == 0 and "bob is now curator" in role.output
    token = runner.invoke(app, ["tokens", "create", "bob", "script"]).output
    token_id = token.split()[1]
    off = runner.invoke(app, ["users", "disable", "bob"])
    assert off.exit_code == 0 and "bob is disabled" in off.output
    refused = runner.invoke(app, ["tokens", "create", "bob", "another"])
    assert refused.exit_code == 1 and "'bob' is disabled" in refused.output
    assert "enabled" in runner.invoke(app, ["users", "disable", "bob", "--enable"]).output
    first = runner.invoke(app, ["tokens", "revoke", token_id])
    assert first.exit_code == 0 and f"token {token_id} of bob is revoked" in first.output
    again = runner.invoke(app, ["tokens", "revoke", token_id])
    assert again.exit_code == 0 and "revoked before" in again.output
    exported = runner.invoke(app, ["audit", "export", "--since", "2000-01-01"]).stdout
    actions = [(e["event_id"], e["action"]) for e in map(json.loads, exported.splitlines())]
    assert actions == [("110136", "C"), ("110136", "U"), ("110137", "C"), ("110136", "U"),
                       ("110136", "U"), ("110137", "D")]


def test_a_new_password_ends_sessions_and_is_recorded(env: Path) -> None:
    """A leaked password could only be handled by disabling the account."""
    from accounts import ApiTokens, Users, Via
    from cmr_search.settings import Settings
    from db import database_of

    runner.invoke(app, ["users", "add", "bob", "--role", "viewer"],
                  input="an old password\nan old password\n")
    missing = runner.invoke(app, ["users", "set-password", "nobody"])
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output
    short = runner.invoke(app, ["users", "set-password", "bob"], input="short\nshort\n")
    assert short.exit_code == 1 and "at least" in short.output
    token = runner.invoke(app, ["tokens", "create", "bob", "script"]).stdout.strip()
    changed = runner.invoke(app, ["users", "set-password", "Bob"],
                            input="a brand new secret\na brand new secret\n")
    assert changed.exit_code == 0 and "bob has a new password" in changed.output
    assert "its 1 API tokens revoked" in changed.output
    users = Users(database_of(Settings()))
    assert users.authenticate("bob", "an old password") is None
    principal = users.authenticate("bob", "a brand new secret")
    assert principal is not None and principal.via is Via.SESSION
    exported = runner.invoke(app, ["audit", "export", "--since", "2000-01-01"]).stdout
    last = json.loads(exported.splitlines()[-1])
    assert last["detail"]["password"] == "changed" and len(last["detail"]["tokens_revoked"]) == 1
    assert ApiTokens(database_of(Settings())).principal(token) is None
    runner.invoke(app, ["users", "add", "carol", "--role", "viewer", "--no-password"])
    idp = runner.invoke(app, ["users", "set-password", "carol"])
    assert idp.exit_code == 1 and "identity provider" in idp.output
    assert "brand new" not in exported


def test_enabling_an_enabled_account_changes_nothing(env: Path) -> None:
    runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    same = runner.invoke(app, ["users", "disable", "bob", "--enable"])
    assert same.exit_code == 0 and "bob is already enabled" in same.output
    exported = runner.invoke(app, ["audit", "export", "--since", "2000-01-01"]).stdout
    assert len(exported.splitlines()) == 1  # the account's creation only


def test_the_trail_of_a_missing_database_is_refused_not_intact(env: Path) -> None:
    """A wrong data folder made an empty database and called its trail intact."""
    for args in (["audit", "verify"], ["audit", "export", "--since", "2000-01-01"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "no database at" in result.output, args
    assert not (env / "db" / "cmr-search.sqlite3").exists()


def test_an_edited_entry_is_exported_flagged_not_a_traceback(env: Path) -> None:
    import sqlite3

    runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    with sqlite3.connect(env / "db" / "cmr-search.sqlite3") as db:
        db.execute("UPDATE audit_events SET detail = '{broken'")
    assert "entry 1: changed" in runner.invoke(app, ["audit", "verify"]).output
    exported = runner.invoke(app, ["audit", "export", "--since", "2000-01-01"])
    assert exported.exit_code == 0 and "Traceback" not in exported.output
    assert json.loads(exported.stdout.splitlines()[0])["detail"] == {"unreadable": "{broken"}


def test_tokens_of_an_unknown_user_are_refused(env: Path) -> None:
    result = runner.invoke(app, ["tokens", "list", "--user", "nobody"])
    assert result.exit_code == 1 and "no user 'nobody'" in result.output


def test_without_a_terminal_the_password_is_the_first_line_of_standard_input(env: Path) -> None:
    """`docker compose exec -T ... users add` echoed Python's warning, then said "aborted"."""
    added = runner.invoke(app, ["users", "add", "carol", "--role", "viewer"],
                          input="a piped-in password\n")
    assert added.exit_code == 0, added.output
    assert "password" not in added.stdout.replace("added carol", "")
    empty = runner.invoke(app, ["users", "add", "dave", "--role", "viewer"], input="")
    assert empty.exit_code == 1
    assert "no password on standard input (no terminal to ask on)" in empty.output


def test_db_upgrade_says_whether_it_migrated(env: Path) -> None:
    """It said "sqlite database at revision 0002" whether or not it had migrated."""
    from sqlalchemy import text

    from db import sqlite_url
    from db.engine import open_database

    made = runner.invoke(app, ["db", "upgrade"])
    assert made.exit_code == 0 and "sqlite database created at revision 00" in made.output
    same = runner.invoke(app, ["db", "upgrade"])
    assert "already at the newest revision" in same.output
    database = open_database(sqlite_url(env / "db" / "cmr-search.sqlite3"), migrate=False)
    with database.engine.begin() as connection:  # as an earlier release left it
        connection.execute(text("ALTER TABLE users DROP COLUMN sessions_ended"))
        for column in ("position", "version", "edited_by"):  # 0004's
            connection.execute(text(f"ALTER TABLE teaching_cases DROP COLUMN {column}"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    database.close()
    migrated = runner.invoke(app, ["db", "upgrade"])
    assert "migrated from revision 0001 to 00" in migrated.output


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_commands_refuse_an_older_database_and_db_upgrade_migrates_it(
        env: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
        kind: str) -> None:
    """`users list` migrated a database of an earlier release without a word (README: the
    server's start or `db upgrade` migrate, and `db upgrade` says from which revision)."""
    from contextlib import ExitStack

    from db import open_database, sqlite_url

    with ExitStack() as stack:
        if kind == "sqlite":
            url = sqlite_url(env / "db" / "cmr-search.sqlite3")
        else:
            url = stack.enter_context(request.getfixturevalue("postgres").fresh_database())
            monkeypatch.setenv("CMR_SEARCH_DATABASE_URL", url)
        database = open_database(url, migrate=False)
        database.upgrade("0001")  # as an earlier release left it
        database.close()
        for argv in (["users", "list"], ["tokens", "list"], ["audit", "verify"],
                     ["users", "add", "bob", "--role", "viewer", "--no-password"]):
            refused = runner.invoke(app, argv)
            assert refused.exit_code == 1, (argv, refused.output)
            assert "is at revision 0001, older than this release's" in refused.output
            assert "run `cmr-search db upgrade`" in refused.output
            assert len(refused.output.strip().splitlines()) == 1
        database = open_database(url, migrate=False)
        assert database.revision() == "0001"  # untouched
        database.close()
        if kind == "sqlite":  # the commands leave their database open: the process ends
            migrated = runner.invoke(app, ["db", "upgrade"])
            assert "migrated from revision 0001 to 00" in migrated.output
            assert runner.invoke(app, ["users", "list"]).exit_code == 0


def test_a_new_database_is_still_made_by_the_first_command(env: Path) -> None:
    added = runner.invoke(app, ["users", "add", "bob", "--role", "viewer", "--no-password"])
    assert added.exit_code == 0, added.output


def test_a_token_for_a_disabled_account_names_the_command_that_enables_it(env: Path) -> None:
    runner.invoke(app, ["users", "add", "dora", "--role", "viewer", "--no-password"])
    runner.invoke(app, ["users", "disable", "dora"])
    refused = runner.invoke(app, ["tokens", "create", "Dora", "script"])
    assert refused.exit_code == 1
    assert "`cmr-search users disable dora --enable`" in refused.output
    enabled = runner.invoke(app, ["users", "disable", "dora", "--enable"])  # what it names
    assert enabled.exit_code == 0 and "dora is enabled" in enabled.output
    assert runner.invoke(app, ["tokens", "create", "dora", "script"]).exit_code == 0


def test_the_export_names_the_token_that_made_a_call(env: Path) -> None:
    """An account's scripts each with a token were one name in the trail: the export names
    the token's id (never its secret)."""
    from fakes.encoder import FakeEncoder
    from fakes.index import CASES, build
    from fastapi.testclient import TestClient

    from cmr_search.settings import Settings
    from search import SearchEngine
    from vectorstore import MemoryStore
    from web.app import create_app

    runner.invoke(app, ["users", "add", "carl", "--role", "viewer", "--no-password"])
    token = runner.invoke(app, ["tokens", "create", "carl", "script"]).stdout.strip()
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    web = TestClient(create_app(Settings(data_dir=env), engine=engine))
    assert web.get("/api/v1/studies/1.1",
                   headers={"Authorization": f"Bearer {token}"}).status_code == 200
    exported = runner.invoke(app, ["audit", "export", "--since", "2000-01-01"]).stdout
    viewed = [e for e in map(json.loads, exported.splitlines()) if e["event_id"] == "110103"]
    assert [e["detail"]["token_id"] for e in viewed] == [token.split("_")[1]]
    assert token.split("_", 2)[2] not in exported  # the secret may hold "_" (urlsafe)


def test_every_command_closes_the_databases_it_opened(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engines were never closed: a ResourceWarning on PostgreSQL, its connections left to
    the garbage collector. Closed when the command ends, a refused one too."""
    import db
    from db.engine import Database

    opened: list[Database] = []
    closed: set[int] = set()
    real_open, real_close = db.database_of, Database.close

    def counted_open(*args: object, **kwargs: object) -> Database:
        opened.append(real_open(*args, **kwargs))  # type: ignore[arg-type]
        return opened[-1]

    def counted_close(self: Database) -> None:
        closed.add(id(self))
        real_close(self)

    monkeypatch.setattr(db, "database_of", counted_open)
    monkeypatch.setattr(Database, "close", counted_close)
    for args in (["users", "add", "ann", "--role", "admin", "--no-password"],
                 ["users", "list"], ["users", "set-role", "ann", "curator"],
                 ["users", "set-role", "nobody", "viewer"], ["tokens", "create", "ann", "t"],
                 ["tokens", "list"], ["audit", "verify"],
                 ["audit", "export", "--since", "2000-01-01"], ["db", "upgrade"]):
        opened.clear()
        runner.invoke(app, args)
        # one for the command and its trail entry (it opened a second for the entry)
        assert len(opened) == 1 and id(opened[0]) in closed, args
