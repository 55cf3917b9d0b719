"""Helpers for driving the web app like a browser: the CSRF token a page's forms carry, and
an app served on a free loopback port for a real browser."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from accounts import Role


def csrf_of(client: TestClient, page: str = "/upload") -> str:
    """The session's CSRF token, as a form on `page` carries it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert match, f"{page} has no CSRF field"
    return match.group(1)


# oidc_app(data_dir=None, **settings): a client of the app signing in at the fake provider
OidcApp = Callable[..., TestClient]


@dataclass
class Secured:
    """An app that requires sign-in, with one account and API token per role."""

    client: TestClient
    tokens: dict[Role, str]
    app: Any

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def served(app: Any) -> Iterator[str]:
    """`app` served by uvicorn in a thread on a free loopback port: its base URL, until the
    generator is closed (a pytest fixture yields from it)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
