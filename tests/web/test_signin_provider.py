"""A sign-in whose identity provider answers wrongly (web.signin): a plain line for anyone,
the details in the server log, the summary (no host) for an administrator."""

from __future__ import annotations

from typing import Any

import pytest
from fakes.oidc import FakeProvider
from fakes.web import OidcApp, csrf_of

from accounts import Role

PLAIN = ("The identity provider&#39;s answer could not be used, so sign-in through it is not "
         "available: try again later, or tell an administrator")


def _answers_wrongly(provider: FakeProvider, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if fault == "garbage":
        provider.discovery_garbage = True
    elif fault == "issuer":
        document = {**provider.discovery(), "issuer": "https://other.example"}
        monkeypatch.setattr(provider, "discovery", lambda: document)
    else:
        provider.omitted = {"jwks_uri"}


@pytest.mark.parametrize("fault", ["garbage", "issuer", "endpoint"])
def test_a_wrong_answer_shows_anyone_a_plain_line(provider: FakeProvider, oidc_app: OidcApp,
                                                  fault: str, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """The 502 page showed the error itself: "OIDC discovery at http://127.0.0.1:PORT/.well-
    known/openid-configuration: JSONDecodeError", or both issuers, to anyone."""
    _answers_wrongly(provider, fault, monkeypatch)
    started = oidc_app().get("/auth/oidc", follow_redirects=False)
    assert started.status_code == 502 and PLAIN in started.text
    for detail in ("127.0.0.1", "openid-configuration", "JSONDecodeError", "other.example",
                   "jwks_uri", "OIDC"):
        assert detail not in started.text
    logged = [r.getMessage() for r in caplog.records if r.name == "web.signin"]
    assert len(logged) == 1 and "OIDC discovery" in logged[0]


def test_an_administrator_is_told_the_summary(provider: FakeProvider,
                                              oidc_app: OidcApp) -> None:
    client = oidc_app()
    app: Any = client.app
    app.state.users.add("admin", Role.ADMIN, password="admin password!")
    client.post("/login", data={"name": "admin", "password": "admin password!",
                                "csrf_token": csrf_of(client, "/login"), "next": "/"})
    provider.discovery_garbage = True
    started = client.get("/auth/oidc", follow_redirects=False)
    assert started.status_code == 502
    assert "(its discovery answer is not usable (JSONDecodeError))" in started.text
    assert "127.0.0.1" not in started.text


def _to_callback(provider: FakeProvider, oidc_app: OidcApp) -> tuple[Any, str]:
    """A client whose sign-in was started, and the provider's redirect back to it."""
    client = oidc_app()
    started = client.get("/auth/oidc", follow_redirects=False)
    back = provider.authorize(started.headers["location"], {"sub": "u-1", "roles": ["viewer"]})
    return client, back.replace("http://testserver", "")


@pytest.mark.parametrize("fault", ["garbage", "issuer", "endpoint"])
def test_a_discovery_at_the_callback_is_the_providers_fault(
        provider: FakeProvider, oidc_app: OidcApp, fault: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another worker, or the server after a restart, fetches discovery at the callback: its
    wrong answer was a 401 "Sign-in failed" showing "OIDC discovery at http://127.0.0.1:PORT/
    ...: JSONDecodeError" (or both issuers) to anyone, in the trail as the person's failure."""
    client, back = _to_callback(provider, oidc_app)
    client.app.state.oidc._metadata = None  # this process has not fetched it yet
    _answers_wrongly(provider, fault, monkeypatch)
    answer = client.get(back, follow_redirects=False)
    assert answer.status_code == 502 and PLAIN in answer.text
    for detail in ("127.0.0.1", "openid-configuration", "JSONDecodeError", "other.example",
                   "jwks_uri", "OIDC", "Sign-in failed"):
        assert detail not in answer.text
    assert [e for e in client.app.state.audit.entries(event_id="110114") if e.outcome] == []


def test_a_refused_code_shows_the_oauth_error_and_logs_its_description(
        provider: FakeProvider, oidc_app: OidcApp, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The page showed "OIDC token exchange: OAuthError: invalid_grant: <the provider's
    error_description, 200 characters of it>" to whoever followed the link."""
    client, back = _to_callback(provider, oidc_app)
    said = {"error": "invalid_grant", "error_description": "code of idp-7.internal expired"}
    monkeypatch.setattr(provider, "token", lambda form: (400, said))
    answer = client.get(back, follow_redirects=False)
    assert answer.status_code == 401
    assert "OIDC token exchange: the identity provider answered invalid_grant" in answer.text
    assert "idp-7.internal" not in answer.text and "OAuthError" not in answer.text
    assert any("idp-7.internal" in r.getMessage() for r in caplog.records)


def test_an_unknown_token_error_code_is_not_repeated(provider: FakeProvider,
                                                     oidc_app: OidcApp,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    client, back = _to_callback(provider, oidc_app)
    monkeypatch.setattr(provider, "token", lambda form: (400, {"error": "<b>see idp-7</b>"}))
    answer = client.get(back, follow_redirects=False)
    assert answer.status_code == 401 and "the identity provider answered an error" in answer.text
    assert "idp-7" not in answer.text
