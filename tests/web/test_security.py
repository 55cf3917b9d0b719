"""Headers on every answer, no caching of patient data, no state change from another site,
and request bodies bounded while they stream in."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.web import Secured, csrf_of
from fastapi.testclient import TestClient

from accounts import Role
from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app

EVIL = {"Origin": "https://evil.example"}


@pytest.mark.parametrize("path", ["/", "/?q=lge", "/study/1.1", "/api/v1/search?q=lge",
                                  "/api/v1/studies/1.1", "/teaching", "/no-such-page",
                                  "/static/app.css", "/readyz"])
def test_security_headers_on_every_answer(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "access-control-allow-origin" not in headers  # no CORS
    if path.startswith("/static/"):
        assert "no-store" not in headers.get("cache-control", "")
    else:
        assert headers["cache-control"] == "no-store"


def test_templates_hold_no_inline_script() -> None:
    import re

    from web.render import TEMPLATES

    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name  # no onclick= and kin
        assert "style=" not in text, template.name


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("notes.txt", "x")
    return buffer.getvalue()


def test_a_foreign_page_changes_nothing(client: TestClient, tmp_path: Path) -> None:
    """The attacks from the issue, against the open loopback server: form posts and an
    upload with `Origin: https://evil.example` are refused before they reach the app."""
    attempts = [("/teaching", {"name": "evil"}), ("/teaching/add",
                {"study_instance_uid": "1.1", "new_name": "evil"}),
                ("/teaching/1/remove/1", {})]
    for path, form in attempts:
        response = client.post(path, data=form, headers=EVIL, follow_redirects=False)
        assert response.status_code == 403 and "cross-origin" in response.json()["detail"]
    upload = client.post("/api/v1/upload", files={"file": ("s.zip", _zip())},
                         data={"add": "true"}, headers=EVIL)
    assert upload.status_code == 403
    site = client.post("/teaching", data={"name": "x"},
                       headers={"Sec-Fetch-Site": "cross-site"})
    assert site.status_code == 403
    assert "evil" not in client.get("/teaching").text
    alerts = client.app.state.audit.entries(event_id="110113")  # type: ignore[attr-defined]
    assert [e.detail["refused"] for e in alerts] == [
        "POST /teaching", "POST /teaching/add", "POST /teaching/1/remove/1",
        "POST /api/v1/upload", "POST /teaching"]  # in the trail, not the server log only
    assert "evil.example" in alerts[0].detail["reason"] and alerts[0].client == "testclient"
    for _ in range(50):  # a page posting in a loop: one entry a minute per origin and path
        assert client.post("/teaching", data={"name": "x"}, headers=EVIL).status_code == 403
    again = client.app.state.audit.entries(event_id="110113")  # type: ignore[attr-defined]
    assert len(again) == len(alerts)


def test_browser_posts_need_the_sessions_csrf_token(client: TestClient) -> None:
    token = csrf_of(client)  # the client now holds a session cookie, as a browser does
    same = {"Origin": "http://testserver"}
    missing = client.post("/teaching", data={"name": "LGE"}, headers=same)
    assert missing.status_code == 403 and "CSRF" in missing.text
    wrong = client.post("/teaching", data={"name": "LGE", "csrf_token": "guess"}, headers=same)
    assert wrong.status_code == 403
    right = client.post("/teaching", data={"name": "LGE", "csrf_token": token}, headers=same,
                        follow_redirects=False)
    assert right.status_code == 303


def test_bearer_tokens_need_no_csrf_token(secured: Secured) -> None:
    response = secured.client.post("/teaching", data={"name": "by script"},
                                   headers=secured.auth(Role.CURATOR), follow_redirects=False)
    assert response.status_code == 303


def _limited(tmp_path: Path, **settings: object) -> TestClient:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path, **settings), engine=engine,  # type: ignore[arg-type]
                     open_access=True)
    return TestClient(app, raise_server_exceptions=False)


def test_bodies_over_the_limit_are_refused_while_streaming(tmp_path: Path) -> None:
    client = _limited(tmp_path, upload_max_request_mb=1)
    declared = client.post("/api/v1/upload", files={"file": ("s.zip", b"x" * (2 << 20))})
    assert declared.status_code == 413
    def chunks() -> object:  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"y" * 65536

    streamed = client.post("/api/v1/search", content=chunks(),  # type: ignore[arg-type]
                           headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and "over 1 MB" in streamed.json()["detail"]


def test_uploads_beyond_the_concurrent_limit_wait_their_turn(tmp_path: Path) -> None:
    from web.security import SecurityMiddleware

    client = _limited(tmp_path)
    client.get("/healthz")  # builds the middleware stack
    stack = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(stack, SecurityMiddleware):
        stack = stack.app
    stack.uploads = stack.max_uploads  # as if that many were being read now
    busy = client.post("/api/v1/upload", files={"file": ("s.zip", _zip())})
    assert busy.status_code == 429 and busy.headers["retry-after"] == "30"
    page = client.post("/upload", files={"file": ("s.zip", _zip())},
                       headers={"Accept": "text/html"})  # the browser showed the JSON text
    # the upload page itself, saying why (a bare page of its own was a dead end)
    assert page.status_code == 429 and "<strong>Cannot use this upload:</strong> " \
        f"{stack.max_uploads} uploads are being read; try again in a minute" in page.text
    assert 'name="file"' in page.text


def test_an_upload_from_nobody_takes_no_upload_slot(secured: Secured) -> None:
    """Anyone who reached the server held the upload slots with slow bodies: every
    clinician's upload was then 429. Who sends it is known before a slot is taken."""
    from web.security import SecurityMiddleware

    client = secured.client
    client.get("/healthz")  # builds the middleware stack
    stack = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(stack, SecurityMiddleware):
        stack = stack.app
    taken = []
    original = stack.app

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        taken.append(stack.uploads)
        await original(scope, receive, send)

    stack.app = counting
    nobody = client.post("/api/v1/upload", files={"file": ("s.zip", _zip())})
    assert nobody.status_code == 401 and nobody.json()["detail"] == "sign in first"
    forged = client.post("/api/v1/upload", files={"file": ("s.zip", _zip())},
                         headers={"Authorization": "Bearer cmrs_x_y"})
    assert forged.status_code == 401 and "unknown" in forged.json()["detail"]
    page = client.post("/upload", files={"file": ("s.zip", _zip())},
                       headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303  # a session that expired: to the sign-in, not JSON text
    assert page.headers["location"] == "/login?next=/upload"
    assert taken == []  # none reached the app, none held a slot
    signed = client.post("/api/v1/upload", files={"file": ("s.zip", _zip())},
                         headers=secured.auth(Role.VIEWER))
    assert taken == [1] and signed.status_code != 401
    alerts = secured.app.state.audit.entries(event_id="110113")
    assert [e.detail["refused"] for e in alerts] == ["POST /api/v1/upload"]  # the forged one


def test_an_upload_body_that_stalls_is_cut_off() -> None:
    """A sender that stopped half-way held one of the few upload slots for as long as it
    kept the connection open; one on a slow link that keeps sending is not cut off."""
    import asyncio

    from starlette.exceptions import HTTPException

    from web.security import _counted

    async def stalled() -> dict[str, Any]:
        await asyncio.sleep(30)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def read() -> None:
        await _counted(stalled, 1 << 20, timeout_s=0.05)()

    with pytest.raises(HTTPException) as cut:
        asyncio.run(read())
    assert cut.value.status_code == 408 and "nothing came for 0.05 s" in cut.value.detail

    async def slow_but_sending() -> dict[str, Any]:
        await asyncio.sleep(0.03)  # each part within the limit, the whole longer than it
        return {"type": "http.request", "body": b"x", "more_body": True}

    async def read_many() -> None:
        receive = _counted(slow_but_sending, 1 << 20, timeout_s=0.05)
        for _ in range(5):
            await receive()

    asyncio.run(read_many())

