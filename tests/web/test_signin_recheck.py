"""A session begun at the identity provider goes back through the provider's sign-in every
CMR_SEARCH_OIDC_RECHECK_MINUTES: a role withdrawn or an account disabled there lived on here
for the whole session (8 hours), where hospitals expect it gone within the hour."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fakes.oidc import FakeProvider
from fakes.web import OidcApp, csrf_of
from fastapi.testclient import TestClient
from pydantic import ValidationError

import web.auth
import web.signin
from accounts import Role
from cmr_search.settings import Settings
from web.app import oidc_of
from web.auth import RECHECK_GRACE_S
from web.signin import PROVIDER_ENDED, RECHECK_FAILED, RECHECK_UNREACHABLE

CURATOR = {"sub": "u-17", "preferred_username": "dr.house", "roles": ["curator"]}
HOUR = 3600.0


class Clock:
    """The time web.auth and web.signin read (the provider's tokens keep the real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    shifted = Clock()
    monkeypatch.setattr(web.auth, "time", shifted)
    monkeypatch.setattr(web.signin, "time", shifted)
    return shifted


def _local(url: str) -> str:
    return urlsplit(url)._replace(scheme="", netloc="").geturl()


def _sign_in(client: TestClient, provider: FakeProvider) -> None:
    started = client.get("/auth/oidc", params={"next": "/teaching"}, follow_redirects=False)
    assert "prompt=" not in started.headers["location"]  # a first sign-in may ask the person
    back = provider.authorize(started.headers["location"], CURATOR)
    assert client.get(_local(back), follow_redirects=False).headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching").text


def _to_provider(client: TestClient, page: str = "/teaching") -> str:
    """A page whose session is due: on to the provider's silent sign-in (its URL)."""
    first = client.get(page, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"/login?next={page}"
    login = client.get(first.headers["location"], follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == f"/auth/oidc?next={page}"
    start = client.get(login.headers["location"], follow_redirects=False)
    assert start.status_code == 303
    assert parse_qs(urlsplit(start.headers["location"]).query)["prompt"] == ["none"]
    return str(start.headers["location"])


def _sign_ins(client: TestClient) -> list[Any]:
    return [e for e in client.app.state.audit.entries(event_id="110114")  # type: ignore[attr-defined]
            if e.event_type == "110122"]


def test_a_session_goes_back_through_the_provider_after_the_interval(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    csrf = csrf_of(client, "/teaching")
    clock.offset = 59 * 60  # within the hour: the session as it was
    assert client.get("/teaching", follow_redirects=False).status_code == 200
    clock.offset = 61 * 60
    back = provider.authorize(_to_provider(client), CURATOR)
    done = client.get(_local(back), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching").text
    # the same session vouched for again: open forms still post, and it ends when it would
    assert csrf_of(client, "/teaching") == csrf
    made = client.post("/teaching", data={"name": "rare cases", "csrf_token": csrf},
                       follow_redirects=False)
    assert made.status_code == 303
    clock.offset = 8 * HOUR + 60
    assert client.get("/teaching", follow_redirects=False).headers["location"] == \
        "/login?next=/teaching"
    assert client.get("/login?next=/teaching").status_code == 200  # not sent round again
    entries = _sign_ins(client)  # one entry a re-check, as a sign-in's
    assert [(e.user_name, e.detail.get("recheck")) for e in entries] == \
        [("dr.house", None), ("dr.house", True)]


def test_a_role_withdrawn_at_the_provider_ends_the_session_at_the_recheck(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app(oidc_default_role=None)
    _sign_in(client, provider)
    clock.offset = 61 * 60
    back = provider.authorize(_to_provider(client), {**CURATOR, "roles": []})
    refused = client.get(_local(back), follow_redirects=False)
    assert refused.status_code == 403 and "No access" in refused.text
    assert "no cmr-search role" in refused.text
    # the session is over: the sign-in page, not the provider's round trip again
    assert client.get("/teaching", follow_redirects=False).headers["location"] == \
        "/login?next=/teaching"
    assert client.get("/login?next=/teaching", follow_redirects=False).status_code == 200


def test_a_role_changed_at_the_provider_applies_at_the_recheck(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()  # the few seconds accounts.Users keeps a principal for included
    _sign_in(client, provider)
    assert "dr.house (curator)" in client.get("/teaching").text
    clock.offset = 61 * 60
    back = provider.authorize(_to_provider(client), {**CURATOR, "roles": ["viewer"]})
    assert client.get(_local(back), follow_redirects=False).status_code == 303
    assert "dr.house (viewer)" in client.get("/teaching").text
    refused = client.post("/teaching", data={"name": "x",
                                             "csrf_token": csrf_of(client, "/teaching")})
    assert refused.status_code == 403 and "needs the curator role" in refused.text


@pytest.mark.parametrize("said", ["login_required", "interaction_required",
                                  "consent_required"])
def test_a_provider_session_that_ended_sends_the_person_to_sign_in(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock, said: str) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    clock.offset = 61 * 60
    state = parse_qs(urlsplit(_to_provider(client)).query)["state"][0]
    answer = client.get("/auth/callback", params={"error": said, "state": state},
                        follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?ended=true&next=/teaching"
    page = client.get(answer.headers["location"], follow_redirects=False)
    assert page.status_code == 200 and PROVIDER_ENDED in page.text
    assert "Sign-in failed" not in page.text
    assert client.get("/teaching", follow_redirects=False).headers["location"] == \
        "/login?next=/teaching"
    failed = [e for e in client.app.state.audit.entries(event_id="110114")  # type: ignore[attr-defined]
              if e.outcome]
    assert [(e.user_name, e.detail["reason"]) for e in failed] == [
        ("dr.house", f"identity provider re-check: the identity provider said {said}")]


def test_scripts_and_htmx_after_the_interval_get_what_an_expired_session_gets(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    csrf = csrf_of(client, "/teaching")
    clock.offset = 60 * 60 + RECHECK_GRACE_S + 60  # past the grace they have (a test below)
    api = client.get("/api/v1/studies/1.1")
    assert api.status_code == 401 and api.json()["detail"]
    htmx = {"HX-Request": "true", "HX-Target": "main"}
    fragment = client.get("/?q=dilated", headers=htmx, follow_redirects=False)
    assert fragment.status_code == 303 and fragment.headers["location"].startswith("/login")
    # an XHR follows the redirect with its headers: the sign-in page, never the provider's
    login = client.get(fragment.headers["location"], headers=htmx, follow_redirects=False)
    assert login.status_code == 200 and "Sign in" in login.text
    posted = client.post("/teaching", data={"name": "x", "csrf_token": csrf},
                         headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert posted.status_code == 401


def test_zero_minutes_never_rechecks(provider: FakeProvider, oidc_app: OidcApp,
                                     clock: Clock) -> None:
    client = oidc_app(oidc_recheck_minutes=0)
    _sign_in(client, provider)
    clock.offset = 7 * HOUR
    assert "dr.house (curator)" in client.get("/teaching", follow_redirects=False).text


def test_a_password_session_beside_the_provider_is_not_rechecked(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    client.app.state.users.add("nurse", Role.CURATOR,  # type: ignore[attr-defined]
                               password="nurse password!")
    signed = client.post("/login", data={"name": "nurse", "password": "nurse password!",
                                         "csrf_token": csrf_of(client, "/login"), "next": "/"},
                         follow_redirects=False)
    assert signed.status_code == 303
    clock.offset = 7 * HOUR
    assert "nurse (curator)" in client.get("/teaching", follow_redirects=False).text


def test_the_interval_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CMR_SEARCH_OIDC_RECHECK_MINUTES", raising=False)
    assert Settings().oidc_recheck_minutes == 60
    monkeypatch.setenv("CMR_SEARCH_OIDC_RECHECK_MINUTES", "15")
    assert Settings().oidc_recheck_minutes == 15
    with pytest.raises(ValidationError):
        Settings(oidc_recheck_minutes=-1)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "CMR_SEARCH_OIDC_RECHECK_MINUTES" in readme


def _session(client: TestClient) -> dict[str, Any]:
    """The session cookie's contents (Starlette's: base64 JSON, then its signature)."""
    data = str(client.cookies["cmr_session"]).split(".")[0]
    return dict(json.loads(base64.b64decode(data + "=" * (-len(data) % 4))))


def _failures(client: TestClient) -> list[tuple[str, str]]:
    return [(e.user_name, e.detail["reason"]) for e in  # type: ignore[attr-defined]
            client.app.state.audit.entries(event_id="110114") if e.outcome]  # type: ignore[attr-defined]


def _sign_in_page_reachable(client: TestClient, location: str, notice: str) -> None:
    """The sign-in page, with why the session ended, its password form and the provider's
    button; a local account (the break-glass admin) signs in there."""
    page = client.get(location, follow_redirects=False)
    assert page.status_code == 200 and notice in page.text
    assert 'name="password"' in page.text and "/auth/oidc?next=/teaching" in page.text
    assert client.get("/login?next=/teaching", follow_redirects=False).status_code == 200
    client.app.state.users.add("breakglass", Role.ADMIN,  # type: ignore[attr-defined]
                               password="breakglass password!")
    signed = client.post("/login", data={"name": "breakglass",
                                         "password": "breakglass password!",
                                         "csrf_token": csrf_of(client, "/login"),
                                         "next": "/teaching"}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/teaching"


def test_a_provider_not_reachable_at_the_recheck_ends_the_session_here(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    clock.offset = 61 * 60
    provider.discovery_fails = True  # and its discovery document no longer cached here
    client.app.state.oidc = oidc_of(client.app.state.settings)  # type: ignore[attr-defined]
    login = client.get("/teaching", follow_redirects=False).headers["location"]
    start = client.get(client.get(login, follow_redirects=False).headers["location"],
                       follow_redirects=False)
    assert start.status_code == 303
    assert start.headers["location"] == "/login?ended=unreachable&next=/teaching"
    [(who, why)] = _failures(client)
    assert who == "dr.house"
    assert why.startswith("identity provider re-check: the identity provider is not reachable")
    _sign_in_page_reachable(client, start.headers["location"], RECHECK_UNREACHABLE)


@pytest.mark.parametrize(("answer", "ended", "why"), [
    ({"error": "temporarily_unavailable"}, "temporarily_unavailable",
     "the identity provider said temporarily_unavailable"),
    ({"error": "<b>made up</b>"}, "failed", "the identity provider said an error"),
    ({"code": "not-a-code-it-gave"}, "failed", "OIDC token exchange"),
    ({}, "failed", "the identity provider sent no code")])
def test_a_recheck_that_fails_at_the_callback_ends_the_session_here(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock, answer: dict[str, str],
        ended: str, why: str) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    clock.offset = 61 * 60
    state = parse_qs(urlsplit(_to_provider(client)).query)["state"][0]
    back = client.get("/auth/callback", params={**answer, "state": state},
                      follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"] == f"/login?ended={ended}&next=/teaching"
    [(who, reason)] = _failures(client)
    assert who == "dr.house" and reason.startswith(f"identity provider re-check: {why}")
    notice = RECHECK_FAILED if ended == "failed" else \
        "The identity provider said temporarily_unavailable"
    _sign_in_page_reachable(client, back.headers["location"], notice)


def test_a_sign_out_after_the_interval_is_in_the_trail_under_the_account(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    csrf = csrf_of(client, "/teaching")
    clock.offset = 2 * HOUR  # past the interval and its grace for forms
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    outs = [e for e in client.app.state.audit.entries(event_id="110114")  # type: ignore[attr-defined]
            if e.event_type == "110123"]
    assert [e.user_name for e in outs] == ["dr.house"]


@pytest.mark.parametrize("first", [0, 1])
def test_two_tabs_rechecking_at_once_both_go_on(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock, first: int) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    clock.offset = 61 * 60
    starts = [_to_provider(client, page) for page in ("/teaching", "/")]  # the 2nd replaces
    backs = [_local(provider.authorize(url, CURATOR)) for url in starts]
    if first == 0:  # the replaced one back first: the other's sign-in is left for it
        stale = client.get(backs[0], follow_redirects=False)
        assert stale.status_code == 400
        done = client.get(backs[1], follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/"
    else:  # the other tab renewed the session: this one goes on to the start page
        done = client.get(backs[1], follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/"
        late = client.get(backs[0], follow_redirects=False)
        assert late.status_code == 303 and late.headers["location"] == "/"
    assert "dr.house (curator)" in client.get("/teaching", follow_redirects=False).text


def test_open_access_does_not_stand_in_for_a_session_due_for_its_recheck(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app(open_role="viewer")
    client.app.state.open_access = True  # type: ignore[attr-defined]  # a loopback server
    _sign_in(client, provider)
    clock.offset = 61 * 60
    back = provider.authorize(_to_provider(client), CURATOR)
    assert client.get(_local(back), follow_redirects=False).headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching", follow_redirects=False).text


@pytest.mark.parametrize("minutes", [0.001, 0.5, -1])
def test_an_interval_under_a_minute_is_refused(minutes: float) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(oidc_recheck_minutes=minutes)
    [line] = [e["msg"] for e in refused.value.errors()]
    assert "0 (never) or at least 1 minute" in line and "\n" not in line
    assert Settings(oidc_recheck_minutes=1).oidc_recheck_minutes == 1


def test_forms_htmx_api_and_media_have_a_grace_after_the_interval(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    csrf = csrf_of(client, "/teaching")
    htmx = {"HX-Request": "true", "HX-Target": "main"}
    clock.offset = 60 * 60 + RECHECK_GRACE_S - 60  # a page goes round; the rest is served
    assert client.get("/teaching", follow_redirects=False).status_code == 303
    made = client.post("/teaching", data={"name": "typed before the hour", "csrf_token": csrf},
                       headers={"Accept": "text/html"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/teaching/")
    assert client.get("/?q=dilated", headers=htmx, follow_redirects=False).status_code == 200
    assert client.get("/api/v1/studies/1.1").status_code == 200
    assert client.get("/media/previews/none.webp").status_code == 404  # not 401
    clock.offset = 60 * 60 + RECHECK_GRACE_S + 1  # then refused, as an expired session's
    assert client.get("/api/v1/studies/1.1").status_code == 401
    assert client.get("/media/previews/none.webp").status_code == 401


def test_a_recheck_answered_for_another_account_starts_a_new_session(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    _sign_in(client, provider)
    before = _session(client)
    clock.offset = 61 * 60
    wilson = {"sub": "u-99", "preferred_username": "dr.wilson", "roles": ["viewer"]}
    back = provider.authorize(_to_provider(client), wilson)
    assert client.get(_local(back), follow_redirects=False).status_code == 303
    after = _session(client)
    assert after["uid"] != before["uid"]
    assert after["csrf"] != before["csrf"]  # the last person's open forms post nothing
    assert after["since"] >= before["since"] + 60 * 60  # the new person's own hours
    assert "dr.wilson (viewer)" in client.get("/teaching").text
    entries = _sign_ins(client)
    assert [(e.user_name, e.detail.get("recheck")) for e in entries] == \
        [("dr.house", None), ("dr.wilson", None)]
