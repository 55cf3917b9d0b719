"""Helpers for driving the web app like a browser: the CSRF token a page's forms carry."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def csrf_of(client: TestClient, page: str = "/upload") -> str:
    """The session's CSRF token, as a form on `page` carries it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert match, f"{page} has no CSRF field"
    return match.group(1)
