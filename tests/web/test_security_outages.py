"""What the security layer answers while what it leans on does not: a database or identity
provider that does not answer is a 503 (never a 500, never a refused credential), the health
probes keep their shape, and an upload page refused before it is read stays the page."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import jwt
import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.oidc import CLIENT_ID, FakeProvider
from fakes.web import OidcApp, Secured, csrf_of
from fakes.zips import plain
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from accounts import Role
from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app
from web.security import SecurityMiddleware

PAGE = {"accept": "text/html,application/xhtml+xml"}
DOWN = "the database does not answer; try again in a minute"


def _down(*args: object, **kwargs: object) -> None:
    raise OperationalError("SELECT", {}, Exception("server closed the connection"))


def _signed_in(secured: Secured, role: Role = Role.CLINICIAN) -> str:
    """A browser session of `role`'s account; its CSRF token."""
    client = secured.client
    client.post("/login", data={"name": role.value, "password": f"{role.value} password!",
                                "csrf_token": csrf_of(client, "/login"), "next": "/"})
    return csrf_of(client)


def _zip() -> dict[str, Any]:
    return {"file": ("study.zip", plain({"a.txt": b"x"}), "application/zip")}


def test_an_upload_while_the_database_is_down_is_503_not_a_500(
        secured: Secured, monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload gate asked who sent it before the app's 503 handler: a bare 500, and
    `Exception in ASGI application` in the log."""
    csrf = _signed_in(secured)
    monkeypatch.setattr(type(secured.app.state.users), "principal", _down)
    monkeypatch.setattr(type(secured.app.state.tokens), "_lookup", _down)
    page = secured.client.post("/upload", data={"csrf_token": csrf}, files=_zip(),
                               headers=PAGE)
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    assert "The database does not answer" in page.text and DOWN in page.text
    api = TestClient(secured.app, raise_server_exceptions=False).post(
        "/api/v1/upload", files=_zip(), headers=secured.auth(Role.CLINICIAN))
    assert api.status_code == 503 and api.json() == {"detail": DOWN}


def test_a_cross_origin_post_while_the_database_is_down_is_503(
        secured: Secured, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its refusal is written to the trail before the app: that write was a 500 too."""
    monkeypatch.setattr(type(secured.app.state.audit), "record", _down)
    answer = secured.client.post("/api/v1/search", json={"text": "x"},
                                 headers={"origin": "http://evil.example"})
    assert answer.status_code == 503 and answer.json() == {"detail": DOWN}


@pytest.mark.parametrize("path", ["/readyz", "/api/v1/health"])
def test_the_health_probes_keep_their_shape_with_a_session_while_the_database_is_down(
        secured: Secured, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """A browser's cookie made the probe resolve its session: the HTML error page, or
    {"detail": ...}, not {"ready": false, "reason": ...}."""
    _signed_in(secured)
    monkeypatch.setattr(type(secured.app.state.users), "principal", _down)
    monkeypatch.setattr("web.app.readiness", lambda *args: (True, {"ready": True}))
    monkeypatch.setattr(secured.app.state.database, "answers", lambda: False)
    for headers in ({}, PAGE):
        answer = secured.client.get(path, headers=headers)
        assert answer.status_code == 503, headers
        assert answer.json() == {"ready": False, "reason": "the database does not answer"}
    assert secured.client.get("/healthz").json() == {"status": "ok"}


def _small(tmp_path: Path, **settings: Any) -> TestClient:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path, upload_max_request_mb=1, **settings),
                     engine=engine, open_access=True)
    return TestClient(app, raise_server_exceptions=False)


def _said(answer: Any) -> str:
    return " ".join(answer.text.replace("<strong>", "").replace("</strong>", "").split())


def test_an_upload_page_over_the_limit_is_the_page_not_json(tmp_path: Path) -> None:
    """A browser's form over CMR_SEARCH_UPLOAD_MAX_REQUEST_MB showed {"detail": "request body
    over 1 MB"}: the upload page says it (the API keeps its JSON)."""
    client = _small(tmp_path)
    big = {"file": ("big.zip", b"0" * (2 << 20), "application/zip")}
    page = client.post("/upload", files=big, headers=PAGE)
    assert page.status_code == 413 and "text/html" in page.headers["content-type"]
    assert "Cannot use this upload: over 1 MB" in _said(page) and 'name="file"' in page.text
    api = client.post("/api/v1/upload", files=big)
    assert api.status_code == 413 and api.json() == {"detail": "request body over 1 MB"}


def _through(app: Any, path: str, stall: bool) -> tuple[int, dict[bytes, bytes], bytes]:
    """`app` sent a page's upload with no length: 2 MB in parts, or (`stall`) one part and
    then nothing."""
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("t", 80),
             "client": ("127.0.0.1", 1), "http_version": "1.1",
             "headers": [(b"host", b"t"), (b"accept", b"text/html"),
                         (b"content-type", b"multipart/form-data; boundary=b")]}
    parts = [b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.zip\"\r\n\r\n"]
    parts += [b"0" * (1 << 18)] * (1 if stall else 9)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if parts:
            return {"type": "http.request", "body": parts.pop(0), "more_body": True}
        await asyncio.sleep(3600)  # a sender that stalls
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def _security(app: Any) -> SecurityMiddleware:
    layer = app.middleware_stack
    while not isinstance(layer, SecurityMiddleware):
        layer = layer.app
    return layer


def test_an_upload_page_refused_while_read_or_when_busy_is_the_page(tmp_path: Path) -> None:
    """Over the limit with no Content-Length (413), stalled (408) and too many at once (429)
    were JSON or the bare error page on the upload page."""
    client = _small(tmp_path, upload_idle_timeout_s=0.2)
    client.get("/upload")  # the middleware stack built
    status, headers, body = _through(client.app, "/upload", stall=False)
    assert status == 413 and headers[b"content-type"].startswith(b"text/html")
    assert b"Cannot use this upload:</strong> over 1 MB" in body and b'name="file"' in body
    status, headers, body = _through(client.app, "/upload", stall=True)
    assert status == 408 and b"Cannot use this upload:</strong> the upload stopped" in body
    _security(client.app).uploads = 2  # both slots taken
    busy = client.post("/upload", files=_zip(), headers=PAGE)
    assert busy.status_code == 429 and busy.headers["retry-after"] == "30"
    assert "Cannot use this upload: 2 uploads are being read" in _said(busy)
    assert client.post("/api/v1/upload", files=_zip()).json() == {
        "detail": "2 uploads are being read; try again in a minute"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _provider_down(tmp_path: Path) -> tuple[TestClient, FakeProvider]:
    """An app whose identity provider does not answer, and a provider signing its tokens."""
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    config = Settings(data_dir=tmp_path, oidc_issuer=f"http://127.0.0.1:{_closed_port()}",
                      oidc_client_id=CLIENT_ID)
    client = TestClient(create_app(config, engine=engine), raise_server_exceptions=False)
    signed = FakeProvider()
    signed.issuer = config.oidc_issuer or ""
    return client, signed


def test_an_identity_provider_that_does_not_answer_is_503_not_a_bad_token(
        tmp_path: Path) -> None:
    """A bearer token was refused 401 "OIDC discovery at ...: ConnectError" and written to
    the trail as a Security Alert, while nothing was known of it."""
    client, signed = _provider_down(tmp_path)
    token = signed.sign({"sub": "u-1"})  # well formed: only its keys could tell
    for path in ("/api/v1/studies/1.1", "/api/v1/upload"):
        call = client.post if path.endswith("upload") else client.get
        answer = call(path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 503, path
        assert answer.json()["detail"].startswith("the identity provider does not answer")
        assert answer.headers["retry-after"] == "30"
    assert client.app.state.audit.entries(event_id="110113") == []  # type: ignore[attr-defined]


def test_a_malformed_or_foreign_token_is_401_while_the_provider_is_down(
        tmp_path: Path) -> None:
    """Any text sent as a bearer token was a 503 'try again' and no Security Alert while the
    provider did not answer: a forged token made the server look down, unrecorded."""
    client, signed = _provider_down(tmp_path)
    unsigned = jwt.encode({"iss": signed.issuer, "sub": "u-1"}, None, algorithm="none")
    for token in ("a.b.c", "not a token", unsigned, signed.sign({"sub": "u-1"}, iss="x"),
                  signed.sign({"sub": "u-1"}, exp=1)):
        for path in ("/api/v1/studies/1.1", "/api/v1/upload"):
            call = client.post if path.endswith("upload") else client.get
            answer = call(path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, (token, path)
    assert client.app.state.audit.entries(event_id="110113")  # type: ignore[attr-defined]


def test_the_health_probes_answer_a_bearer_token_while_the_provider_is_down(
        tmp_path: Path) -> None:
    """A probe that sends a bearer token got /healthz 503 'the identity provider does not
    answer': a provider down took the server's liveness with it."""
    client, signed = _provider_down(tmp_path)
    bearer = {"Authorization": f"Bearer {signed.sign({'sub': 'u-1'})}"}
    assert client.get("/healthz", headers=bearer).json() == {"status": "ok"}
    ready = client.get("/readyz", headers=bearer)
    assert "warnings" in ready.json() and "detail" not in ready.json()  # its own shape
    assert client.get("/api/v1/studies/1.1", headers=bearer).status_code == 503


def test_a_token_exchange_with_a_provider_that_went_down_is_503(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    """The sign-in page said 401 "Sign-in failed — OIDC token exchange: ConnectError"."""
    client = oidc_app()
    started = client.get("/auth/oidc", follow_redirects=False)
    back = provider.authorize(started.headers["location"], {"sub": "u-1", "roles": ["viewer"]})
    metadata = client.app.state.oidc.metadata()  # type: ignore[attr-defined]
    metadata["token_endpoint"] = f"http://127.0.0.1:{_closed_port()}/token"
    done = client.get(back.replace("http://testserver", ""), follow_redirects=False)
    assert done.status_code == 503 and "The identity provider does not answer" in done.text
    assert "Sign-in failed" not in done.text
    refused = client.get("/auth/callback", params={"code": "x", "state": "y"})
    assert refused.status_code == 400  # a callback that did not start here is still refused


def test_a_calls_token_is_named_in_the_trail(secured: Secured) -> None:
    """The trail named the token's account but not which of its tokens made the call."""
    token = secured.tokens[Role.VIEWER]
    token_id = token.split("_")[1]
    secured.client.get("/api/v1/studies/1.1", headers=secured.auth(Role.VIEWER))
    entry = secured.app.state.audit.entries(event_id="110103")[-1]
    assert entry.user_name == "viewer" and entry.detail["token_id"] == token_id
    assert token.split("_", 2)[2] not in str(entry.as_dict())  # never its secret
    csrf = _signed_in(secured, Role.VIEWER)
    assert csrf
    secured.client.get("/api/v1/studies/1.1")  # signed in: no token to name
    assert "token_id" not in secured.app.state.audit.entries(event_id="110103")[-1].detail
