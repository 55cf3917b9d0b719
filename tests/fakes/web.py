"""Helpers for driving the web app like a browser: the CSRF token a page's forms carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from accounts import Role


def csrf_of(client: TestClient, page: str = "/upload") -> str:
    """The session's CSRF token, as a form on `page` carries it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert match, f"{page} has no CSRF field"
    return match.group(1)


@dataclass
class Secured:
    """An app that requires sign-in, with one account and API token per role."""

    client: TestClient
    tokens: dict[Role, str]
    app: Any

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}
