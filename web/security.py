"""What every response and every state-changing request goes through.

- Security headers on every response: a CSP without inline scripts, nosniff, no framing, a
  same-origin referrer, and `Cache-Control: no-store` on everything but the static files (the
  rest carries patient data).
- Cross-origin requests that change state are refused: an `Origin` (or `Sec-Fetch-Site`) that is
  not this site's gets 403 before the app sees the request.
- Request bodies are counted while they stream in: a body over its limit (uploads have their
  own) gets 413 without being read to the end, and uploads beyond the concurrent limit get 429.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any

from cachetools import TTLCache
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from db import UNREACHABLE
from web.auth import HEAD_AS_GET, SignInRequired, current, refused, wants_json

logger = logging.getLogger(__name__)
ALERT_REPEAT_S = 60  # one Security Alert per refused origin and path in this time
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"same-origin"),
           (b"cross-origin-opener-policy", b"same-origin"),
           (b"cross-origin-resource-policy", b"same-origin"),
           (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOAD_PATHS = frozenset({"/upload", "/api/v1/upload"})
MAX_BODY_BYTES = 1 << 20  # anything but an upload: a JSON query, a form


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _unsigned(scope: Scope) -> str | None:
    """Why an upload's sender is nobody, or None when signed in (or on the open loopback
    server). Anyone who could reach the server held the upload slots with slow bodies, and
    every clinician's upload was 429. The principal found is the one the route then uses.
    A database or identity provider that does not answer raises (the caller answers 503)."""
    request = Request(scope)
    try:
        principal = current(request)
    except SignInRequired as error:
        refused(request, reason=str(error)[:200])
        return str(error)
    return None if principal is not None else "sign in first"


def own_origin(scope: Scope, public_url: str | None) -> str:
    """scheme://host[:port] this request was sent to (or the configured public URL's)."""
    if public_url:
        from urllib.parse import urlsplit

        parts = urlsplit(public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()
    host = _header(scope, b"host") or ""
    return f"{scope.get('scheme', 'http')}://{host}".lower()


def cross_origin(scope: Scope, public_url: str | None) -> str | None:
    """Why a request is cross-origin, or None when it is not (or carries no browser marks)."""
    origin = _header(scope, b"origin")
    if origin is not None and origin.lower() != own_origin(scope, public_url):
        return f"cross-origin request from {origin[:100]} refused"
    site = _header(scope, b"sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"{site} request refused"
    return None


_TITLES = {401: "Sign in first", 403: "Not allowed", 413: "Too large",
           429: "Busy: try again in a minute", 503: "Not available just now"}


def _page(scope: Scope) -> bool:
    """A browser's page request (not the JSON API)."""
    return not scope["path"].startswith("/api/") and "text/html" in (
        _header(scope, b"accept") or "")


async def _redirect(send: Send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1")),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _plain(scope: Scope, send: Send, status: int, detail: str,
                 extra: list[tuple[bytes, bytes]]) -> None:
    """A refusal before the app: JSON for the API, a page for a browser's form (the upload
    page showed the JSON text)."""
    page = _page(scope)
    if page:
        title = _TITLES.get(status, "Refused")
        back = scope["path"] if scope["path"] in UPLOAD_PATHS else "/"  # never elsewhere
        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}'
                '</title><link rel="stylesheet" href="/static/app.css"></head><body><main>'
                f'<h1>{title}</h1><p>{html.escape(detail)}</p><p><a href="{back}">Back</a>'
                "</p></main></body></html>").encode()
    else:
        body = json.dumps({"detail": detail}).encode()
    kind = b"text/html; charset=utf-8" if page else b"application/json"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


DATABASE_DOWN = "the database does not answer; try again in a minute"  # as the app's 503


def _over(limit: int) -> str:
    return f"over {limit >> 20} MB, the most this server reads in one upload"


async def _upload_page(scope: Scope, receive: Receive, send: Send, status: int, error: str,
                       extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """The upload page saying why its upload was refused before it was read (too large, too
    many at once, stalled): it showed the JSON text of the API's refusal."""
    from web.pages import render
    from web.uploads import keeping_withheld

    request = Request(scope)
    principal = getattr(request.state, "principal", None)  # `_unsigned` found it

    def rendered() -> Response:  # the form as it was (keeping asks the index)
        withheld = keeping_withheld(request, principal) if principal is not None else None
        return render(request, "upload.html", status, result=None, error=error,
                      withheld=withheld)

    page = await run_in_threadpool(rendered)
    page.raw_headers.extend(extra or [])
    await page(scope, receive, send)


async def _database_down(scope: Scope, receive: Receive, send: Send, error: Exception) -> None:
    """503 as the app answers a database that does not answer: an upload's sender (or a
    cross-origin refusal's trail entry) was a bare 500 with a traceback."""
    from starlette.responses import JSONResponse

    from web.pages import render

    cause = getattr(error, "orig", None) or error
    logger.warning("the database does not answer: %s",
                   (str(cause).strip().splitlines() or [type(cause).__name__])[0])
    request = Request(scope)
    if wants_json(request):
        await JSONResponse({"detail": DATABASE_DOWN}, 503)(scope, receive, send)
        return
    page = render(request, "error.html", 503, principal=None,
                  title="The database does not answer", message=DATABASE_DOWN)
    await page(scope, receive, send)


def _held_back(failed: list[HTTPException], send: Send) -> tuple[Send, list[Message]]:
    """`send`, but for the app's answer to a body refused while read (`failed`), which the
    caller replaces: the messages held back (none where the answer had begun)."""
    held: list[Message] = []

    async def wrapped(message: Message) -> None:
        if failed and (held or message["type"] == "http.response.start"):
            held.append(message)
            return
        await send(message)

    return wrapped, held


class SecurityMiddleware:
    """Headers, the Origin check, body limits and the upload slots (see the module doc)."""

    def __init__(self, app: ASGIApp, public_url: str | None, max_upload_bytes: int,
                 max_uploads: int, upload_timeout_s: float = 600.0) -> None:
        self.app = app
        self.upload_timeout_s = upload_timeout_s
        self.public_url = public_url
        self.max_upload_bytes = max_upload_bytes
        self.max_uploads = max_uploads
        self.uploads = 0  # uploads in flight (the event loop's thread only)
        self.hsts = bool(public_url and public_url.startswith("https://"))
        # cross-origin refusals in the trail lately (the event loop's thread only)
        self.alerted: TTLCache[tuple[str, str, str], bool] = TTLCache(4096, ALERT_REPEAT_S)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        if scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        try:
            if await self._refused(scope, send):
                return
        except UNREACHABLE as error:  # the trail or the session's account: it was a 500
            await _database_down(scope, receive, send, error)
            return
        except HTTPException as error:  # the identity provider does not answer (503)
            await _plain(scope, send, error.status_code, str(error.detail),
                         [(k.lower().encode(), v.encode())
                          for k, v in (error.headers or {}).items()])
            return
        upload = scope["path"] in UPLOAD_PATHS
        limit = self.max_upload_bytes if upload else MAX_BODY_BYTES
        form = upload and _page(scope)  # refusals are the upload page, not JSON text
        length = _header(scope, b"content-length")
        if length is not None and length.isascii() and length.isdigit() and int(length) > limit:
            if form:
                await _upload_page(scope, receive, send, 413, _over(limit))
            else:
                await _plain(scope, send, 413, f"request body over {limit >> 20} MB", [])
            return
        if upload and self.uploads >= self.max_uploads:
            busy = f"{self.uploads} uploads are being read; try again in a minute"
            if form:
                await _upload_page(scope, receive, send, 429, busy, [(b"retry-after", b"30")])
            else:
                await _plain(scope, send, 429, busy, [(b"retry-after", b"30")])
            return
        self.uploads += upload
        failed: list[HTTPException] = []  # what the body's reading was refused with
        answer, held = _held_back(failed, send) if form else (send, [])
        try:
            await self.app(scope, _counted(receive, limit, self.upload_timeout_s if upload
                                           else None, failed), answer)
        finally:
            self.uploads -= upload
        if held:  # the app's answer to a refused body was held back: the page instead
            refusal = failed[0]
            said = _over(limit) if refusal.status_code == 413 else str(refusal.detail)
            await _upload_page(scope, receive, send, refusal.status_code, said)

    async def _refused(self, scope: Scope, send: Send) -> bool:
        """Answer a cross-origin request, or an upload from nobody, before the app: whether
        it was answered."""
        foreign = cross_origin(scope, self.public_url)
        if foreign is not None:
            logger.warning("refused %s %s: %s", scope["method"], scope["path"], foreign)
            # in the trail as every refusal; the sender is unknown here (the browser's owner
            # is a cross-site post's victim anyway). Once a minute per origin and path: a
            # page posting in a loop wrote an entry each time, for every admin to wade through
            key = (foreign, scope["method"], scope["path"])
            if key not in self.alerted:
                self.alerted[key] = True
                await run_in_threadpool(partial(refused, Request(scope), reason=foreign))
            await _plain(scope, send, 403, foreign, [])
            return True
        if scope["path"] not in UPLOAD_PATHS:
            return False
        # who sends it, before it may hold one of the few upload slots
        anonymous = await run_in_threadpool(_unsigned, scope)
        if anonymous is not None and _page(scope):  # a session that expired: sign in
            await _redirect(send, f"/login?next={scope['path']}")
            return True
        if anonymous is not None:
            await _plain(scope, send, 401, anonymous, [(b"www-authenticate", b"Bearer")])
            return True
        return False

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        static = scope["path"].startswith("/static/")
        extra = list(HEADERS)
        if self.hsts:
            extra.append((b"strict-transport-security", b"max-age=31536000"))

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if static or k.lower() != b"cache-control"]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers + extra
            await send(message)

        return wrapped


def _counted(receive: Receive, limit: int, timeout_s: float | None = None,
             failed: list[HTTPException] | None = None) -> Receive:
    """`receive`, refusing a body over `limit` bytes and (`timeout_s`) one whose next part
    has not come that long: a sender that stalls would hold its upload slot (a few for the
    whole server) for as long as it kept the connection open. A slow link that keeps
    sending is not cut off (a whole-body deadline refused a large study over a VPN). What it
    refuses with is added to `failed`."""
    seen = 0
    failed = [] if failed is None else failed

    async def wrapped() -> Message:
        nonlocal seen
        if timeout_s is None:
            message = await receive()
        else:
            try:
                message = await asyncio.wait_for(receive(), timeout_s)
            except TimeoutError:
                failed.append(HTTPException(408, f"the upload stopped: nothing came for "
                                                 f"{timeout_s:g} s; send it again"))
                raise failed[-1] from None
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                failed.append(HTTPException(413, f"request body over {limit >> 20} MB"))
                raise failed[-1]
        return message

    return wrapped


class HeadAsGet:
    """HEAD answered as GET without the body, as HTTP asks of a server: a link checker's or an
    uptime monitor's HEAD on a page or on /healthz got 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodyless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}  # the headers keep the GET's length
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_AS_GET: True}, receive, bodyless)
