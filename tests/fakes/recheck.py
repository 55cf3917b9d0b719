"""Driving a session begun at the fake identity provider through its periodic re-check
(`web.auth.recheck_due`): a clock web.auth and web.signin read, a first sign-in, and a due page
sent round to the provider's silent sign-in."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fakes.oidc import FakeProvider
from fastapi.testclient import TestClient

CURATOR = {"sub": "u-17", "preferred_username": "dr.house", "roles": ["curator"]}


class Clock:
    """The time web.auth and web.signin read (the provider's tokens keep the real time)."""

    offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


def local(url: str) -> str:
    return urlsplit(url)._replace(scheme="", netloc="").geturl()


def sign_in(client: TestClient, provider: FakeProvider, claims: dict[str, Any] = CURATOR) -> None:
    started = client.get("/auth/oidc", params={"next": "/teaching"}, follow_redirects=False)
    assert "prompt=" not in started.headers["location"]  # a first sign-in may ask the person
    back = provider.authorize(started.headers["location"], claims)
    assert client.get(local(back), follow_redirects=False).headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching").text


def to_provider(client: TestClient, page: str = "/teaching") -> str:
    """A page whose session is due: on to the provider's silent sign-in (its URL)."""
    first, sent = client.get(page, follow_redirects=False), quote(page)
    assert first.status_code == 303 and first.headers["location"] == f"/login?next={sent}"
    login = client.get(first.headers["location"], follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == f"/auth/oidc?next={sent}"
    start = client.get(login.headers["location"], follow_redirects=False)
    assert start.status_code == 303
    assert parse_qs(urlsplit(start.headers["location"]).query)["prompt"] == ["none"]
    return str(start.headers["location"])


def session_of(client: TestClient) -> dict[str, Any]:
    """The session cookie's contents (Starlette's: base64 JSON, then its signature)."""
    data = str(client.cookies["cmr_session"]).split(".")[0]
    return dict(json.loads(base64.b64decode(data + "=" * (-len(data) % 4))))


def failures_of(client: TestClient) -> list[tuple[str, str]]:
    return [(e.user_name, e.detail["reason"]) for e in  # type: ignore[attr-defined]
            client.app.state.audit.entries(event_id="110114") if e.outcome]  # type: ignore[attr-defined]
