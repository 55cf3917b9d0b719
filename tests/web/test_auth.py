"""Every route declares its role, and holds to it: a walk over the whole app with no
credentials, with each role below the declared one, and with the declared one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fakes.web import Secured
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from accounts import Role
from web.admin_pages import IN_PERSON
from web.app import create_app

SAMPLES = {"uid": "1.1", "study_instance_uid": "1.1", "collection_id": "1", "case_id": "1",
           "slot": "sax", "path": "1.1/sax.webp", "token_id": "0123456789abcdef",
           "name": "nobody"}
FRAMEWORK: set[str] = set()  # FastAPI's own routes (its schema is served behind sign-in)
SCHEMA = "/openapi.json"  # a script asks for it as for the API: refused with 401
NO_ROLE = object()


def declared_role(route: Any) -> Any:
    """The role of the route's `require(...)` dependency (NO_ROLE when it has none); router
    dependencies count (the route as included)."""
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        call = dependant.call
        if call is not None and "required_role" in getattr(call, "__dict__", {}):
            return call.__dict__["required_role"]
        stack.extend(dependant.dependencies)
    return NO_ROLE


def routes(app: Any) -> list[tuple[str, str, Any, bool]]:
    """Every (method, sample path, declared role, whether only a person signed in may use it)
    of the app, included routers flattened."""
    out = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            path = re.sub(r"\{(\w+)(:path)?\}", lambda m: SAMPLES[m.group(1)], route.path)
            out += [(method, path, declared_role(route), (method, route.path) in IN_PERSON)
                    for method in sorted(route.methods)]
    return out


def _declares(route: Any) -> bool:
    original = route.original_route
    if isinstance(original, APIRoute):
        return declared_role(route) is not NO_ROLE
    if isinstance(original, Mount):
        return "required_role" in vars(original.app)
    return route.path in FRAMEWORK


def test_every_route_declares_a_role(secured: Secured) -> None:
    undeclared = [route.path for route in iter_route_contexts(secured.app.routes)
                  if not _declares(route)]
    assert not undeclared, f"routes without a declared role: {undeclared}"
    assert len(routes(secured.app)) > 30


def _call(client: TestClient, method: str, path: str,
          headers: dict[str, str] | None = None) -> int:
    data = {"csrf_token": "x"} if method == "POST" else None
    response = client.request(method, path, headers=headers, data=data,
                              follow_redirects=False)
    return response.status_code


def _refused_anonymously(status: int, method: str, path: str, location: str) -> bool:
    if path.startswith(("/api/", "/media/")) or path == SCHEMA or method != "GET":
        return status == 401
    return status == 303 and location.startswith("/login?next=")


def test_every_route_holds_to_its_declared_role(secured: Secured) -> None:
    client = secured.client
    failures = []
    for method, path, role, in_person in routes(secured.app):
        if role is None:
            continue
        client.cookies.clear()
        anonymous = client.request(method, path, follow_redirects=False)
        if not _refused_anonymously(anonymous.status_code, method, path,
                                    anonymous.headers.get("location", "")):
            failures.append(f"{method} {path}: {anonymous.status_code} without sign-in")
        for other in Role:
            status = _call(client, method, path, secured.auth(other))
            if other.rank < role.rank and status != 403:
                failures.append(f"{method} {path}: {status} for {other.value}, needs {role}")
            if in_person and status != 403:  # a token never: see the next test
                failures.append(f"{method} {path}: {status} for {other.value}'s token")
            if not in_person and other.rank >= role.rank and status in (401, 403):
                failures.append(f"{method} {path}: {status} for {other.value}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/login", "/static/app.css"])
def test_public_routes_answer_without_sign_in(secured: Secured, path: str) -> None:
    assert secured.client.get(path).status_code in (200, 503)


def test_a_token_checked_a_moment_ago_follows_its_account_at_once(secured: Secured) -> None:
    """Its 5 s cache let a token of an account just disabled (or demoted) act as before."""
    client, users = secured.client, secured.app.state.users
    clinician = secured.auth(Role.CLINICIAN)
    assert client.get("/api/v1/studies/1.1", headers=clinician).status_code == 200
    users.set_disabled("clinician", True)
    assert client.get("/api/v1/studies/1.1", headers=clinician).status_code == 401


def test_api_tokens_stop_working_when_revoked_expired_or_disabled(secured: Secured) -> None:
    client, app = secured.client, secured.app
    assert client.get("/api/v1/studies/1.1", headers=secured.auth(Role.VIEWER)).status_code \
        == 200
    token_id = secured.tokens[Role.VIEWER].split("_")[1]
    app.state.tokens.revoke(token_id)
    revoked = client.get("/api/v1/studies/1.1", headers=secured.auth(Role.VIEWER))
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    assert revoked.headers["www-authenticate"] == "Bearer"
    app.state.users.set_disabled("clinician", True)
    assert client.get("/api/v1/studies/1.1", headers=secured.auth(Role.CLINICIAN)
                      ).status_code == 401
    wrong = {"Authorization": "Bearer cmrs_" + token_id + "_guessed"}
    assert client.get("/api/v1/studies/1.1", headers=wrong).status_code == 401
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert client.get("/api/v1/studies/1.1", headers=basic).status_code == 401
    # two: the first counted, and a proxy in between may read the other
    admin = secured.auth(Role.ADMIN)["Authorization"]
    both = client.get("/api/v1/studies/1.1", headers=[("Authorization", admin),
                                                      ("Authorization", "Bearer x")])
    assert both.status_code == 401 and "one Authorization header" in both.json()["detail"]


def test_tokens_are_hashed_at_rest(secured: Secured) -> None:
    from sqlalchemy import select

    from db.tables import ApiToken

    with secured.app.state.database.session() as session:
        stored = [row.secret_hash for row in session.scalars(select(ApiToken))]
    for token in secured.tokens.values():
        assert not any(token.split("_", 2)[2] in s for s in stored)


def test_the_open_loopback_server_says_so_on_every_page(client: TestClient) -> None:
    for path in ("/", "/upload", "/teaching", "/study/1.1", "/no-such-page"):
        assert "No sign-in: this server listens on this computer only" in client.get(path).text


def test_without_open_access_sign_in_is_required(tmp_path: Any) -> None:
    from fakes.encoder import FakeEncoder
    from fakes.index import CASES, build

    from cmr_search.settings import Settings
    from search import SearchEngine
    from vectorstore import MemoryStore

    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    client = TestClient(create_app(Settings(data_dir=tmp_path), engine=engine))
    page = client.get("/?q=lge", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/%3Fq%3Dlge"
    assert "No sign-in" not in client.get("/login").text


def test_the_media_audit_dedupe_holds_under_threads() -> None:
    """The media routes run in a thread pool; their unguarded cache was corrupted by two
    threads at once, and every later study page was a 500."""
    from concurrent.futures import ThreadPoolExecutor

    from web.auth import SeenStudies

    seen = SeenStudies(seconds=0.001)  # expiring all the time, where the cache broke

    def hammer(k: int) -> int:
        return sum(seen.first("someone", f"1.{(k + j) % 7}") for j in range(2000))

    with ThreadPoolExecutor(6) as pool:
        assert sum(pool.map(hammer, range(6))) > 0
    assert seen.first("someone else", "1.1")


def test_a_viewer_asking_to_keep_an_upload_is_refused_and_recorded(secured: Secured) -> None:
    """The 403 left no Security Alert, as every other refusal of a role does."""
    refused = secured.client.post("/api/v1/upload", headers=secured.auth(Role.VIEWER),
                                  files={"file": ("s.zip", b"PK\x05\x06" + b"\0" * 18)},
                                  data={"add": "true"})
    assert refused.status_code == 403 and "clinician" in refused.text
    alerts = secured.app.state.audit.entries(event_id="110113")
    assert any(e.detail.get("needs") == "clinician" and e.user_name == "viewer"
               for e in alerts), alerts


def test_the_api_schema_needs_sign_in_when_the_api_does(secured: Secured,
                                                       client: TestClient) -> None:
    """/openapi.json answered 200 to anyone while every API path answered 401."""
    anonymous = secured.client.get("/openapi.json", follow_redirects=False)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    browser = secured.client.get("/openapi.json", headers={"Accept": "text/html"},
                                 follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"].startswith("/login?")
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):  # no docs pages, signed in or not
        assert secured.client.get(path, headers=secured.auth(Role.ADMIN)).status_code == 404
    signed_in = secured.client.get("/openapi.json", headers=secured.auth(Role.VIEWER))
    assert signed_in.status_code == 200 and "/api/v1/search" in signed_in.json()["paths"]
    assert client.get("/openapi.json").json() == signed_in.json()  # no sign-in: as before
