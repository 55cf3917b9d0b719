"""`cmr-search users ...`, `tokens ...`, `audit ...` and `db upgrade`: accounts, personal API
tokens, the audit trail and the database schema, from the terminal."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import console, fail, settings_of

users_app = typer.Typer(help="Local accounts and roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
db_app = typer.Typer(help="The database of accounts, tokens, audit and teaching files.",
                     no_args_is_help=True)


def _database(ctx: typer.Context, older: bool = False) -> Any:
    """The database, made when there is none; one an earlier release made is refused in one
    line (it was migrated without a word: only `db upgrade` and the server's start do).
    Opened once per command (its trail entry shares it) and closed when the command ends,
    failed or not: its engine was never closed (a ResourceWarning on PostgreSQL)."""
    from db import DatabaseError, database_of

    key = f"cmr_search.database.{older}"
    if (opened := ctx.meta.get(key)) is not None:
        return opened
    try:
        database = database_of(settings_of(ctx), older=older)
    except DatabaseError as error:
        fail(str(error))

    def close() -> None:
        ctx.meta.pop(key, None)
        database.close()

    ctx.meta[key] = database
    ctx.call_on_close(close)
    return database


def _trail_database(ctx: typer.Context) -> Any:
    """The database whose trail is read: one that does not exist yet is refused (a wrong
    CMR_SEARCH_DATA_DIR made an empty one and called its trail intact)."""
    settings = settings_of(ctx)
    if settings.database_url is None and not settings.layout.database.is_file():
        fail(f"no database at {settings.layout.database}: is CMR_SEARCH_DATA_DIR (or "
             "CMR_SEARCH_DATABASE_URL) the server's?")
    return _database(ctx)


def _record(ctx: typer.Context, event: str, action: str, **detail: Any) -> None:
    """An entry for what was done from the terminal (user: the OS account): `event` names an
    EventId (db is imported here, not when the command line starts), `action` the code the
    pages use (C add, R read, U change, D revoke)."""
    import getpass

    from db import Action, AuditEvent, AuditTrail, EventId

    AuditTrail(_database(ctx)).record(AuditEvent(
        EventId[event], Action(action), f"cli:{getpass.getuser()}", "admin", "localhost",
        detail={k: v for k, v in detail.items() if v is not None}))


def _audit(ctx: typer.Context, what: str, action: str, **detail: Any) -> None:
    """A change to a user (Security Roles Changed) or a token (User Security Attributes)."""
    _record(ctx, "SECURITY_ROLES_CHANGED" if what == "user"
            else "USER_SECURITY_ATTRIBUTES_CHANGED", action, **detail)


def _within() -> str:
    """When a running server acts on a change made here: it is another process, and believes
    what it last read of an account or token for a few seconds ("its tokens stop working"
    was said of a token that worked 5 s more)."""
    from accounts import OTHER_PROCESS_SECONDS

    return f"within {OTHER_PROCESS_SECONDS:g} seconds on a running server"


def _used(ctx: typer.Context, how: str, **detail: Any) -> None:
    """The trail read from the terminal: Audit Log Used."""
    _record(ctx, "AUDIT_LOG_USED", "R", how=how, **detail)


@users_app.command("add")
def add_user(ctx: typer.Context, name: str,
             role: Annotated[str, typer.Option(help="viewer, clinician, curator or admin")],
             password: Annotated[bool, typer.Option(help="ask for a password (a local "
                                                    "account); --no-password: identity "
                                                    "provider only")] = True) -> None:
    """Add an account (asks for its password twice)."""
    from accounts import AccountError, PasswordError, Users, parse_role

    users = Users(_database(ctx))
    try:  # the name and role first: a typo was found after the password, typed twice
        users.check_new(name)
        parse_role(role)
    except AccountError as error:
        fail(str(error))
    secret = _password("password") if password else None
    try:
        users.add(name, parse_role(role), secret)
    except (AccountError, PasswordError) as error:
        fail(str(error))
    _audit(ctx, "user", "C", user=name, role=role)
    console.print(f"added {name} ({role})")


def _password(prompt: str) -> str:
    """Asked twice on a terminal; without one (a script, `docker compose exec -T`), the first
    line of standard input: the prompt there echoed the password, then said only "aborted"."""
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail(f"no {prompt} on standard input (no terminal to ask on): pipe it in, one line")
    return line


@users_app.command("set-password")
def set_password(ctx: typer.Context, name: str) -> None:
    """Give a local account a new password (asked twice); its sessions end and its API
    tokens are revoked (a leaked password may have made some)."""
    from accounts import AccountError, ApiTokens, PasswordError, Users

    database = _database(ctx)
    users = Users(database)
    found = users.get(name)
    if found is None:  # before the password is typed twice
        fail(f"no user {name!r}")
    if not found.local:  # a local password would outlive the identity provider's say
        fail(f"{found.name} signs in with the identity provider: its password is set there")
    secret = _password("new password")
    try:
        account = users.set_password(found.name, secret)
    except (AccountError, PasswordError) as error:
        fail(str(error))
    revoked = ApiTokens(database).revoke_all(account.name)
    _audit(ctx, "user", "U", user=account.name, password="changed", tokens_revoked=revoked)
    console.print(f"{account.name} has a new password; its sessions are ended and its "
                  f"{len(revoked)} API tokens revoked ({_within()})", highlight=False,
                  soft_wrap=True)


@users_app.command("list")
def list_users(ctx: typer.Context,
               as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every account, its role and how it signs in."""
    from dataclasses import asdict

    from accounts import Users

    accounts = Users(_database(ctx)).all()
    if as_json:
        typer.echo(json.dumps([asdict(a) for a in accounts]))
        return
    for a in accounts:
        how = ", ".join(x for x, on in (("password", a.local), ("oidc", a.oidc)) if on)
        typer.echo(f"{a.name:24} {a.role:10} {how or '-':16} "
                   f"{'disabled' if a.disabled else 'active'}")


@users_app.command("set-role")
def set_role(ctx: typer.Context, name: str, role: str) -> None:
    """Change an account's role."""
    from accounts import AccountError, Users, parse_role

    try:
        account = Users(_database(ctx)).set_role(name, parse_role(role))
    except AccountError as error:
        fail(str(error))
    _audit(ctx, "user", "U", user=account.name, role=role)
    console.print(f"{account.name} is now {account.role.value} ({_within()})",
                  highlight=False, soft_wrap=True)


@users_app.command("disable")
def disable(ctx: typer.Context, name: str,
            enable: Annotated[bool, typer.Option("--enable", help="enable again")] = False
            ) -> None:
    """Disable an account (its sessions and tokens stop working within seconds)."""
    from accounts import AccountError, Users

    try:
        account, done = Users(_database(ctx)).set_disabled(name, not enable)
    except AccountError as error:
        fail(str(error))
    if not done:
        console.print(f"{account.name} is already {'enabled' if enable else 'disabled'}",
                      highlight=False)
        return
    _audit(ctx, "user", "U", user=account.name, disabled=not enable)
    state = "enabled: it signs in again and its tokens work again" if enable else \
        "disabled: its sessions and tokens stop working"
    console.print(f"{account.name} is {state} {_within()}", highlight=False, soft_wrap=True)


@tokens_app.command("create")
def create_token(ctx: typer.Context, user: str, name: str,
                 days: Annotated[int, typer.Option(min=1, max=366)] = 90) -> None:
    """A personal API token for USER, printed once (stdout)."""
    from accounts import AccountError, ApiTokens, Users

    database = _database(ctx)
    found = Users(database).get(user)
    if found is not None and found.disabled:  # the library's line names no command
        fail(f"user {found.name!r} is disabled: enable the account first (`cmr-search users "
             f"disable {found.name} --enable`), then make it a token")
    try:
        info, token = ApiTokens(database).create(user, name, days)
    except AccountError as error:
        fail(str(error))
    _audit(ctx, "token", "C", user=info.user_name, token=info.token_id, expires=info.expires)
    console.print(f"token {info.token_id} for {info.user_name}, expires {info.expires[:10]}; "
                  "shown once:")
    typer.echo(token)


@tokens_app.command("revoke")
def revoke_token(ctx: typer.Context, token_id: str) -> None:
    """Revoke a token by its id."""
    from accounts import AccountError, AlreadyRevoked, ApiTokens

    try:
        info = ApiTokens(_database(ctx)).revoke(token_id)
    except AlreadyRevoked as error:  # off, as asked: a script run twice succeeds
        console.print(f"{error}; nothing changed", highlight=False)
        return
    except AccountError as error:
        fail(str(error))
    _audit(ctx, "token", "D", user=info.user_name, token=token_id)
    console.print(f"token {token_id} of {info.user_name} is revoked: it stops working "
                  f"{_within()}", highlight=False, soft_wrap=True)


@tokens_app.command("list")
def list_tokens(ctx: typer.Context, user: str | None = None) -> None:
    from accounts import ApiTokens, Users

    database = _database(ctx)
    if user is not None and Users(database).get(user) is None:  # it printed nothing, exit 0
        fail(f"no user {user!r}")
    listed = ApiTokens(database).list(user)
    if not listed:
        console.print(f"no tokens{' of ' + user if user else ''}", highlight=False)
    for t in listed:
        name = t.name if t.name.isprintable() else repr(t.name)  # one stored before the check
        typer.echo(f"{t.token_id}  {t.user_name:20} {name:24} expires {t.expires[:10]}"
                   f"{'  revoked' if t.revoked else ''}{'  ' + t.held if t.held else ''}")


@audit_app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the chain: every entry present, in order and unchanged (exit 1 otherwise)."""
    from db import AuditTrail

    trail = AuditTrail(_trail_database(ctx))
    problems = trail.verify()
    for line in problems:
        console.print(f"[red]broken:[/red] {line}", highlight=False)
    if problems:
        raise typer.Exit(1)
    # what was checked, so that a trail shortened and re-chained by someone with write access
    # to the database shows against the SIEM's copy
    count, first, last = trail.span()
    _used(ctx, "verify", checked=count)  # only when intact: a broken trail stays as found
    console.print(f"the audit trail is intact: {count} entries"
                  + (f", {first} to {last}" if count else ""), highlight=False)


@audit_app.command("export")
def export(ctx: typer.Context,
           since: Annotated[str, typer.Option(help="ISO 8601 date or time (UTC)")],
           until: Annotated[str | None, typer.Option(help="before this date/time")] = None,
           out: Annotated[Path | None, typer.Option(help="file to write; default stdout")]
           = None) -> None:
    """Entries from SINCE as JSON lines (one object per entry, with its hashes)."""
    from db import AuditTrail
    from db.audit import stored_time

    moments: dict[str, str] = {}
    for value, name in ((since, "--since"), (until, "--until")):
        if value is not None:
            try:
                moments[name] = stored_time(value)
            except ValueError:
                fail(f"{name} {value!r}: not an ISO 8601 date or time")
    # a reversed range exported nothing and said "0 entries", exit 0, as if the trail were so
    if until is not None and moments["--until"] < moments["--since"]:
        fail(f"--since {since} is after --until {until}")
    if until is not None and moments["--until"] == moments["--since"]:
        fail(f"--since and --until are the same moment ({since}): --until is left out, so "
             "nothing lies between them (for one day, --until the next day)")
    entries = AuditTrail(_trail_database(ctx)).entries(since=since, until=until)
    try:
        stream = out.open("w", encoding="utf-8") if out else sys.stdout
    except OSError as error:
        fail(f"--out {out}: {error.strerror or type(error).__name__}")
    try:
        for entry in entries:
            stream.write(json.dumps(entry.as_dict(), sort_keys=True) + "\n")
    finally:
        if out:
            stream.close()
    _used(ctx, "export", since=since, until=until, entries=len(entries),
          out=str(out) if out else "stdout")
    console.print(f"{len(entries)} entries since {since}"
                  + (f" until {until}" if until is not None else "") + " "
                  f"(exported {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ})")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring the database to the newest schema (the server also does it when it starts)."""
    from db.engine import revision_of

    # what it was, to say whether this migrated it (it said the same either way)
    before = revision_of(settings_of(ctx))
    database = _database(ctx, older=True)
    now = database.revision()
    done = f"already at the newest revision, {now}" if before == now else \
        f"migrated from revision {before} to {now}" if before else f"created at revision {now}"
    console.print(f"{database.dialect} database {done}", highlight=False)
