"""Accounts: local ones with a password, and those the identity provider signs in."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import TTLCache
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from accounts.passwords import hash_password, needs_rehash, verify_password
from accounts.roles import Principal, Role, Via
from db import Database
from db.tables import User

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")


class AccountError(ValueError):
    """A bad user name or role, or an unknown user; the message says which."""


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: Role
    local: bool  # has a password
    oidc: bool
    disabled: bool
    created: str
    last_sign_in: str | None


def _account(row: User) -> Account:
    return Account(row.id, row.name, Role(row.role), row.password_hash is not None,
                   row.oidc_subject is not None, row.disabled,
                   row.created.isoformat(timespec="seconds"),
                   row.last_sign_in.isoformat(timespec="seconds") if row.last_sign_in else None)


# names the server gives principals that are no account (the open loopback server's user)
RESERVED_NAMES = frozenset({"local"})


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise AccountError(f"user name {name[:80]!r}: 1 to 80 letters, digits, . _ @ -")
    return name


def find_user(session: Session, name: str) -> User | None:
    """The account named `name`, its case aside ("Alice" signs in as "alice"): the exact
    name first, then the one account that matches without case (None when two do, from
    before names were compared so). A name with a control character names nobody (PostgreSQL
    refuses a NUL in a query: it was a 500 on the admin pages)."""
    if any(ord(c) < 32 for c in name):
        return None
    exact = session.scalars(select(User).where(User.name == name)).first()
    if exact is not None:
        return exact
    matches = list(session.scalars(
        select(User).where(func.lower(User.name) == name.lower()).limit(2)))
    return matches[0] if len(matches) == 1 else None


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AccountError(f"role {value!r}: one of {', '.join(Role)}") from None


CACHE_SECONDS = 5.0  # how long the person behind a session is believed without asking


class Users:
    """Accounts in the database. The person behind a session is looked up at most every few
    seconds (a change made here is seen at once; one made by another process within
    `cache_seconds`: the command line, or another of `serve --workers`' processes, each with
    caches of its own). `changed` is called once a change to an account is committed: the
    API tokens' cache of this process forgets what it believed of them (`ApiTokens.forget`)."""

    def __init__(self, database: Database, cache_seconds: float = CACHE_SECONDS,
                 changed: Callable[[], None] | None = None) -> None:
        self.database = database
        self._known: TTLCache[tuple[int, Via], tuple[Principal | None, float | None]] = \
            TTLCache(4096, cache_seconds)
        self._lock = threading.Lock()
        self._changed = changed
        # counts `_forget`s: a lookup that began before one keeps nothing of what it read
        self._generation = 0

    def _forget(self) -> None:
        """After a change is committed (before it, a request could read and keep the old
        state for `cache_seconds` more). A lookup that read the account before the commit
        and stores it after this clear does not store it (`principal`): it kept the old role,
        or a disabled account, for `cache_seconds` more."""
        with self._lock:
            self._known.clear()
            self._generation += 1
        if self._changed is not None:
            self._changed()

    def add(self, name: str, role: Role, password: str | None = None) -> Account:
        """A new account; with a password it can sign in locally."""
        self.check_new(name)
        hashed = hash_password(password) if password is not None else None
        with self.database.session() as session:
            self._unused(session, name)
            row = User(name=name, role=role.value, password_hash=hashed, disabled=False,
                       created=datetime.now(UTC))
            session.add(row)
            session.flush()
            return _account(row)

    def check_new(self, name: str) -> None:
        """AccountError unless `name` can be a new account (before a password is asked)."""
        check_name(name)
        if name.casefold() in RESERVED_NAMES:  # it read what the open server's user made
            raise AccountError(f"user name {name!r} is the open loopback server's user: "
                               "choose another")
        with self.database.session() as session:
            self._unused(session, name)

    @staticmethod
    def _unused(session: Session, name: str) -> None:
        same = session.scalars(select(User.name).where(
            func.lower(User.name) == name.lower())).first()
        if same is not None:  # one person, one name: "Alice" beside "alice" was two
            raise AccountError(f"user {same!r} exists" + (
                "" if same == name else f" (names are compared without case: {name!r})"))

    def get(self, name: str) -> Account | None:
        with self.database.session() as session:
            row = find_user(session, name)
            return _account(row) if row else None

    def disabled_subject(self, subject: str) -> bool:
        """Whether the identity provider's person `subject` has an account here that an
        administrator disabled (told so, not "no role")."""
        with self.database.session() as session:
            row = session.scalars(select(User).where(User.oidc_subject == subject)).first()
            return row is not None and row.disabled

    def all(self) -> list[Account]:
        with self.database.session() as session:
            return [_account(r) for r in session.scalars(select(User).order_by(User.name))]

    def _update(self, name: str, **values: object) -> Account:
        # a change that may leave no admin holds the admins before the account is read
        demotes = values.get("role", Role.ADMIN.value) != Role.ADMIN.value \
            or bool(values.get("disabled"))
        with self.database.session() as session:
            admins = _enabled_admins(session) if demotes else []
            row = find_user(session, name)
            if row is None:
                raise AccountError(f"no user {name!r}")
            if demotes:
                _keep_an_admin(row, admins)
            for key, value in values.items():
                setattr(row, key, value)
            account = _account(row)
        self._forget()
        return account

    def set_role(self, name: str, role: Role) -> Account:
        return self._update(name, role=role.value)

    def set_password(self, name: str, password: str) -> Account:
        return self._update(name, password_hash=hash_password(password),
                            sessions_ended=datetime.now(UTC))

    def set_disabled(self, name: str, disabled: bool) -> tuple[Account, bool]:
        """The account, and whether it changed: "enable" of an enabled account signed its
        person out everywhere (an administrator too, enabling themselves)."""
        account = self.get(name)
        if account is not None and account.disabled == disabled:
            return account, False
        # re-enabled, the account's old cookies stay over
        return self._update(name, disabled=disabled, sessions_ended=datetime.now(UTC)), True

    def end_sessions(self, user_id: int) -> None:
        """Every session of this account signed in until now is over (sign-out)."""
        with self.database.session() as session:
            row = session.get(User, user_id)
            if row is not None:
                row.sessions_ended = datetime.now(UTC)
        self._forget()

    def principal(self, user_id: int, via: Via,
                  signed_in_at: float | None = None) -> Principal | None:
        """The person behind a session or token, unless the account is gone or disabled, or
        (a session signed in at `signed_in_at`, epoch seconds) its sessions were ended since."""
        with self._lock:
            known = self._known.get((user_id, via))
            generation = self._generation
        if known is None:
            with self.database.session() as session:
                row = session.get(User, user_id)
                found = None if row is None or row.disabled else \
                    Principal(row.name, Role(row.role), via, row.id)
                ended = row.sessions_ended.timestamp() if row is not None and \
                    row.sessions_ended is not None else None
            known = (found, ended)
            with self._lock:
                if self._generation == generation:  # else changed since it was read
                    self._known[(user_id, via)] = known
        found, ended = known
        if found is not None and signed_in_at is not None and ended is not None \
                and signed_in_at <= ended:
            return None
        return found

    def authenticate(self, name: str, password: str) -> Principal | None:
        """A local sign-in; None for a wrong name or password or a disabled account (alike)."""
        if not _NAME.match(name):  # never a query: PostgreSQL refused a NUL with a 500
            verify_password(None, password)  # as long as an unknown name takes
            return None
        with self.database.session() as session:
            row = find_user(session, name)
            stored = row.password_hash if row is not None else None
            if not verify_password(stored, password) or row is None or row.disabled:
                return None
            if needs_rehash(row.password_hash or ""):
                row.password_hash = hash_password(password)
            row.last_sign_in = datetime.now(UTC)
            return Principal(row.name, Role(row.role), Via.SESSION, row.id)

    def from_provider(self, subject: str, preferred_name: str, role: Role | None,
                      default: Role | None, touch: bool = True,
                      from_token: bool = True,
                      changed: Callable[[str, Role, str], None] | None = None
                      ) -> Principal | None:
        """The account of a person the identity provider vouches for, found by subject and
        created on first sight, or None (disabled, or no role applies). `from_token`: the
        provider decides the role at every sign-in and API call, the one the token names or
        else `default` (an admin kept admin when the provider stopped naming the role);
        otherwise roles are given here (`users set-role`), the token's not read, and a new
        account gets `default`. `changed(name, role, "created" or "role")` hears what the
        provider made or changed, for the audit trail."""
        with self.database.session() as session:
            row = session.scalars(select(User).where(User.oidc_subject == subject)).first()
            if row is not None and row.disabled:
                return None
            wanted = role or default if from_token or row is None else Role(row.role)
            if wanted is None:  # none the token names, and no default to give
                return None
            change = "created" if row is None else "role" if row.role != wanted.value else ""
            if row is None:
                row = User(name=_free_name(session, preferred_name), role=wanted.value,
                           oidc_subject=subject, disabled=False, created=datetime.now(UTC))
                session.add(row)
            row.role = wanted.value
            if touch:
                row.last_sign_in = datetime.now(UTC)
            session.flush()
            principal = Principal(row.name, Role(row.role), Via.SESSION, row.id)
        if change == "role":  # the sessions' and tokens' cached role is the old one
            self._forget()
        if change and changed is not None:  # once committed: the trail writes on its own
            changed(principal.name, wanted, change)
        return principal


def _enabled_admins(session: Session) -> list[int]:
    """The enabled admins' ids, held until `session` ends, taken before the account to change
    is read: of two changes that would each leave one admin (two admins demoting each other),
    the second waits for the first and counts what it left.

    PostgreSQL: SELECT ... FOR NO KEY UPDATE, in ascending id (a new token's insert, which
    takes KEY SHARE on its account, does not wait for it). SQLite ignores FOR UPDATE, and its
    one write lock is taken by a transaction's first write (the reads before were outside
    it): both changes counted two admins, and both went in. An update that changes nothing
    takes the lock here (as `db.teaching_room` does), and the other change waits
    (busy_timeout) until this one commits."""
    enabled = (User.role == Role.ADMIN.value, User.disabled.is_(False))
    query = select(User.id).where(*enabled).order_by(User.id)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(User).where(*enabled).values(role=User.role)
                        .execution_options(synchronize_session=False))
    else:
        query = query.with_for_update(key_share=True)
    return list(session.scalars(query))


def _keep_an_admin(row: User, admins: list[int]) -> None:
    """AccountError when `row` is the last of the enabled `admins` (`_enabled_admins`), about
    to be demoted or disabled: nobody would be left to manage accounts from the pages (`users
    set-role` and `users disable` did it without a word). With no admin at all (a first run,
    or an identity provider's admins only) there is none to keep. An identity provider that
    stops naming an account's admin role demotes it at its next sign-in all the same
    (`from_provider`): the provider decides roles there."""
    if row.role != Role.ADMIN.value or row.disabled:
        return  # not an enabled admin now: the count of them does not change
    if all(admin == row.id for admin in admins):
        raise AccountError(f"{row.name} is the only enabled admin (nobody would be left to "
                           "manage accounts): make another account admin first")


# letters Unicode does not decompose into a Latin letter and a mark
_NO_DECOMPOSITION = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l",
                                   "Ł": "L", "ß": "ss", "đ": "d", "Đ": "D", "þ": "th",
                                   "Þ": "Th", "œ": "oe", "Œ": "OE", "ı": "i"})


def _free_name(session: Session, preferred: str) -> str:
    # "jürgen.müller" is jurgen.muller, "søren" soren, not j_rgen.m_ller
    spelt = unicodedata.normalize("NFKD", preferred.translate(_NO_DECOMPOSITION))
    ascii_name = spelt.encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._@-]", "_", ascii_name)[:70].lstrip("._@-") or "user"
    name, n = base, 1
    while name.casefold() in RESERVED_NAMES or session.scalars(select(User.id).where(
            func.lower(User.name) == name.lower())).first() is not None:
        n += 1
        name = f"{base}-{n}"
    return name
