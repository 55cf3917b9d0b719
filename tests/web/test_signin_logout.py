"""Signing out of a session begun at the identity provider ends the provider's session too
(OpenID Connect RP-Initiated Logout 1.0): at a shared workstation the next person's "sign in
with the hospital account" signed them straight back in as the one before."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fakes.oidc import CLIENT_ID, FakeProvider, fake_provider
from fakes.web import OidcApp, Secured, csrf_of
from fastapi.testclient import TestClient

from accounts import OidcConfig, OidcProvider
from web.signin import STILL_AT_PROVIDER

NOTICE = "/login?still_at_provider=true"
COOKIE_MAX = 4096  # what browsers keep of one cookie




def _oidc_sign_in(client: TestClient, provider: FakeProvider, **claims: Any) -> None:
    started = client.get("/auth/oidc", params={"next": "/teaching"}, follow_redirects=False)
    back = provider.authorize(started.headers["location"],
                              {"sub": "u-17", "preferred_username": "dr.house",
                               "roles": ["curator"], **claims})
    done = client.get(urlsplit(back)._replace(scheme="", netloc="").geturl(),
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/teaching"
    assert client.get("/teaching").status_code == 200


def _sign_out(client: TestClient) -> Any:
    answer = client.post("/logout", data={"csrf_token": csrf_of(client, "/teaching")},
                         follow_redirects=False)
    assert answer.status_code == 303
    return answer


def _signed_out(client: TestClient, saved: dict[str, str]) -> bool:
    """The session is over here, and a saved copy of its cookie too."""
    pages = [client.get("/teaching", follow_redirects=False),
             TestClient(client.app, cookies=saved).get("/teaching", follow_redirects=False)]
    logouts = [e for e in client.app.state.audit.entries(  # type: ignore[attr-defined]
        event_id="110114") if e.event_type == "110123"]
    return all(p.status_code == 303 and p.headers["location"].startswith("/login")
               for p in pages) and [e.user_name for e in logouts] == ["dr.house"]


def test_signing_out_goes_on_to_the_providers_end_session_endpoint(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app()
    _oidc_sign_in(client, provider)
    assert len(client.cookies["cmr_session"]) < 2000
    saved = dict(client.cookies)
    out = _sign_out(client)
    where = urlsplit(out.headers["location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{provider.issuer}/logout"
    query = {k: v[0] for k, v in parse_qs(where.query).items()}
    assert query["id_token_hint"] == provider.id_tokens[-1] and query["client_id"] == CLIENT_ID
    assert query["post_logout_redirect_uri"] == "http://testserver/login"
    assert len(query["state"]) >= 16 and query["realm"] == "x"  # the endpoint's own query kept
    assert _signed_out(client, saved)
    back = client.get(provider.end_session(out.headers["location"]))
    assert back.status_code == 200 and "Sign in" in back.text
    assert STILL_AT_PROVIDER not in back.text


def test_the_post_logout_redirect_is_on_the_public_url(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app(public_url="http://cmr.hospital.example/")
    _oidc_sign_in(client, provider)
    query = parse_qs(urlsplit(_sign_out(client).headers["location"]).query)
    assert query["post_logout_redirect_uri"] == ["http://cmr.hospital.example/login"]


def test_an_id_token_too_big_for_the_cookie_is_not_kept(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    """The session is a signed cookie: an ID token with many groups in it would push it past
    what a browser keeps, and every sign-in would be lost."""
    client = oidc_app()
    _oidc_sign_in(client, provider, groups=[f"hospital-group-{k:04d}" for k in range(150)])
    assert len(provider.id_tokens[-1]) > 2000
    assert len(client.cookies["cmr_session"]) < 1000
    saved = dict(client.cookies)
    query = parse_qs(urlsplit(_sign_out(client).headers["location"]).query)
    assert "id_token_hint" not in query and query["client_id"] == [CLIENT_ID]
    assert _signed_out(client, saved)


def test_a_hint_just_under_the_limit_fits_the_cookie(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app()
    _oidc_sign_in(client, provider, groups=["g" * 1000])
    assert 1800 < len(provider.id_tokens[-1]) < 2000
    assert len(client.cookies["cmr_session"]) < COOKIE_MAX - 500
    query = parse_qs(urlsplit(_sign_out(client).headers["location"]).query)
    assert query["id_token_hint"] == [provider.id_tokens[-1]]


def test_no_end_session_endpoint_signs_out_here_and_says_so(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    provider.offers_end_session = False
    client = oidc_app()
    _oidc_sign_in(client, provider)
    saved = dict(client.cookies)
    assert _sign_out(client).headers["location"] == NOTICE
    page = client.get(NOTICE).text
    # a word on the state of things, not an error of theirs
    assert f'<div class="notice" role="status">{STILL_AT_PROVIDER}</div>' in page
    assert 'role="alert"' not in page
    assert _signed_out(client, saved)


def test_discovery_failing_at_sign_out_still_signs_out_here(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    """As after a restart (nothing fetched yet) with the provider down: no 500, and the
    session here is over."""
    client = oidc_app()
    _oidc_sign_in(client, provider)
    saved = dict(client.cookies)
    provider.discovery_fails = True
    client.app.state.oidc = OidcProvider(  # type: ignore[attr-defined]
        OidcConfig(provider.issuer, CLIENT_ID))
    assert _sign_out(client).headers["location"] == NOTICE
    assert _signed_out(client, saved)


@pytest.mark.parametrize("endpoint", ["javascript:alert(1)", "http://idp.elsewhere.example/x",
                                      "http://[::1"])
def test_an_end_session_endpoint_not_fit_to_send_a_browser_to_is_not_used(
        provider: FakeProvider, endpoint: str, oidc_app: OidcApp) -> None:
    client = oidc_app()
    _oidc_sign_in(client, provider)
    client.app.state.oidc.metadata()["end_session_endpoint"] = endpoint  # type: ignore[attr-defined]
    assert _sign_out(client).headers["location"] == NOTICE


def test_the_setting_off_signs_out_here_only(provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app(oidc_provider_sign_out=False)
    _oidc_sign_in(client, provider)
    saved = dict(client.cookies)
    assert _sign_out(client).headers["location"] == NOTICE
    assert _signed_out(client, saved)
    assert "CMR_SEARCH_OIDC_PROVIDER_SIGN_OUT" in (Path(__file__).parents[2] / "README.md") \
        .read_text(encoding="utf-8")


def test_a_password_sign_out_is_unchanged_beside_a_provider(secured: Secured,
                                                           provider: FakeProvider) -> None:
    secured.app.state.oidc = OidcProvider(OidcConfig(provider.issuer, CLIENT_ID))
    client = secured.client
    signed = client.post("/login", data={"name": "curator", "password": "curator password!",
                                         "csrf_token": csrf_of(client, "/login"), "next": "/"},
                         follow_redirects=False)
    assert signed.status_code == 303
    assert _sign_out(client).headers["location"] == "/login"
    assert client.get("/teaching", follow_redirects=False).status_code == 303


def test_a_started_sign_in_drops_an_ended_sessions_id_token(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    """A session that ended (expired, not signed out) kept its ID token in the cookie; with a
    new sign-in's pending state and a long `next` beside it the cookie passed 4 KB, which
    browsers drop: every retry failed as "expired"."""
    client = oidc_app()
    _oidc_sign_in(client, provider, groups=["g" * 1000])
    assert len(client.cookies["cmr_session"]) > 2000  # the hint is kept
    # a short next leaves room: the hint stays, for a person who turns back at the provider
    client.get("/auth/oidc", params={"next": "/teaching"}, follow_redirects=False)
    assert len(client.cookies["cmr_session"]) > 2000
    saved = dict(client.cookies)
    client.get("/auth/oidc", params={"next": "/?q=" + "x" * 1500}, follow_redirects=False)
    assert len(client.cookies["cmr_session"]) < 4096 - len("cmr_session=")  # the hint went
    # the person turned back at the provider: still signed in here, and signed out there too
    assert client.get("/teaching").status_code == 200
    where = urlsplit(_sign_out(client).headers["location"])
    query = parse_qs(where.query)
    assert where.path == "/logout" and query["client_id"] == [CLIENT_ID]
    assert "id_token_hint" not in query
    assert _signed_out(client, saved)


def test_a_session_of_a_provider_since_replaced_is_not_sent_to_the_new_one(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app()
    _oidc_sign_in(client, provider)
    saved = dict(client.cookies)
    with fake_provider() as other:  # the settings now name another provider
        app: Any = client.app
        app.state.oidc = OidcProvider(OidcConfig(other.issuer, CLIENT_ID))
        assert _sign_out(client).headers["location"] == NOTICE
    assert _signed_out(client, saved)


@pytest.mark.parametrize("key", ["authorization_endpoint", "token_endpoint", "jwks_uri"])
def test_a_discovery_document_missing_an_endpoint_is_one_line(
        provider: FakeProvider, oidc_app: OidcApp, key: str) -> None:
    provider.omitted = {key}
    started = oidc_app().get("/auth/oidc", follow_redirects=False)
    assert started.status_code == 502 and "could not be used" in started.text
    assert key not in started.text  # the page is anyone's (an admin's: test_signin_provider)
