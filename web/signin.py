"""Sign-in and sign-out: a local account's password, or the hospital's identity provider
(OpenID Connect, authorization code flow with PKCE)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import OidcDiscoveryError, OidcError, OidcProvider, OidcUnreachable, Principal, Role
from cmr_search.locks import LockBusyError, held
from db import THROTTLED, Action, EventId, EventType
from web.auth import (
    awaiting_recheck,
    client_address,
    current,
    failed_sign_in,
    goes_round,
    provider_principal,
    provider_refusal,
    recheck_due,
    record,
    require,
    session_account,
    sign_in_name,
)
from web.deps import layout_of
from web.pages import render
from web.signin_notices import (
    OAUTH_ERRORS,
    STILL_AT_PROVIDER,
    ended_notice,
    silent_failure,
)

logger = logging.getLogger(__name__)
# password guessing: an account from one address after 5 failures (since its last success),
# any account from one address after 20, within 15 minutes; counted from the audit trail, so
# every server process and a restart see the same; per address, so a guesser elsewhere cannot
# lock the account's owner out
THROTTLE_WINDOW_S, THROTTLE_PER_NAME, THROTTLE_PER_CLIENT = 900, 5, 20
# sign-in attempts take turns per address (one of 256 locks by its hash) and wait at most this
# long for their turn (a password check is about 0.2 s)
_STRIPE_HEX, _TURN_S = 2, 10.0
# an ID token kept for sign-out's id_token_hint; a bigger one is left out and the provider is
# sent the client id alone
HINT_MAX_CHARS = 2000
# the session is a cookie, base64 of its JSON (4 bytes for 3), signed (about 40 bytes more), and
# a browser drops one whose name and value pass 4096 bytes: its JSON is kept to this many
SESSION_JSON_BYTES = 3000
# sign-ins started and not back yet (tabs due for the re-check at once): the newest this many
PENDING_KEPT = 3
PENDING_FRESH_S = 600  # a sign-in under way answered later than this has expired
router = APIRouter(include_in_schema=False, dependencies=[Depends(require(None))])
Next = Annotated[str, Query(max_length=2000)]


def local_path(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _signed_in(request: Request, principal: Principal, target: str, how: str,
               kept: dict[str, Any] | None = None, **detail: Any) -> Response:
    request.session.clear()  # a new session: no fixation of one made before sign-in
    request.session.update({"uid": principal.user_id, "since": time.time(),
                            "csrf": secrets.token_urlsafe(24), **(kept or {})})
    request.state.principal = principal
    record(request, EventId.USER_AUTHENTICATION, Action.EXECUTE,
           event_type=EventType.LOGIN, method=how, **detail)
    return RedirectResponse(local_path(target), status_code=303)


@router.get("/login", response_class=HTMLResponse, response_model=None)
def login_form(request: Request, next: Next = "/", changed: bool = False,
               still_at_provider: bool = False) -> Response:
    target = local_path(next)
    # a page whose provider session is due for its re-check (the app sends a page request
    # that proves no one here) goes on through the provider's sign-in, which comes straight
    # back while the person is signed in there; an htmx request (its XHR follows redirects,
    # never to another site) is shown this page, as when a session expires
    if request.app.state.oidc is not None and goes_round(request) and awaiting_recheck(request):
        return RedirectResponse(f"/auth/oidc?next={quote(target)}", status_code=303)
    notice = ended_notice(str(request.session.pop("ended", ""))) or \
        (STILL_AT_PROVIDER if still_at_provider else None)
    return render(request, "login.html", next=target, error=None, notice=notice,
                  oidc=request.app.state.oidc is not None, changed=changed)


def throttled(request: Request, who: str) -> bool:
    """Whether this address has failed too often lately (at signing in as `who`, or at all):
    then the attempt is refused unread, and recorded so."""
    by_name, by_client = request.app.state.audit.failed_sign_ins(
        client_address(request), who, THROTTLE_WINDOW_S)
    if by_name >= THROTTLE_PER_NAME or by_client >= THROTTLE_PER_CLIENT:
        failed_sign_in(request, who, f"{THROTTLED} too many failed sign-ins from this address")
        return True
    return False


@router.post("/login", response_class=HTMLResponse, response_model=None)
def login(request: Request, name: Annotated[str, Form(max_length=80)],
          password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    outcome = password_attempt(request, sign_in_name(request, name), name, password,
                               "wrong name or password")
    if isinstance(outcome, Principal):
        return _signed_in(request, outcome, next, "password")
    status, error, retry_s = {
        # not a failure of theirs: many at once from this address
        "busy": (429, "Many sign-ins at once from this computer: try again in a moment.",
                 int(_TURN_S)),
        "throttled": (429, f"Too many failed sign-ins from this computer: try again in "
                      f"{THROTTLE_WINDOW_S // 60} minutes, or ask an administrator.",
                      THROTTLE_WINDOW_S),
        "wrong": (401, "Wrong name or password.", 0)}[outcome]
    page = render(request, "login.html", status, next=local_path(next), error=error,
                  oidc=request.app.state.oidc is not None)
    if retry_s:
        page.headers["Retry-After"] = str(retry_s)
    return page


def password_attempt(request: Request, who: str, name: str, password: str,
                     failure: str) -> Principal | Literal["throttled", "busy", "wrong"]:
    """A password tried for account `name` (`who` in the trail): the account, or "throttled"
    (refused unread: this address failed too often), "busy" (refused unread: its turn did not
    come within `_TURN_S`) or "wrong" (recorded with `failure`).

    The count, the check and the failure's entry are one step for one address in every server
    process of this machine: 60 guesses sent at once were each counted before any failure was
    written, and 58 of them were checked. Addresses take turns only with the few that share
    their lock, so a flood from one does not hold up everyone's sign-in."""
    stripe = hashlib.sha256(client_address(request).encode()).hexdigest()[:_STRIPE_HEX]
    try:
        with held(layout_of(request).locks / f"sign-in-{stripe}", _TURN_S, optional=True,
                  mode=0o700):  # no other user of the machine may hold it
            return _checked(request, who, name, password, failure)
    except LockBusyError:
        return "busy"


def _checked(request: Request, who: str, name: str, password: str,
             failure: str) -> Principal | Literal["throttled", "wrong"]:
    if throttled(request, who):
        return "throttled"
    principal: Principal | None = request.app.state.users.authenticate(name, password)
    if principal is None:
        failed_sign_in(request, who, failure)
        return "wrong"
    return principal


@router.get("/auth/oidc")
def oidc_start(request: Request, next: Next = "/") -> Response:
    provider: OidcProvider | None = request.app.state.oidc
    if provider is None:
        return render(request, "error.html", 404, title="Not found",
                      message="No identity provider is configured.")
    silent = awaiting_recheck(request)  # a re-check: no page of the provider's shown
    try:
        started = provider.start(redirect_uri(request), silent)
    except OidcError as error:
        if silent:  # left due, every visit of the sign-in page came back here and failed
            return _recheck_failed(request, local_path(next), "unreachable",
                                   f"the identity provider is not reachable: {error}")
        # down: 503, try again (it was a 502, as for a provider that answered wrongly, and
        # showed the discovery URL); a wrong answer is still a 502
        logger.warning("sign-in through the identity provider: %s", error)
        if isinstance(error, OidcUnreachable):
            return _provider_down(request, "started")
        return _provider_wrong(request, error)
    pending = {"state": _digest(started.state), "verifier": started.code_verifier,
               "nonce": started.nonce, "next": local_path(next), "at": int(time.time()),
               "silent": silent}
    session = request.session
    if _json_bytes({**session, "id_token": None, "oidc": [pending]}) > SESSION_JSON_BYTES:
        pending["next"] = "/"  # too long for the cookie even alone (1,900 'é' took 15.7 KB)
    session["oidc"] = [*_under_way(request), pending][-PENDING_KEPT:]
    _fit(session, keep=1)
    return RedirectResponse(started.url, status_code=303)


def _json_bytes(session: dict[str, Any]) -> int:
    return len(json.dumps(session))  # as SessionMiddleware writes it: ASCII, \u escapes


def _fit(session: dict[str, Any], keep: int, hint_first: bool = True) -> None:
    """The session within SESSION_JSON_BYTES (a bigger cookie is dropped by the browser, and
    the sign-in under way failed as "expired"): the ID token's hint gives way first (a person
    who turns back at the provider still signs out there, with the client id alone), then the
    oldest sign-ins under way, all but the newest `keep`; `hint_first` False: the other way
    round (after a sign-in, for the sign-out to come)."""
    under_way = session.get("oidc") or []
    while _json_bytes(session) > SESSION_JSON_BYTES and \
            (session.get("id_token") or len(under_way) > keep):
        if session.get("id_token") and (hint_first or len(under_way) <= keep):
            del session["id_token"]
        else:
            del under_way[0]
    if not under_way:
        session.pop("oidc", None)


def redirect_uri(request: Request) -> str:
    return _public_url(request, "/auth/callback", "oidc_callback")


def _public_url(request: Request, path: str, route: str) -> str:
    public = request.app.state.settings.public_url
    if public:
        return f"{public.rstrip('/')}{path}"
    return str(request.url_for(route))


@router.get("/auth/callback", name="oidc_callback")
def oidc_callback(request: Request, code: Annotated[str, Query(max_length=4000)] = "",
                  state: Annotated[str, Query(max_length=500)] = "",
                  error: Annotated[str, Query(max_length=200)] = "") -> Response:
    provider: OidcProvider | None = request.app.state.oidc
    if provider is None:
        return render(request, "error.html", 404, title="Not found",
                      message="No identity provider is configured.")
    pending = _pending(request, state)
    fresh = pending is not None and time.time() - pending.get("at", 0) < PENDING_FRESH_S
    # OAuth's own error codes only: the query string is anyone's to write
    said = error if error in OAUTH_ERRORS else "an error" if error else ""
    if pending is not None and pending.get("silent") and (error or not fresh or not code):
        return _recheck_failed(request, pending["next"], *silent_failure(error, said, fresh))
    if pending is None or not fresh or not code:
        reason = f"the identity provider said {said}" if said else \
            "the sign-in expired or did not start here; try again"
        # in the trail too: a refusal at the provider (access_denied) and a forged or replayed
        # callback left no entry
        failed_sign_in(request, "-", f"identity provider callback: {reason}", "oidc")
        return render(request, "error.html", 400, title="Sign-in failed", message=reason)
    try:
        claims, id_token = provider.finish(code, redirect_uri(request), pending["verifier"],
                                           pending["nonce"])
    except (OidcUnreachable, OidcDiscoveryError) as failure:  # no one's failure: it was a
        # 401 "Sign-in failed" (a discovery fetched here, by another worker or after a
        # restart, showed its URL and error to anyone, and counted against the person)
        down = isinstance(failure, OidcUnreachable)
        if pending.get("silent"):
            return _recheck_failed(request, pending["next"], "unreachable" if down else "failed",
                                   str(failure))
        logger.warning("sign-in through the identity provider: %s", failure)
        return _provider_down(request, "finished") if down else _provider_wrong(request, failure)
    except OidcError as failure:
        if pending.get("silent"):
            return _recheck_failed(request, pending["next"], "failed", str(failure))
        failed_sign_in(request, "-", str(failure), "oidc")
        return render(request, "error.html", 401, title="Sign-in failed", message=str(failure))
    return _vouched(request, provider, pending, claims, id_token)


def _provider_down(request: Request, step: str) -> Response:
    """503 for a sign-in whose provider does not answer (at its start or its finish), as the
    API answers a bearer token it cannot check: no host in the page, which anyone may see."""
    page = render(request, "error.html", 503, title="The identity provider does not answer",
                  message=f"The identity provider does not answer, so the sign-in could not be "
                  f"{step}: try again in a minute (or sign in with a local account).")
    page.headers["Retry-After"] = "30"
    return page


def _provider_wrong(request: Request, error: OidcError) -> Response:
    """502 for a provider that answered wrongly (its discovery document no JSON, another
    issuer's, or short of an endpoint): the page showed the error, the discovery URL and all,
    to anyone. An administrator is told its summary (no host); the log has the rest."""
    principal = current(request)
    summary = f" ({error.summary})" if principal is not None and \
        principal.allows(Role.ADMIN) else ""
    return render(request, "error.html", 502, title="Sign-in is not available",
                  message=f"The identity provider's answer could not be used{summary}, so "
                  "sign-in through it is not available: try again later, or tell an "
                  "administrator (the details are in the server log).")


def _under_way(request: Request) -> list[dict[str, Any]]:
    """The sign-ins started in this session and not back yet, oldest first: a tab each (a
    second tab's start replaced the first's, which failed as "did not start here")."""
    held = request.session.get("oidc")
    # a tab closed at the provider left its entry: carried on by every renewal, it took the
    # room of the sign-out hint, and its page coming back (a restored session) ended the session
    since = time.time() - PENDING_FRESH_S
    return [p for p in held if isinstance(p, dict) and isinstance(p.get("at"), int | float)
            and p["at"] > since] if isinstance(held, list) else []


def _pending(request: Request, state: str) -> dict[str, Any] | None:
    """The sign-in this callback answers, taken out of the session (the others are left for
    their own tabs' callbacks); None, and the session as it was, where none is this state's."""
    under_way, digest = _under_way(request), _digest(state).encode()
    for pending in under_way:
        if secrets.compare_digest(str(pending.get("state", "")).encode(), digest):
            under_way.remove(pending)
            request.session["oidc"] = under_way
            if not under_way:
                del request.session["oidc"]
            return pending
    return None


def _digest(state: str) -> str:
    """A sign-in's state as the session keeps it (the cookie's room is short)."""
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def _vouched(request: Request, provider: OidcProvider, pending: dict[str, Any],
             claims: dict[str, Any], id_token: str) -> Response:
    """The account of a person the provider vouched for signed in, or a re-check of its session
    renewed; refused where the account has no role or is disabled here."""
    principal = provider_principal(request, claims)
    if principal is None:
        why = provider_refusal(request, claims)
        failed_sign_in(request, str(claims.get("sub")), why.partition(";")[0], "oidc")
        if pending.get("silent"):  # the session re-checked is over: no page bounces here again
            request.session.clear()
        return render(request, "error.html", 403, title="No access",
                      message=f"{why[0].upper()}{why[1:]}.")
    kept = {"via": "oidc", "iss": provider.config.issuer, "checked": time.time(),
            "id_token": id_token if len(id_token) < HINT_MAX_CHARS else None}
    recheck = bool(pending.get("silent")) and request.session.get("uid") == principal.user_id
    if recheck:  # the same session, vouched for again: its hours, its forms' CSRF token, and
        # its other tabs' re-checks (never another account's: a sign-in planted before this
        # one's would outlive it, no session fixation)
        kept |= {k: request.session[k] for k in ("since", "csrf") if k in request.session}
        kept["oidc"] = _under_way(request)
    signed_in = _signed_in(request, principal, pending["next"], "oidc", kept,
                           **({"recheck": True} if recheck else {}))
    _fit(request.session, keep=0, hint_first=False)  # the sign-out hint outweighs other tabs
    return signed_in


def _recheck_failed(request: Request, target: str, ended: str, why: str) -> Response:
    """A re-check that did not vouch for the session: the provider's session there has ended
    (it would have had to ask the person), the provider is not reachable, or its answer did not
    hold. The session here ends too, in the trail under its account, and the sign-in page says
    why once (`ended` left in the session, `ended_notice`) with its password form and the
    provider's button: a session left due sent every visit of the sign-in page back round a
    provider that failed again, and a local (break-glass) account could not sign in."""
    account = session_account(request)
    if account is not None and not recheck_due(request):  # another tab has just renewed it
        return RedirectResponse(target, status_code=303)
    failed_sign_in(request, account.name if account is not None else "-",
                   f"identity provider re-check: {why}", "oidc")
    request.session.clear()
    request.session["ended"] = ended
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    user_id = request.session.get("uid")
    at_provider = request.session.get("via") == "oidc"
    hint, issuer = request.session.get("id_token"), request.session.get("iss")
    if user_id is not None:
        if current(request) is None:  # due for its re-check: still the account's to end
            request.state.principal = session_account(request)
        record(request, EventId.USER_AUTHENTICATION, Action.EXECUTE,
               event_type=EventType.LOGOUT)
        if isinstance(user_id, int):  # a saved copy of the cookie is over too
            request.app.state.users.end_sessions(user_id)
    request.session.clear()
    if not at_provider:
        return RedirectResponse("/login", status_code=303)
    return _provider_sign_out(request, hint if isinstance(hint, str) else None, issuer)


def _provider_sign_out(request: Request, hint: str | None, issuer: object) -> Response:
    """After a session begun at the identity provider is over here: on to the provider's
    end_session_endpoint, so the next person at this computer is not signed straight back in
    as this one; else the sign-in page, saying that the provider's session may live on."""
    provider: OidcProvider | None = request.app.state.oidc
    url = None
    # a session begun at a provider since replaced in the settings: its token is not the new
    # one's to end (it refused it, and the old session lived on)
    if provider is not None and request.app.state.settings.oidc_provider_sign_out and \
            issuer == provider.config.issuer:
        try:
            url = provider.end_session_url(_public_url(request, "/login", "login_form"), hint,
                                           secrets.token_urlsafe(16))
        except OidcError as error:  # the session here is over all the same
            logger.warning("sign-out at the identity provider skipped: %s", error)
    return RedirectResponse(url or "/login?still_at_provider=true", status_code=303)

