"""Personal API tokens for scripts: shown once, kept only as a hash, revocable, expiring.

A token reads `cmrs_<id>_<secret>`: the id finds the row, the secret's SHA-256 is compared in
constant time (the secret is 256 random bits, so a fast hash is enough).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cachetools import TTLCache
from sqlalchemy import select

from accounts.roles import Principal, Role, Via
from accounts.users import CACHE_SECONDS as ACCOUNT_CACHE_SECONDS
from accounts.users import AccountError, find_user
from db import Database
from db.tables import ApiToken, User

PREFIX = "cmrs_"
MAX_DAYS = 366
# a token of an identity provider's account works while its person signs in there: the
# provider is where leaving staff are switched off, and a token of one who left (who never
# signs in here again, so no role is withdrawn here either) worked until it expired
PROVIDER_SIGN_IN_DAYS = 30


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    user_name: str
    name: str
    created: str
    expires: str
    revoked: bool
    last_used: str | None
    # why a token that is not revoked does not work now ("expired", "account disabled",
    # "waits for a provider sign-in"); empty when it works: a list showed such tokens as live
    held: str = ""


class AlreadyRevoked(AccountError):  # noqa: N818  (not a failure: the token is off)
    """A token revoked a second time (a double click, a script run twice)."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    if not token.startswith(PREFIX):
        return None
    parts = token[len(PREFIX):].split("_", 1)
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def token_id_of(token: str) -> str | None:
    """The id part of a token shaped like ours (not secret: it names the row), for the trail
    to tie a refused token to its account; None for anything else."""
    parts = _split(token)
    if parts is None or not parts[0].isalnum() or len(parts[0]) > 32:
        return None
    return parts[0]


def _lapsed(user: User, now: datetime) -> bool:
    """An identity provider's account that has not signed in through it lately."""
    return user.oidc_subject is not None and (
        user.last_sign_in is None
        or now - user.last_sign_in > timedelta(days=PROVIDER_SIGN_IN_DAYS))


def _held(row: ApiToken, user: User, now: datetime) -> str:
    if row.revoked is not None:
        return ""
    if row.expires <= now:
        return "expired"
    if user.disabled:
        return "account disabled"
    return "waits for a provider sign-in" if _lapsed(user, now) else ""


def _info(row: ApiToken, user: User, now: datetime | None = None) -> TokenInfo:
    return TokenInfo(row.token_id, user.name, row.name, row.created.isoformat(timespec="seconds"),
                     row.expires.isoformat(timespec="seconds"), row.revoked is not None,
                     row.last_used.isoformat(timespec="seconds") if row.last_used else None,
                     _held(row, user, now or datetime.now(UTC)))


CACHE_SECONDS = 5.0  # how long a checked token is believed without asking the database
# how long a running server may go on acting on an account or token as it was before another
# process (the command line) changed it: what its caches believe without asking
OTHER_PROCESS_SECONDS = max(CACHE_SECONDS, ACCOUNT_CACHE_SECONDS)


class ApiTokens:
    """Tokens in the database. A token checked in the last few seconds is not looked up again
    (a search should not pay a query for its sign-in); revoking one here forgets them all at
    once, and a revocation by another process holds within CACHE_SECONDS."""

    def __init__(self, database: Database, cache_seconds: float = CACHE_SECONDS) -> None:
        self.database = database
        self._checked: TTLCache[str, Principal | None] = TTLCache(4096, cache_seconds)
        self._lock = threading.Lock()
        self._generation = 0  # counts `forget`s: a lookup begun before one keeps nothing

    def create(self, user_name: str, name: str, days: int = 90) -> tuple[TokenInfo, str]:
        """A new token for `user_name`; the second value is the token itself, shown once."""
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise AccountError("token name: 1 to 80 characters")
        if not name.isprintable():  # an escape or a right-to-left override was listed as is
            raise AccountError("token name: printable characters only")
        if not 1 <= days <= MAX_DAYS:
            raise AccountError(f"token lifetime: 1 to {MAX_DAYS} days")
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.database.session() as session:
            user = find_user(session, user_name)
            if user is None:
                raise AccountError(f"no user {user_name!r}")
            if user.disabled:  # it would wake with the account: enable it first
                raise AccountError(f"user {user.name!r} is disabled: enable the account "
                                   "before making it a token")
            if _lapsed(user, now):  # it would be refused from the start, without a word
                raise AccountError(
                    f"user {user.name!r} signs in with the identity provider and has not in "
                    f"{PROVIDER_SIGN_IN_DAYS} days: a token works once they sign in to "
                    "cmr-search through it")
            row = ApiToken(token_id=token_id, user_id=user.id, name=name,
                           secret_hash=_hash(secret), created=now,
                           expires=now + timedelta(days=days))
            session.add(row)
            session.flush()
            return _info(row, user, now), f"{PREFIX}{token_id}_{secret}"

    def principal(self, token: str) -> Principal | None:
        """Who a token acts for; None when unknown, wrong, revoked, expired or disabled, or
        its account is the identity provider's and has not signed in there lately."""
        key = _hash(token)
        with self._lock:
            if key in self._checked:
                return self._checked[key]
            generation = self._generation
        principal = self._lookup(token)
        with self._lock:
            # a revocation or an account change committed while this read: what it read may
            # be the old state, kept for `cache_seconds` after the cache was cleared
            if self._generation == generation:
                self._checked[key] = principal
        return principal

    def forget(self) -> None:
        """Ask the database again next time (after a revocation, a role or account change,
        once committed). In this process only: another server process (`serve --workers`)
        believes its own cache for up to `cache_seconds` more."""
        with self._lock:
            self._checked.clear()
            self._generation += 1

    def _lookup(self, token: str) -> Principal | None:
        parts = _split(token)
        if parts is None:
            return None
        with self.database.session() as session:
            found = session.execute(select(ApiToken, User).join(User).where(
                ApiToken.token_id == parts[0])).first()
            if found is None:
                return None
            row, user = found
            now = datetime.now(UTC)
            if not hmac.compare_digest(row.secret_hash, _hash(parts[1])) or row.revoked \
                    or row.expires <= now or user.disabled or _lapsed(user, now):
                return None
            if row.last_used is None or now - row.last_used > timedelta(minutes=1):
                row.last_used = now  # not on every request: one write a minute at most
            return Principal(user.name, Role(user.role), Via.API_TOKEN, user.id)

    def refusal(self, token: str) -> str:
        """Why `token` does not work, in one line for its sender. Only one who holds its secret
        learns more than "unknown" (revoked, expired, whose account): the id alone is no
        secret. The identity provider's condition is named only to such an account's holder."""
        token_id = token_id_of(token)
        parts = _split(token)
        if token_id is None or parts is None:
            return "this is not a cmr-search API token (they read cmrs_<id>_<secret>)"
        said = f"the API token {token_id}"
        with self.database.session() as session:
            found = session.execute(select(ApiToken, User).join(User).where(
                ApiToken.token_id == token_id)).first()
            if found is None or not hmac.compare_digest(found[0].secret_hash, _hash(parts[1])):
                return f"{said} is unknown: check that it was copied whole"
            row, user = found
            now = datetime.now(UTC)
            if row.revoked is not None:
                return f"{said} was revoked; make a new one on your account page"
            if row.expires <= now:
                return (f"{said} expired on {row.expires:%Y-%m-%d}; make a new one on your "
                        "account page")
            if user.disabled:
                return f"{said} belongs to a disabled account; ask an administrator"
            if _lapsed(user, now):
                return (f"{said} works only while its account signs in to cmr-search through "
                        f"the identity provider at least every {PROVIDER_SIGN_IN_DAYS} days: "
                        "sign in there, then use it again")
        return f"{said} is refused"

    def list(self, user_name: str | None = None) -> list[TokenInfo]:
        query = select(ApiToken, User).join(User).order_by(ApiToken.created)
        now = datetime.now(UTC)
        with self.database.session() as session:
            if user_name is not None:
                user = find_user(session, user_name)
                query = query.where(ApiToken.user_id == (user.id if user else -1))
            return [_info(row, owner, now) for row, owner in session.execute(query)]

    def revoke_all(self, user_name: str) -> tuple[str, ...]:
        """Revoke every live token of an account (its password was reset: a token made with
        a leaked password outlived the reset); the ids revoked."""
        revoked = []
        for token in self.list(user_name):
            if not token.revoked:
                try:
                    revoked.append(self.revoke(token.token_id).token_id)
                except AlreadyRevoked:  # revoked meanwhile
                    continue
        return tuple(revoked)

    def revoke(self, token_id: str, user_name: str | None = None) -> TokenInfo:
        """Revoke a token (only one's own, when `user_name` is given)."""
        with self.database.session() as session:
            found = session.execute(select(ApiToken, User).join(User).where(
                ApiToken.token_id == token_id)).first()
            if found is None or (user_name is not None and found[1].name != user_name):
                raise AccountError(f"no token {token_id[:32]!r}")
            row, user = found
            if row.revoked is not None:  # nothing to do, and nothing to audit
                raise AlreadyRevoked(f"token {token_id!r} was revoked before "
                                     f"({row.revoked.isoformat(timespec='seconds')})")
            row.revoked = datetime.now(UTC)
            info = _info(row, user)
        self.forget()
        return info
