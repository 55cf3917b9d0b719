"""The site's icon: /favicon.ico answered (every browser asks for it by itself, and a 404 was
an error in its console on every page), the SVG linked from every page."""

from __future__ import annotations

import io

from fakes.web import Secured, csrf_of
from fastapi.testclient import TestClient
from PIL import Image


def test_the_icon_is_served_without_sign_in_as_ico_and_svg(secured: Secured) -> None:
    client = secured.client  # signed out: the sign-in page asks for it too
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.headers["content-type"] == "image/x-icon"
    image = Image.open(io.BytesIO(ico.content))
    assert image.format == "ICO" and {(16, 16), (32, 32)} <= image.info["sizes"]
    assert image.convert("RGBA").getpixel((16, 16))[:3] == (255, 255, 255)  # the heart
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "<polygon" in svg.text
    assert client.head("/favicon.ico").status_code == 200


def test_every_page_links_the_icon(client: TestClient) -> None:
    for page in ("/", "/upload", "/login", "/nowhere"):
        text = client.get(page).text
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text, page
        assert '<link rel="icon" href="/static/favicon.ico"' in text, page


def test_the_linked_icon_is_cached_and_reads_nothing_of_who_asks(secured: Secured) -> None:
    """Its "cache a day" was replaced by the security middleware's `no-store` (everything
    outside /static/ may carry patient data): every page fetched it again. It looked up who
    asked, too (the session, and its `Vary: Cookie`; an account), for the same bytes."""
    client = secured.client
    for signed_in in (False, True):
        if signed_in:
            signed = client.post("/login", data={"name": "viewer", "password": "viewer password!",
                                                 "csrf_token": csrf_of(client, "/login")},
                                 follow_redirects=False)
            assert signed.status_code == 303 and client.get("/upload").status_code == 200
        for path in ("/static/favicon.svg", "/static/favicon.ico"):
            icon = client.get(path)
            assert icon.status_code == 200, path
            assert icon.headers["cache-control"] == "public, max-age=86400", path
            assert "set-cookie" not in icon.headers and "vary" not in icon.headers, path
    assert client.get("/favicon.ico").content == client.get("/static/favicon.ico").content
