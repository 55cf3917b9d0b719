"""The FastAPI application: health and readiness, the JSON API, the pages, sign-in and admin.

Every route declares the role it needs (`web.auth.require`); `SecurityMiddleware` adds the
security headers, refuses cross-origin state changes and bounds request bodies while they
stream in. Sign-in is required unless the app is built with `open_access` (a loopback server).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match, Mount

from accounts import ApiTokens, OidcConfig, OidcProvider, Users
from catalog import INDEX_VERSION, measurement_warnings, mismatch
from cmr_search.settings import Settings
from cmrclip.checkpoint import CheckpointError, checkpoint_folder, read_identity
from db import (
    AuditTrail,
    Database,
    DatabaseInputError,
    TeachingFiles,
    database_of,
    import_legacy,
)
from indexer.embed import StudyEncoder
from indexer.upload import UploadError
from reader.headers import ignore_pydicom_warnings
from reader.nifti import quiet_nibabel_header_fixes
from search import NotFoundError, NotReadyError, QueryError, SearchEngine, SearchError
from search.encoder import QueryEncoder
from search.factory import load_encoder, open_engine
from vectorstore import StoreError, VectorStore
from vectorstore.factory import open_index
from web import admin_pages, contours, icon, media, pages, signin, teaching_pages
from web.api import router
from web.auth import Forbidden, SeenStudies, SignInRequired, refused, wants_json
from web.owners import PreviewOwners
from web.plain_errors import plain_line
from web.render import STATIC
from web.repoint import repoint_teaching
from web.security import HeadAsGet, SecurityMiddleware
from web.uploads import KeepingVerdicts

logger = logging.getLogger(__name__)


def readiness(store: VectorStore, settings: Settings) -> tuple[bool, dict[str, Any]]:
    """Ready when the store answers and its index was built by the configured model. The
    answer names versions, never folders or hosts (those go to the log)."""
    try:
        metadata = store.metadata()
        identity = read_identity(checkpoint_folder(settings.checkpoint))
    except CheckpointError as error:
        logger.warning("not ready: %s", error)
        return False, {"ready": False, "reason": "the model checkpoint cannot be read"}
    except Exception as error:  # noqa: BLE001  (unreachable server: any client error)
        logger.warning("not ready: %s: %s", type(error).__name__, error)
        return False, {"ready": False, "reason": "the index store does not answer"}
    if metadata is None:
        return False, {"ready": False, "reason": "no index yet; run `cmr-search index`"}
    reason = mismatch(metadata, {"index_version": INDEX_VERSION, "model": identity.as_dict()})
    if reason is not None:
        return False, {"ready": False, "reason": reason}
    answer: dict[str, Any] = {"ready": True,
                              "versions": {"model": identity.key, "index": INDEX_VERSION}}
    # still answers; what it was not measured for matches nothing yet (the version only: the
    # probe answers anyone, the checkpoint's name is for the log and `cmr-search stats`)
    stale = measurement_warnings(metadata, name_model=False)
    if stale:
        answer["warnings"] = stale
    return True, answer


_STATUS = {QueryError: 400, UploadError: 400, NotFoundError: 404, NotReadyError: 503}


class Models:
    """The search engine and the model that embeds uploaded studies, loaded on first use so
    health checks answer while they load. In production both are the one CMR-CLIP encoder."""

    def __init__(self, settings: Settings, store: VectorStore, engine: SearchEngine | None,
                 encoder: StudyEncoder | None) -> None:
        self._settings, self._store = settings, store
        self._engine, self._encoder = engine, encoder
        self._lock = threading.Lock()

    def engine(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                self._encoder = self._encoder or cast(StudyEncoder, load_encoder(self._settings))
                self._engine = open_engine(self._settings, self._store,
                                           cast(QueryEncoder, self._encoder))
            return self._engine

    def encoder(self) -> StudyEncoder:
        """The study encoder: given, or the engine's model when it embeds studies too."""
        engine = self.engine()
        with self._lock:
            if self._encoder is None:
                if not hasattr(engine.encoder, "encode_clips"):
                    raise NotReadyError("the search model cannot embed studies; configure a "
                                        "CMR-CLIP checkpoint")
                self._encoder = cast(StudyEncoder, engine.encoder)
            return self._encoder


def _warm_up(models: Models, app: FastAPI | None = None) -> None:
    """Load the model and the prompt directions now; an index problem shows on /readyz. The
    identity provider asked too (a few seconds at most): a warning line, not a refusal."""
    from search import SearchFilters, SearchRequest

    if app is not None:
        provider_warning(app)

    engine = models.engine()
    for name in ("search.html", "study.html", "_main.html", "_card.html"):
        pages.templates.get_template(name)  # compiled once, here
    try:
        for stale in measurement_warnings(engine.store.metadata() or {}):
            logger.warning("%s", stale)  # answers, but without what it was not measured for
        engine.search(SearchRequest(q="warm up"))
        engine.facets(SearchFilters())
    except Exception as error:  # noqa: BLE001  (best effort: /readyz reports what is wrong)
        logger.info("warm-up search skipped: %s", error)
        engine.encoder.finding_directions()


def oidc_of(settings: Settings) -> OidcProvider | None:
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    secret = settings.oidc_client_secret
    return OidcProvider(OidcConfig(
        settings.oidc_issuer, settings.oidc_client_id,
        secret.get_secret_value() if secret else None, settings.oidc_scopes,
        settings.oidc_audience, settings.oidc_roles_claim))


def provider_warning(app: FastAPI, database_answers: bool = True) -> str | None:
    """Why sign-in at the identity provider fails now, and what still signs in, or None; the
    details (its address) go to the log, once. An unreachable or misconfigured provider
    showed only at the first sign-in, as a 502."""
    oidc: OidcProvider | None = app.state.oidc
    problem = oidc.problem() if oidc is not None else None
    if problem is None:
        return None
    if str(problem) != getattr(app.state, "provider_said", None):
        app.state.provider_said = str(problem)
        logger.warning("sign-in at the identity provider fails: %s", problem)
    if app.state.open_access:
        works = "this loopback server needs no sign-in"
    elif database_answers and any(u.local and not u.disabled for u in app.state.users.all()):
        works = "local accounts and API tokens still sign in"
    else:
        works = "only API tokens sign in (no local account is enabled)"
    return f"sign-in at the identity provider fails: {problem.summary}; {works}"


def _state(app: FastAPI, settings: Settings, database: Database | None,
           oidc: OidcProvider | None, open_access: bool) -> None:
    database = database or database_of(settings)
    app.state.database = database
    app.state.tokens = ApiTokens(database)
    # a role changed or an account disabled here holds for its API tokens at once too
    app.state.users = Users(database, changed=app.state.tokens.forget)
    app.state.keeping = KeepingVerdicts()  # whether uploads can be kept, per published index
    app.state.audit = AuditTrail(database)
    app.state.teaching = TeachingFiles(database)
    imported = import_legacy(app.state.teaching, settings.layout.legacy_teaching_db)
    if imported:
        logger.info("imported %d teaching files from %s", imported,
                    settings.layout.legacy_teaching_db.name)
    repoint_teaching(app, settings)
    app.state.oidc = oidc if oidc is not None else oidc_of(settings)
    app.state.open_access = open_access
    app.state.media_files = {}
    app.state.seen_studies = SeenStudies()  # one per app: the media routes' audit dedupe
    app.state.preview_owners = PreviewOwners()


def create_app(settings: Settings, store: VectorStore | None = None,
               engine: SearchEngine | None = None, database: Database | None = None,
               open_access: bool = False, oidc: OidcProvider | None = None,
               encoder: StudyEncoder | None = None) -> FastAPI:
    """The app over the index. `open_access`: no sign-in (only for a loopback server).
    `engine` and `encoder` when given (tests), else loaded from the checkpoint on first use."""
    ignore_pydicom_warnings()  # the app's entry point: uploads read odd files too
    quiet_nibabel_header_fixes()
    # no slash redirects: theirs go to whatever Host the request names ("/media/previews"
    # sent a signed-out visitor to http://evil.example/media/previews/)
    # the schema is served by `_schema`, behind sign-in as the API is; no docs pages
    app = FastAPI(title="cmr-search", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url=None, redirect_slashes=False,
                  description="Case-retrieval search for cardiac MRI archives. Send a personal "
                  "API token or the identity provider's access token as `Authorization: "
                  "Bearer ...`.")
    index = engine.store if engine is not None else store if store is not None \
        else open_index(settings)
    app.state.settings = settings
    app.state.store = index
    app.state.models = Models(settings, index, engine, encoder)
    app.state.warm_up = lambda: _warm_up(app.state.models, app)
    _state(app, settings, database, oidc, open_access)
    # the icon's routes under /static/ before the folder's mount, which would take them
    for module_router in (router, pages.router, teaching_pages.router, media.router,
                          contours.router, icon.router,
                          signin.router, admin_pages.router):
        app.include_router(module_router)
    static = StaticFiles(directory=STATIC)
    static.__dict__["required_role"] = None  # public: css, js, the logo
    app.mount("/static", static, name="static")
    https = bool(settings.public_url and settings.public_url.startswith("https://"))
    app.add_middleware(SecurityMiddleware, public_url=settings.public_url,
                       max_upload_bytes=int(settings.upload_max_request_mb * 2**20),
                       max_uploads=settings.upload_max_concurrent,
                       upload_timeout_s=settings.upload_idle_timeout_s)
    # added last, so outermost: the security middleware reads the session to know who sends
    # an upload before it takes an upload slot
    app.add_middleware(SessionMiddleware, secret_key=settings.secret("secret_key"),
                       session_cookie="cmr_session", max_age=int(settings.session_hours * 3600),
                       same_site="lax", https_only=https)
    app.add_middleware(HeadAsGet)  # outermost: HEAD is GET to every layer inside
    _handlers(app)
    _outages(app)
    _health(app, index, settings)
    _schema(app)
    return app


def _outages(app: FastAPI) -> None:
    """A store or database that does not answer: 503 and one log line (each request was a
    bare 500 with a traceback: a teaching file before the first index run, every signed-in
    page while PostgreSQL was down)."""
    from db import UNREACHABLE

    @app.exception_handler(StoreError)
    def store_down(request: Request, error: StoreError) -> Response:
        logger.warning("%s %s: %s", request.method, request.url.path, error)
        said = str(error)  # a server's address and answer are for the log, not the browser
        shown = said if said.startswith("no index yet") else \
            "the index does not answer; the server's log says why"
        return _error(request, 503, "The index is not ready", shown)

    def database_down(request: Request, error: Exception) -> Response:
        cause = getattr(error, "orig", None) or error
        logger.warning("the database does not answer: %s",
                       (str(cause).strip().splitlines() or [type(cause).__name__])[0])
        return _error(request, 503, "The database does not answer",
                      "the database does not answer; try again in a minute")

    for kind in UNREACHABLE:
        app.add_exception_handler(kind, database_down)


def _error(request: Request, status: int, title: str, message: str,
           headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return pages.render(request, "error.html", status, title=title, message=message)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed(app: FastAPI, path: str) -> list[str]:
    """Every method some route answers at `path` (a 405's Allow header names them all, not
    only those of the first route that matched the path), pages and media included: asked of
    the routes themselves, since those are left out of the OpenAPI schema (their Allow was
    empty). HEAD wherever GET (`HeadAsGet`)."""
    methods: set[str] = set()
    for method in _METHODS:
        scope = {"type": "http", "path": path, "method": method, "root_path": "",
                 "headers": [], "query_string": b""}
        for route in app.router.routes:
            if route.matches(scope)[0] is Match.FULL:
                # a mount (/static) takes any method to its files, which answer GET only
                methods.add("GET" if isinstance(route, Mount) else method)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(SearchError)
    @app.exception_handler(UploadError)
    @app.exception_handler(DatabaseInputError)
    def search_error(request: Request, error: Exception) -> Response:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
        title = {404: "Not found", 503: "The index is not ready"}.get(status, "Bad request")
        return _error(request, status, title, str(error))

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, error: RequestValidationError) -> Response:
        """422: out of the schema. 400: within it, but not meaningful (the model's own rules:
        a range backwards, text that is no text)."""
        semantic = all(e.get("type") == "value_error" for e in error.errors())
        status = 422 if wants_json(request) and not semantic else 400
        line = plain_line(error.errors(), request.query_params, error.body)
        return _error(request, status, "Bad request", line)

    @app.exception_handler(ValidationError)
    def invalid_inside(request: Request, error: ValidationError) -> Response:
        """A model a route builds from what it was sent (query parameters into a request)."""
        return _error(request, 400, "Bad request", plain_line(error.errors(), request.query_params))

    @app.exception_handler(SignInRequired)
    def sign_in(request: Request, error: SignInRequired) -> Response:
        if "authorization" in request.headers:  # credentials that proved nothing: a refusal
            refused(request, reason=str(error)[:200])
        from urllib.parse import quote, urlsplit

        page = "text/html" in request.headers.get("accept", "")
        if wants_json(request) or (not page and (request.method != "GET"
                                                 or request.url.path == SCHEMA)):
            return JSONResponse({"detail": str(error)}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":  # a form sent after the session ended got raw JSON
            target = signin.local_path(urlsplit(request.headers.get("referer", "")).path)

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, error: Forbidden) -> Response:
        return _error(request, 403, "Not allowed", str(error))

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> Response:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(_allowed(app, request.url.path))
        if wants_json(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                                headers=headers)
        title = "Not found" if error.status_code == 404 else "Error"
        message = "There is no such page." if error.status_code == 404 else str(error.detail)
        page = pages.render(request, "error.html", error.status_code, title=title,
                            message=message)
        page.headers.update(headers)
        return page


SCHEMA = "/openapi.json"


def _schema(app: FastAPI) -> None:
    """The API's OpenAPI schema for anyone signed in (any role), as the API is: FastAPI's own
    route answered everyone, sign-in required or not (a map of the API for whoever asked). A
    script is answered 401, a browser sent to sign in; a loopback server with no sign-in
    answers everyone, as before."""
    from fastapi import Depends

    from accounts import Role
    from web.auth import require

    @app.get(SCHEMA, include_in_schema=False, dependencies=[Depends(require(Role.VIEWER))])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())


def _health(app: FastAPI, index: VectorStore, settings: Settings) -> None:
    from fastapi import Depends

    from web.auth import require

    public = [Depends(require(None))]

    @app.get("/healthz", tags=["health"], dependencies=public)
    def healthz() -> dict[str, str]:
        """The process is up (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], dependencies=public)
    def readyz() -> JSONResponse:
        """The index is reachable and matches the model (readiness; 503 otherwise)."""
        ready, body = readiness(index, settings)
        if ready and not app.state.database.answers():  # sign-in, the audit trail
            ready, body = False, {"ready": False, "reason": "the database does not answer"}
        said = provider_warning(app, ready)
        if said:  # still ready: the provider may come up later, other sign-ins work
            body["warnings"] = [*body.get("warnings", []), said]
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/api/v1/health", tags=["health"], dependencies=public)
    def api_health() -> JSONResponse:
        return readyz()
