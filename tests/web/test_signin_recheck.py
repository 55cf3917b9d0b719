"""A session begun at the identity provider goes back through the provider's sign-in every
CMR_SEARCH_OIDC_RECHECK_MINUTES: a role withdrawn or an account disabled there lived on here
for the whole session (8 hours), where hospitals expect it gone within the hour."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fakes.oidc import FakeProvider
from fakes.recheck import CURATOR, Clock, failures_of, local, session_of, sign_in, to_provider
from fakes.web import OidcApp, csrf_of
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.requests import Request

import web.auth
import web.signin
from accounts import Role
from cmr_search.settings import Settings
from web.app import oidc_of
from web.auth import RECHECK_GRACE_S
from web.signin_notices import PROVIDER_ENDED, RECHECK_FAILED, RECHECK_UNREACHABLE

HOUR = 3600.0
ROOM = 4096 - len("cmr_session=")  # a browser keeps 4096 bytes of name and value


def _sign_ins(client: TestClient, kind: str = "110122") -> list[Any]:  # 110123: sign-outs
    return [e for e in client.app.state.audit.entries(event_id="110114")  # type: ignore[attr-defined]
            if e.event_type == kind and not e.outcome]


def test_a_session_goes_back_through_the_provider_after_the_interval(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    sign_in(client, provider)
    csrf = csrf_of(client, "/teaching")
    clock.offset = 59 * 60  # within the hour: the session as it was
    assert client.get("/teaching", follow_redirects=False).status_code == 200
    clock.offset = 61 * 60
    back = provider.authorize(to_provider(client), CURATOR)
    done = client.get(local(back), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching").text
    for ended in ("true", "unreachable", "failed", "temporarily_unavailable"):  # a link's word
        page = client.get("/login", params={"ended": ended}).text  # (a phishing aid): none
        assert PROVIDER_ENDED not in page and "renew your sign-in" not in page
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
    sign_in(client, provider)
    clock.offset = 61 * 60
    back = provider.authorize(to_provider(client), {**CURATOR, "roles": []})
    refused = client.get(local(back), follow_redirects=False)
    assert refused.status_code == 403 and "No access" in refused.text
    assert "no cmr-search role" in refused.text
    # the session is over: the sign-in page, not the provider's round trip again
    assert client.get("/teaching", follow_redirects=False).headers["location"] == \
        "/login?next=/teaching"
    assert client.get("/login?next=/teaching", follow_redirects=False).status_code == 200


def test_a_role_changed_at_the_provider_applies_at_the_recheck(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()  # the few seconds accounts.Users keeps a principal for included
    sign_in(client, provider)
    assert "dr.house (curator)" in client.get("/teaching").text
    clock.offset = 61 * 60
    back = provider.authorize(to_provider(client), {**CURATOR, "roles": ["viewer"]})
    assert client.get(local(back), follow_redirects=False).status_code == 303
    assert "dr.house (viewer)" in client.get("/teaching").text
    refused = client.post("/teaching", data={"name": "x",
                                             "csrf_token": csrf_of(client, "/teaching")})
    assert refused.status_code == 403 and "needs the curator role" in refused.text


@pytest.mark.parametrize("said", ["login_required", "interaction_required",
                                  "consent_required"])
def test_a_provider_session_that_ended_sends_the_person_tosign_in(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock, said: str) -> None:
    client = oidc_app()
    sign_in(client, provider)
    clock.offset = 61 * 60
    state = parse_qs(urlsplit(to_provider(client)).query)["state"][0]
    answer = client.get("/auth/callback", params={"error": said, "state": state},
                        follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login?next=/teaching")
    page = client.get(answer.headers["location"], follow_redirects=False)
    assert page.status_code == 200 and PROVIDER_ENDED in page.text
    assert "Sign-in failed" not in page.text
    assert PROVIDER_ENDED not in client.get(answer.headers["location"]).text  # said once
    assert client.get("/teaching", follow_redirects=False).headers["location"] == \
        "/login?next=/teaching"
    assert failures_of(client) == [
        ("dr.house", f"identity provider re-check: the identity provider said {said}")]


def test_scripts_and_htmx_after_the_interval_get_what_an_expired_session_gets(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    sign_in(client, provider)
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
    sign_in(client, provider)
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
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "CMR_SEARCH_OIDC_RECHECK_MINUTES" in readme
    for minutes in (0.001, 0.5, -1):  # 0.001 looped
        with pytest.raises(ValidationError) as refused:
            Settings(oidc_recheck_minutes=minutes)
        [line] = [e["msg"] for e in refused.value.errors()]
        assert "0 (never) or at least 1 minute" in line and "\n" not in line
    assert Settings(oidc_recheck_minutes=1).oidc_recheck_minutes == 1


def _sign_in_page_reachable(client: TestClient, location: str, notice: str) -> None:
    """The sign-in page, with why the session ended, its password form and the provider's
    button; a local account (the break-glass admin) signs in there."""
    assert location == "/login?next=/teaching"  # the notice is the session's, not the URL's
    page = client.get(location, follow_redirects=False)
    assert page.status_code == 200 and notice in page.text
    assert 'name="password"' in page.text and "/auth/oidc?next=/teaching" in page.text
    again = client.get(location, follow_redirects=False)
    assert again.status_code == 200 and notice not in again.text  # said once
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
    sign_in(client, provider)
    clock.offset = 61 * 60
    provider.discovery_fails = True  # and its discovery document no longer cached here
    client.app.state.oidc = oidc_of(client.app.state.settings)  # type: ignore[attr-defined]
    login = client.get("/teaching", follow_redirects=False).headers["location"]
    start = client.get(client.get(login, follow_redirects=False).headers["location"],
                       follow_redirects=False)
    [(who, why)] = failures_of(client)
    assert who == "dr.house"
    assert why.startswith("identity provider re-check: the identity provider is not reachable")
    _sign_in_page_reachable(client, start.headers["location"], RECHECK_UNREACHABLE)


@pytest.mark.parametrize(("answer", "notice", "why"), [
    ({"error": "temporarily_unavailable"}, "The identity provider said temporarily_unavailable",
     "the identity provider said temporarily_unavailable"),
    ({"error": "<b>made up</b>"}, RECHECK_FAILED, "the identity provider said an error"),
    ({"code": "not-a-code-it-gave"}, RECHECK_FAILED, "OIDC token exchange"),
    ({}, RECHECK_FAILED, "the identity provider sent no code")])
def test_a_recheck_that_fails_at_the_callback_ends_the_session_here(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock, answer: dict[str, str],
        notice: str, why: str) -> None:
    client = oidc_app()
    sign_in(client, provider)
    clock.offset = 61 * 60
    state = parse_qs(urlsplit(to_provider(client)).query)["state"][0]
    back = client.get("/auth/callback", params={**answer, "state": state},
                      follow_redirects=False)
    [(who, reason)] = failures_of(client)
    assert who == "dr.house" and reason.startswith(f"identity provider re-check: {why}")
    _sign_in_page_reachable(client, back.headers["location"], notice)


def test_a_sign_out_after_the_interval_is_in_the_trail_under_the_account(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    sign_in(client, provider)
    csrf = csrf_of(client, "/teaching")
    clock.offset = 2 * HOUR  # past the interval and its grace for forms
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert [e.user_name for e in _sign_ins(client, "110123")] == ["dr.house"]


def _tabs(client: TestClient, provider: FakeProvider, pages: list[str]) -> list[str]:
    """Tabs due at once, opened in turn: each one's callback as the provider sends it back."""
    return [local(provider.authorize(to_provider(client, page), CURATOR)) for page in pages]


@pytest.mark.parametrize("order", ["01", "10", "012", "210", "120", "021", "0312"])
def test_tabs_rechecking_at_once_all_go_on(provider: FakeProvider, oidc_app: OidcApp,
                                           clock: Clock, order: str) -> None:
    """Each tab renews the session and goes on to its own page, in any order (one failed and
    wrote a forgery-looking entry, hourly); a callback of no tab's (a link) changes nothing."""
    client = oidc_app()
    sign_in(client, provider)
    clock.offset = 61 * 60
    pages = ["/teaching", "/", "/study/1.2.3", "/upload"][:len(order)]
    backs, before, dropped = _tabs(client, provider, pages), session_of(client), len(order) - 3
    for forged in ("error=login_required", "code=forged"):
        refused = client.get(f"/auth/callback?{forged}&state=not-mine", follow_redirects=False)
        assert refused.status_code == 400 and session_of(client) == before
    for tab in map(int, order):
        done = client.get(backs[tab], follow_redirects=False)
        assert done.status_code == 400 if tab < dropped else \
            done.headers["location"] == pages[tab]
    assert [who for who, _ in failures_of(client)] == ["-"] * (2 + max(dropped, 0))
    assert "oidc" not in session_of(client) and "dr.house (curator)" in client.get("/").text
    assert [e.detail.get("recheck") for e in _sign_ins(client)] == \
        [None, *[True] * min(len(order), 3)]


def test_a_pending_sign_in_keeps_the_cookie_under_4_kb(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    """`next` was counted in characters, not bytes: one of 1,900 'é' (a crafted link; six
    bytes each in the cookie's JSON) made a 15.7 KB cookie, which browsers drop."""
    client = oidc_app()
    sign_in(client, provider)
    clock.offset = 61 * 60
    back = provider.authorize(to_provider(client, "/study/" + "é" * 1900), CURATOR)
    assert len(client.cookies["cmr_session"]) < ROOM
    assert client.get(local(back), follow_redirects=False).headers["location"] == "/"
    # three tabs with long pages beside a big ID token: the hint goes, then the oldest tab's
    sign_in(client, provider, {**CURATOR, "groups": ["g" * 1000]})
    assert len(session_of(client)["id_token"]) > 1700
    clock.offset = 2 * 61 * 60
    pages, backs = [f"/study/1.{tab}.{'9' * 900}" for tab in range(3)], []
    for page in pages:
        backs += _tabs(client, provider, [page])
        assert len(client.cookies["cmr_session"]) < ROOM
    assert "id_token" not in session_of(client)
    assert client.get(backs[0], follow_redirects=False).status_code == 400
    for back, page in zip(backs[1:], pages[1:], strict=True):
        assert client.get(back, follow_redirects=False).headers["location"] == page
        assert len(client.cookies["cmr_session"]) < ROOM


def test_one_rule_says_which_requests_go_round_the_provider() -> None:
    def goes_round(method: str = "GET", path: str = "/teaching", **headers: str) -> bool:
        sent = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
        return web.auth.goes_round(Request({"type": "http", "method": method, "path": path,
                                            "query_string": b"", "headers": sent}))
    assert goes_round() and goes_round(path="/") and not goes_round("POST")
    assert not goes_round(hx_request="true") and not goes_round(authorization="Bearer x")
    assert not goes_round(path="/api/v1/studies") and not goes_round(path="/media/x.webp")


def test_open_access_does_not_stand_in_for_a_session_due_for_its_recheck(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app(open_role="viewer")
    client.app.state.open_access = True  # type: ignore[attr-defined]  # a loopback server
    sign_in(client, provider)
    clock.offset = 61 * 60
    back = provider.authorize(to_provider(client), CURATOR)
    assert client.get(local(back), follow_redirects=False).headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching", follow_redirects=False).text


def test_forms_htmx_api_and_media_have_a_grace_after_the_interval(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    sign_in(client, provider)
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


def test_a_recheck_answered_for_another_account_starts_a_newsession_of(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    client = oidc_app()
    sign_in(client, provider)
    before = session_of(client)
    clock.offset = 61 * 60
    wilson = {"sub": "u-99", "preferred_username": "dr.wilson", "roles": ["viewer"]}
    back = provider.authorize(to_provider(client), wilson)
    assert client.get(local(back), follow_redirects=False).status_code == 303
    after = session_of(client)
    assert after["uid"] != before["uid"]
    assert after["csrf"] != before["csrf"]  # the last person's open forms post nothing
    assert after["since"] >= before["since"] + 60 * 60  # the new person's own hours
    assert "dr.wilson (viewer)" in client.get("/teaching").text
    entries = _sign_ins(client)
    assert [(e.user_name, e.detail.get("recheck")) for e in entries] == \
        [("dr.house", None), ("dr.wilson", None)]


def test_a_tab_left_at_the_provider_expires_and_ends_nothing(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    """Its sign-in was carried on by every renewal (the sign-out hint gave way to it), and its
    page coming back later (a restored browser) ended the session."""
    client = oidc_app()
    sign_in(client, provider)
    clock.offset = 61 * 60
    left = local(provider.authorize(to_provider(client, "/"), CURATOR))
    clock.offset += 11 * 60
    back = local(provider.authorize(to_provider(client), CURATOR))
    assert client.get(back, follow_redirects=False).headers["location"] == "/teaching"
    assert "oidc" not in session_of(client) and session_of(client).get("id_token")
    assert client.get(left, follow_redirects=False).status_code == 400
    assert "dr.house (curator)" in client.get("/teaching").text


def test_a_sign_in_of_another_account_keeps_no_sign_in_under_way(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    """A sign-in started before another person's would outlive it (session fixation)."""
    client = oidc_app()
    sign_in(client, provider)
    clock.offset = 61 * 60
    wilson = {"sub": "u-18", "preferred_username": "dr.wilson", "roles": ["viewer"]}
    first = local(provider.authorize(to_provider(client, "/"), wilson))
    second = local(provider.authorize(to_provider(client), CURATOR))
    assert client.get(first, follow_redirects=False).headers["location"] == "/"
    assert "oidc" not in session_of(client)
    assert client.get(second, follow_redirects=False).status_code == 400
    assert "dr.wilson (viewer)" in client.get("/").text


def test_a_tab_answered_twice_after_another_renewed_ends_nothing(
        provider: FakeProvider, oidc_app: OidcApp, clock: Clock) -> None:
    """Two callbacks sent with one cookie left the first's sign-in in the last cookie written;
    its code used again failed at the provider and ended the session the other had renewed."""
    client = oidc_app()
    sign_in(client, provider)
    clock.offset = 61 * 60
    backs = _tabs(client, provider, ["/teaching", "/"])
    cookie = client.cookies["cmr_session"]
    assert client.get(backs[0], follow_redirects=False).headers["location"] == "/teaching"
    client.cookies.clear()
    client.cookies.set("cmr_session", cookie)  # the second tab's request left with the old one
    assert client.get(backs[1], follow_redirects=False).headers["location"] == "/"
    again = client.get(backs[0], follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching").text
