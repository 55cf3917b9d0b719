"""A session begun at the identity provider goes back through the provider's sign-in every
CMR_SEARCH_OIDC_RECHECK_MINUTES: a role withdrawn or an account disabled there lived on here
for the whole session (8 hours), where hospitals expect it gone within the hour."""

from __future__ import annotations

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
from web.signin import PROVIDER_ENDED

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
    clock.offset = 61 * 60
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
