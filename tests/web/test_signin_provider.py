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
