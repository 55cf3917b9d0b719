"""Who a request acts for, and what every route lets them do.

Every route declares a role with `require(role)` (`require(None)`: anyone); a test walks the
app and holds each route to its declaration. A request proves who it is by, in this order: an
`Authorization: Bearer` personal API token (`cmrs_...`) or identity-provider JWT, a signed-in
session cookie, or, on a loopback server without sign-in, nothing (it acts as the open role).
State-changing requests from a browser also carry the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cachetools import TTLCache
from fastapi import Request
from starlette.exceptions import HTTPException

from accounts import (
    AccountError,
    OidcError,
    OidcProvider,
    OidcUnreachable,
    Principal,
    Role,
    Via,
    check_name,
    role_from_claims,
    token_id_of,
)
from db import UNREACHABLE, Action, AuditEvent, EventId, EventType, Outcome

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# a session due for the provider's re-check still serves, this long after the interval, the
# requests that cannot go round the provider's sign-in (forms, uploads, htmx, the API, /media):
# one sent just after the interval was refused and the person's typed work lost, hourly; a
# page opened meanwhile goes round and renews the session, so this bounds only how long a
# withdrawn role lives on for a page left open (seconds)
RECHECK_GRACE_S = 600


class SignInRequired(Exception):  # noqa: N818  (a signal, handled into 401 / a redirect)
    """No credentials, or credentials that prove nothing."""

    def __init__(self, reason: str = "sign in first") -> None:
        super().__init__(reason)


class Forbidden(Exception):  # noqa: N818
    """Signed in, but the role (or the CSRF token) does not allow it."""


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


class ProviderUnreachable(HTTPException):
    """The identity provider does not answer: a bearer token or a sign-in cannot be checked
    now (503; nothing is known of the credential, so no refusal of it is recorded)."""

    def __init__(self, error: OidcError) -> None:
        super().__init__(503, f"the identity provider does not answer ({error}); try again "
                         "in a minute", headers={"Retry-After": "30"})


# what the database or the identity provider raises when it does not answer (503)
NOT_ANSWERING: tuple[type[Exception], ...] = (*UNREACHABLE, ProviderUnreachable)


def _bearer(request: Request, header: str) -> Principal:
    state = request.app.state
    token = header[7:].strip()
    if token.startswith("cmrs_"):
        principal = state.tokens.principal(token)
        if principal is None:  # its id (not secret) ties the attempt to an account
            raise SignInRequired(state.tokens.refusal(token))
        # which token acted, for the trail (its id only; the secret is never kept)
        request.state.token_id = token_id_of(token)
        return principal  # type: ignore[no-any-return]
    provider: OidcProvider | None = state.oidc
    if provider is None:
        raise SignInRequired("bearer tokens need an identity provider (CMR_SEARCH_OIDC_ISSUER)")
    try:
        claims = provider.verify_bearer(token)
    except OidcUnreachable as error:  # not the token's fault: it was a 401 and an alert
        raise ProviderUnreachable(error) from None
    except OidcError as error:
        raise SignInRequired(str(error)) from None
    principal = provider_principal(request, claims, touch=False)
    if principal is None:
        raise SignInRequired(f"identity provider's token: {provider_refusal(request, claims)}")
    return Principal(principal.name, principal.role, Via.BEARER, principal.user_id)


def provider_principal(request: Request, claims: dict[str, Any],
                       touch: bool = True) -> Principal | None:
    """The account of a person the provider vouches for (created on first sign-in)."""
    settings = request.app.state.settings
    from_token = settings.oidc_role_source == "token"
    role = role_from_claims(claims, settings.oidc_roles_claim) if from_token else None
    default = Role(settings.oidc_default_role) if settings.oidc_default_role else None
    name = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
    def changed(account: str, given: Role, change: str) -> None:  # in the trail, as an admin's
        record(request, EventId.SECURITY_ROLES_CHANGED,
               Action.CREATE if change == "created" else Action.UPDATE,
               user=account, role=given.value, by="identity provider")

    principal: Principal | None = request.app.state.users.from_provider(
        _subject(claims), name, role, default, touch, from_token, changed)
    return principal


def _subject(claims: dict[str, Any]) -> str:
    return f"{claims['iss']}|{claims['sub']}"


def provider_refusal(request: Request, claims: dict[str, Any]) -> str:
    """Why a person the provider vouches for has no account to act as: disabled here, or no
    role (a disabled account was told it had no role, and asked for one)."""
    if request.app.state.users.disabled_subject(_subject(claims)):
        return "the cmr-search account is disabled; ask an administrator"
    return "the account has no cmr-search role; ask an administrator"


def _resolve(request: Request) -> Principal | None:
    sent = request.headers.getlist("authorization")
    if len(sent) > 1:  # which one counts would depend on the proxies in between
        raise SignInRequired("send one Authorization header, not several")
    header = sent[0] if sent else None
    if header is not None:
        if not header.lower().startswith("bearer "):
            raise SignInRequired("Authorization: use Bearer")
        return _bearer(request, header)
    principal = session_account(request)
    if principal is not None:  # due for its re-check: no one (open access does not stand in)
        return None if recheck_due(request) else principal
    if request.app.state.open_access:
        return Principal("local", Role(request.app.state.settings.open_role), Via.OPEN)
    return None


def session_account(request: Request) -> Principal | None:
    """The account of the session's sign-in while the session lasts (SESSION_HOURS) and was not
    ended since (signed out), whether or not it is due for the provider's re-check."""
    session = request.session
    user_id, since = session.get("uid"), session.get("since", 0)
    hours = request.app.state.settings.session_hours
    if not isinstance(user_id, int) or time.time() - float(since) >= hours * 3600:
        return None
    principal: Principal | None = request.app.state.users.principal(
        user_id, Via.SESSION, float(since))
    return principal


def recheck_due(request: Request) -> bool:
    """Whether the session was begun at the identity provider and the provider last vouched for
    it (`checked`, epoch seconds; a session from before it was kept: its sign-in) longer than
    OIDC_RECHECK_MINUTES ago (RECHECK_GRACE_S more for a request that cannot go round): a role
    withdrawn or an account disabled there lived on here for the whole session. Such a session
    acts for no one until the provider's sign-in, which `web.signin` sends a page to, vouches
    for it again."""
    session = request.session
    minutes: float = request.app.state.settings.oidc_recheck_minutes
    if session.get("via") != "oidc" or not minutes:
        return False
    checked = session.get("checked", session.get("since", 0))
    late_s = time.time() - float(checked) - minutes * 60
    return late_s >= (0 if goes_round(request) else RECHECK_GRACE_S)


def wants_json(request: Request) -> bool:
    """Whether the request is the API's, a page's images' (/media) or a script's with
    credentials: errors (a sign-in needed included) are JSON, never a page or a redirect."""
    return request.url.path.startswith(("/api/", "/media/")) or \
        "authorization" in request.headers


def goes_round(request: Request) -> bool:
    """Whether the request is a browser's page GET, which can go round the provider's sign-in
    and come back: not a form or an upload (its body would be lost), an htmx request (its XHR
    follows no redirect to another site) or one that wants JSON. (A HEAD is served as a GET.)"""
    return request.method == "GET" and request.headers.get("HX-Request") != "true" \
        and not wants_json(request)


def awaiting_recheck(request: Request) -> bool:
    """Whether the session would act for its account but for the provider's re-check."""
    return recheck_due(request) and session_account(request) is not None


def current(request: Request) -> Principal | None:
    """The principal of this request (resolved once)."""
    if not hasattr(request.state, "principal"):
        request.state.principal = None  # while resolving: a failure leaves it anonymous
        request.state.principal = _resolve(request)
    principal: Principal | None = request.state.principal
    return principal


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); forms carry it as `csrf_token`."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request, principal: Principal | None) -> None:
    """State changes from a browser carry the session's token; scripts with a bearer token, or
    with no browser marks at all (curl on a loopback server), need none."""
    if request.method not in UNSAFE_METHODS:
        return
    if principal is not None and principal.via in (Via.BEARER, Via.API_TOKEN):
        return
    if not any(h in request.headers for h in ("origin", "cookie", "sec-fetch-site")):
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        refused(request, reason="CSRF token")
        raise Forbidden("the form is out of date (missing or wrong CSRF token): reload the page")


def record(request: Request, event_id: EventId, action: Action,
           study_uids: tuple[str, ...] | list[str] = (), outcome: Outcome = Outcome.SUCCESS,
           event_type: EventType = EventType.NONE, **detail: Any) -> None:
    """One audit-trail entry for this request's principal (and, for a call made with an API
    token, which token: its id, never its secret; an account's tokens were indistinguishable)."""
    principal = getattr(request.state, "principal", None)
    token_id = getattr(request.state, "token_id", None)
    if token_id and principal is not None and principal.via is Via.API_TOKEN:
        detail = {"token_id": token_id, **detail}
    request.app.state.audit.record(AuditEvent(
        event_id, action, principal.name if principal else "-",
        principal.role.value if principal else "", client_address(request), outcome,
        event_type, tuple(study_uids), detail))


# a person's study seen again within this long through its images alone (the player's
# sprites, the contours) adds no entry: one page view fetches dozens of them
MEDIA_REPEAT_S = 900


class SeenStudies:
    """Who saw which study lately, shared by the threads that serve the media routes (a cache
    read and written by two at once was corrupt for good: every later call failed)."""

    def __init__(self, seconds: float = MEDIA_REPEAT_S) -> None:
        self._seen: TTLCache[tuple[str, str], bool] = TTLCache(65536, seconds)
        self._lock = threading.Lock()

    def first(self, who: str, study_instance_uid: str) -> bool:
        """Whether `who` has not seen the study lately (and from now on has)."""
        with self._lock:
            if (who, study_instance_uid) in self._seen:
                return False
            self._seen[(who, study_instance_uid)] = True
            return True

    def mark(self, who: str, study_instance_uids: list[str]) -> None:
        with self._lock:
            for uid in study_instance_uids:
                self._seen[(who, uid)] = True


# the scope mark `web.security.HeadAsGet` leaves on a HEAD it hands on as a GET
HEAD_AS_GET = "head_as_get"


def is_head(request: Request) -> bool:
    """Whether the request is a HEAD (handed on as a GET): a route may skip work whose body
    is not sent, and nothing was shown to record."""
    return request.method == "HEAD" or bool(request.scope.get(HEAD_AS_GET))


def viewed(request: Request, study_uids: list[str], media: str | None = None,
           **detail: Any) -> None:
    """Instances Accessed (read): a page or the API showing studies is always recorded; their
    images fetched on their own (`media`: what) once per person and study in MEDIA_REPEAT_S,
    so a script pulling cines by URL is in the trail too. A HEAD shows nothing: no entry (a
    link checker's HEAD on a study page read as a view)."""
    if is_head(request):
        return
    principal = getattr(request.state, "principal", None)
    who = principal.name if principal else "-"
    seen: SeenStudies = request.app.state.seen_studies
    if media is not None:
        if not seen.first(who, study_uids[0]):
            return
        detail["media"] = media
    else:
        seen.mark(who, study_uids)
    record(request, EventId.INSTANCES_ACCESSED, Action.READ, study_uids, **detail)


def refused(request: Request, **detail: Any) -> None:
    """A Security Alert entry for a request refused (a role, a CSRF token, a token where a
    person must sign in, credentials that prove nothing)."""
    record(request, EventId.SECURITY_ALERT, Action.EXECUTE, outcome=Outcome.MINOR_FAILURE,
           refused=f"{request.method} {request.url.path}", **detail)


def sign_in_name(request: Request, typed: str) -> str:
    """What the trail keeps of a name typed at sign-in: the account's name when it names one
    (its case aside), else `unknown:` and a digest, never the text itself (a password typed
    into the name field would be kept for every admin to read); the digest still lets the
    throttle count one name's failures."""
    try:
        account = request.app.state.users.get(check_name(typed))
    except AccountError:
        account = None
    if account is not None:
        return str(account.name)
    return "unknown:" + hashlib.sha256(typed.casefold().encode()).hexdigest()[:12]


def failed_sign_in(request: Request, user_name: str, reason: str,
                   method: str = "password") -> None:
    """An audit entry for a refused sign-in by `user_name` (`sign_in_name` of a typed one).
    Only a password's count toward the password throttle (`method`): a refused identity
    provider callback is a GET any web page can make a browser send."""
    detail = {"reason": reason[:200]} | ({} if method == "password" else {"method": method})
    request.app.state.audit.record(AuditEvent(
        EventId.USER_AUTHENTICATION, Action.EXECUTE, user_name[:80], "",
        client_address(request), Outcome.MINOR_FAILURE, EventType.LOGIN, (), detail))


Dependency = Callable[[Request], Awaitable[Principal | None]]


def require(role: Role | None) -> Dependency:
    """A route dependency: the request's principal, who must hold `role` (None: anyone)."""

    async def dependency(request: Request) -> Principal | None:
        try:
            principal = current(request)
        except SignInRequired:
            if role is None:
                return None
            raise
        except NOT_ANSWERING:
            # who sends it matters not to a route anyone may use: /readyz with a browser's
            # cookie said "The database does not answer" as a page, not its own JSON (and
            # /healthz with a bearer token, a provider down, 503)
            if role is not None:
                raise
            principal = None
        if role is not None and principal is None:
            raise SignInRequired()
        await check_csrf(request, principal)
        if role is None or principal is None:
            return principal
        if not principal.allows(role):
            refused(request, needs=role.value)
            raise Forbidden(f"this needs the {role.value} role; you are {principal.role.value}")
        return principal

    dependency.__dict__["required_role"] = role  # read by the test that walks the routes
    return dependency


async def in_person(request: Request) -> None:
    """A route dependency: tokens and accounts are changed by a person signed in, not by a
    script's token (a leaked one-day token made itself a year-long one, an admin's added
    admins)."""
    principal = current(request)
    if principal is not None and principal.via in (Via.BEARER, Via.API_TOKEN):
        refused(request, reason="token, not signed in")
        raise Forbidden("API tokens and accounts are changed signed in at the page (or with "
                        "the cmr-search CLI), not with a token")


def principal_of(request: Request) -> Principal:
    """The principal a `require(role)` dependency let through."""
    principal = current(request)
    if principal is None:
        raise SignInRequired()
    return principal
