"""Accounts and the audit trail: one's own API tokens (anyone signed in), users, roles,
everyone's tokens and the audit trail (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import AccountError, AlreadyRevoked, PasswordError, Principal, Role, parse_role
from db import Action, EventId, stored_time
from web.auth import in_person, record, require
from web.deps import one_of_each
from web.pages import render
from web.signin import password_attempt

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal, Depends(require(Role.VIEWER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Name = Annotated[str, Path(max_length=80)]
TokenId = Annotated[str, Path(max_length=32)]
Text = Annotated[str, Query(max_length=80)]


def _account_page(request: Request, principal: Principal, status: int = 200,
                  new_token: str | None = None, error: str | None = None) -> HTMLResponse:
    tokens = request.app.state.tokens.list(principal.name) if principal.user_id else []
    account = request.app.state.users.get(principal.name) if principal.user_id else None
    return render(request, "account.html", status, tokens=tokens, new_token=new_token,
                  error=error, has_account=principal.user_id is not None,
                  is_local=account is not None and account.local)


# a token gets 403 before the form is judged, not 422; a field given twice is refused
_IN_PERSON = [Depends(in_person), Depends(one_of_each)]
# routes a token cannot use, only a person signed in (`web.auth.in_person`)
IN_PERSON = frozenset({("POST", "/account/tokens"), ("POST", "/admin/users"),
                       ("POST", "/admin/users/{name}/role"),
                       ("POST", "/admin/users/{name}/disable"),
                       ("POST", "/admin/users/{name}/password"), ("POST", "/account/password"),
                       ("POST", "/admin/tokens/{token_id}/revoke")})
Secret = Annotated[str, Form(max_length=1024)]


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: Anyone) -> HTMLResponse:
    return _account_page(request, principal)


@router.post("/account/tokens", response_class=HTMLResponse, dependencies=_IN_PERSON)
def create_token(request: Request, principal: Anyone, name: Annotated[str, Form()],
                 days: Annotated[int, Form(ge=1, le=366)] = 90) -> HTMLResponse:
    """A personal API token, shown once on the page that answers."""
    if principal.user_id is None:
        return _account_page(request, principal, 400, error="API tokens belong to accounts: "
                             "sign in with one")
    try:
        info, token = request.app.state.tokens.create(principal.name, name, days)
    except AccountError as error:
        return _account_page(request, principal, 400, error=str(error))
    record(request, EventId.USER_SECURITY_ATTRIBUTES_CHANGED, Action.CREATE,
           token=info.token_id, expires=info.expires)
    return _account_page(request, principal, new_token=token)


@router.post("/account/tokens/{token_id}/revoke", response_model=None)
def revoke_own(request: Request, principal: Anyone, token_id: TokenId) -> Response:
    try:
        request.app.state.tokens.revoke(token_id, principal.name)
    except AlreadyRevoked:  # a second click: it is off, as asked
        return RedirectResponse("/account", status_code=303)
    except AccountError as error:
        return _account_page(request, principal, 404, error=str(error))
    record(request, EventId.USER_SECURITY_ATTRIBUTES_CHANGED, Action.DELETE, token=token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password", response_model=None, dependencies=_IN_PERSON)
def change_password(request: Request, principal: Anyone, current: Secret, new: Secret,
                    again: Secret) -> Response:
    """One's own new password (a local account), the current one typed first; every session
    of the account ends with it, this one too: sign in again with the new password."""
    users = request.app.state.users
    account = users.get(principal.name) if principal.user_id is not None else None
    if account is None or not account.local:
        return _account_page(request, principal, 400, error="this account signs in with the "
                             "identity provider: change the password there")
    if new != again:
        return _account_page(request, principal, 400, error="the new password and its "
                             "repetition differ")
    # guessing the current password is guessing one
    checked = password_attempt(request, account.name, principal.name, current,
                               "wrong current password (password change)")
    if checked == "throttled":
        return _account_page(request, principal, 429, error="too many wrong passwords from "
                             "this computer: try again in 15 minutes")
    if checked == "busy":
        return _account_page(request, principal, 429, error="many sign-ins at once from "
                             "this computer: try again in a moment")
    if checked == "wrong":
        return _account_page(request, principal, 400, error="the current password is wrong")
    try:
        users.set_password(account.name, new)
    except PasswordError as error:
        return _account_page(request, principal, 400, error=str(error))
    # the tokens stay: their owner changed the password, and revokes a token on this page
    record(request, EventId.SECURITY_ROLES_CHANGED, Action.UPDATE, user=account.name,
           password="changed by its owner")
    return RedirectResponse("/login?changed=1", status_code=303)


@router.post("/admin/users/{name}/password", response_model=None, dependencies=_IN_PERSON)
def reset_password(request: Request, principal: Admin, name: Name,
                   password: Secret) -> Response:
    """An administrator gives an account a new password (a leaked one, a forgotten one): its
    sessions end and its API tokens are revoked (one made with a leaked password outlived the
    reset); the person signs in with the new one and should change it."""
    state = request.app.state
    account = state.users.get(name)
    if account is None:
        return _users_page(request, 404, f"no user {name!r}")
    if not account.local:  # a local password would outlive the identity provider's say
        return _users_page(request, 400, f"{account.name} signs in with the identity "
                           "provider: its password is set there")
    if _yourself(request, principal, name):  # a stolen session could lock the admin out
        return _users_page(request, 400, "your own password: change it on your account page, "
                           "with the current one")
    try:
        changed = state.users.set_password(account.name, password)
    except (AccountError, PasswordError) as error:
        return _users_page(request, 400, str(error))
    revoked = state.tokens.revoke_all(changed.name)
    record(request, EventId.SECURITY_ROLES_CHANGED, Action.UPDATE, user=changed.name,
           password="set by an administrator", tokens_revoked=revoked)
    return RedirectResponse("/admin/users", status_code=303)


def _yourself(request: Request, principal: Principal, name: str) -> bool:
    """Whether `name` is the admin's own account (names match without case)."""
    account = request.app.state.users.get(name)
    return account is not None and account.id == principal.user_id


def _status(request: Request, name: str) -> int:
    """404 for a change to an account that does not exist (a 400 said the form was wrong)."""
    return 404 if request.app.state.users.get(name) is None else 400


def _users_page(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    state = request.app.state
    return render(request, "admin_users.html", status, users=state.users.all(),
                  tokens=state.tokens.list(), roles=list(Role), error=error)


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, principal: Admin) -> HTMLResponse:
    return _users_page(request)


@router.post("/admin/users", response_model=None, dependencies=_IN_PERSON)
def add_user(request: Request, principal: Admin, name: Annotated[str, Form(max_length=80)],
             role: Annotated[str, Form(max_length=16)],
             password: Annotated[str, Form(max_length=1024)] = "") -> Response:
    try:
        request.app.state.users.add(name, parse_role(role), password or None)
    except (AccountError, PasswordError) as error:
        return _users_page(request, 400, str(error))
    record(request, EventId.SECURITY_ROLES_CHANGED, Action.CREATE, user=name, role=role)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/role", response_model=None, dependencies=_IN_PERSON)
def set_role(request: Request, principal: Admin, name: Name,
             role: Annotated[str, Form(max_length=16)]) -> Response:
    if _yourself(request, principal, name) and role != Role.ADMIN.value:
        return _users_page(request, 400, "you cannot take the admin role from yourself: "
                           "another administrator can (or `cmr-search users set-role`)")
    try:
        # its tokens act with the new role at once in this process (`Users` tells
        # `ApiTokens`), in the others of `serve --workers` within their caches' 5 s
        changed = request.app.state.users.set_role(name, parse_role(role))
    except AccountError as error:
        return _users_page(request, _status(request, name), str(error))
    record(request, EventId.SECURITY_ROLES_CHANGED, Action.UPDATE, user=changed.name,
           role=role)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/disable", response_model=None,
             dependencies=_IN_PERSON)
def disable(request: Request, principal: Admin, name: Name,
            disabled: Annotated[bool, Form()] = True) -> Response:
    if _yourself(request, principal, name) and disabled:
        return _users_page(request, 400, "you cannot disable your own account: another "
                           "administrator can (or `cmr-search users disable`)")
    try:
        changed, done = request.app.state.users.set_disabled(name, disabled)
    except AccountError as error:
        return _users_page(request, _status(request, name), str(error))
    if not done:  # already so: nothing to record
        return RedirectResponse("/admin/users", status_code=303)
    record(request, EventId.SECURITY_ROLES_CHANGED, Action.UPDATE, user=changed.name,
           disabled=disabled)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/tokens/{token_id}/revoke", response_model=None,
             dependencies=_IN_PERSON)
def revoke_any(request: Request, principal: Admin, token_id: TokenId) -> Response:
    try:
        request.app.state.tokens.revoke(token_id)
    except AlreadyRevoked:  # a second click: it is off, as asked
        return RedirectResponse("/admin/users", status_code=303)
    except AccountError as error:
        return _users_page(request, 404, str(error))
    record(request, EventId.USER_SECURITY_ATTRIBUTES_CHANGED, Action.DELETE, token=token_id)
    return RedirectResponse("/admin/users", status_code=303)


def _audit_filter_error(since: str, until: str, event: str) -> str | None:
    """Why a filter of the trail can match nothing: an event code it never holds, or a range
    that ends before it starts."""
    if event and event not in {e.value for e in EventId}:
        codes = ", ".join(f"{e.value} ({e.name.lower().replace('_', ' ')})" for e in EventId)
        return f"event {event!r}: not a code the trail holds ({codes})"
    try:
        if since and until and stored_time(until) <= stored_time(since):
            return f"until {until!r} is not after since {since!r}"
    except ValueError:
        return None  # said by the trail's own reading, as before
    return None


@router.get("/admin/audit", response_class=HTMLResponse)
def audit(request: Request, principal: Admin, since: Text = "", until: Text = "",
          user: Text = "", event: Text = "", study: Annotated[str, Query(max_length=64)] = "",
          limit: Annotated[int, Query(ge=1, le=1000)] = 200,
          verify: bool = False) -> HTMLResponse:
    """The newest entries first, filtered; `verify` checks the whole chain."""
    trail = request.app.state.audit
    wrong = _audit_filter_error(since, until, event)
    if wrong:  # each of these listed nothing and said nothing
        return render(request, "error.html", 400, title="Bad filter", message=wrong)
    try:
        entries = trail.entries(since=since or None, until=until or None,
                                user_name=user or None, event_id=event or None,
                                study_uid=study or None, limit=limit, newest_first=True)
    except ValueError:  # it listed nothing, and said nothing
        return render(request, "error.html", 400, title="Bad filter",
                      message=f"since {since!r} / until {until!r}: write an ISO 8601 date or "
                      "time (UTC unless it names its offset)")
    problems = trail.verify() if verify else None
    # who looked into the trail, and for what (a filter on a study or a colleague tells)
    asked: dict[str, Any] = {k: v for k, v in (("since", since), ("until", until),
                                                ("user", user), ("event", event)) if v}
    record(request, EventId.AUDIT_LOG_USED, Action.READ, [study] if study else (),
           shown=len(entries), verified=verify, **asked)
    return render(request, "admin_audit.html", entries=entries, problems=problems,
                  filters={"since": since, "until": until, "user": user, "event": event,
                           "study": study, "limit": limit}, verified=verify)
