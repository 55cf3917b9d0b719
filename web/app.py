"""The FastAPI application: health and readiness, the JSON API, and (later) the pages."""

from __future__ import annotations

import logging
import threading
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog import INDEX_VERSION, mismatch
from cmr_search.settings import Settings
from cmrclip.checkpoint import CheckpointError, checkpoint_folder, read_identity
from indexer.embed import StudyEncoder
from indexer.upload import UploadError
from reader.headers import ignore_pydicom_warnings
from search import (
    NotFoundError,
    NotReadyError,
    QueryError,
    SearchEngine,
    SearchError,
    SearchFilters,
    SearchRequest,
)
from search.encoder import QueryEncoder
from search.factory import load_encoder, open_engine
from vectorstore import StoreError, VectorStore
from vectorstore.factory import describe, open_index
from web import media, pages, teaching_pages
from web.api import router
from web.render import STATIC
from web.teaching import TeachingFiles

logger = logging.getLogger(__name__)


def readiness(store: VectorStore, settings: Settings) -> tuple[bool, dict[str, Any]]:
    """Ready when the store answers and its index was built by the configured model."""
    try:
        metadata = store.metadata()
        identity = read_identity(checkpoint_folder(settings.checkpoint))
    except (StoreError, CheckpointError) as error:
        return False, {"ready": False, "reason": str(error)}
    except Exception as error:  # noqa: BLE001  (unreachable server: any client error)
        return False, {"ready": False, "reason": f"{type(error).__name__}: {error}"}
    if metadata is None:
        return False, {"ready": False, "reason": "no index yet; run `cmr-search index`"}
    reason = mismatch(metadata, {"index_version": INDEX_VERSION, "model": identity.as_dict()})
    if reason is not None:
        return False, {"ready": False, "reason": reason}
    return True, {"ready": True, "studies": store.count(), "store": describe(settings),
                  "versions": {"model": identity.key, "index": INDEX_VERSION}}


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


def _warm_up(models: Models) -> None:
    """Load the model and the prompt directions now; an index problem shows on /readyz."""
    engine = models.engine()
    for name in ("search.html", "study.html", "_main.html", "_card.html"):
        pages.templates.get_template(name)  # compiled once, here
    try:
        engine.search(SearchRequest(q="warm up"))
        engine.facets(SearchFilters())
    except Exception as error:  # noqa: BLE001  (best effort: /readyz reports what is wrong)
        logger.info("warm-up search skipped: %s", error)
        engine.encoder.finding_directions()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/media/"))


def _mount_media(app: FastAPI, settings: Settings) -> None:
    """Previews only: the data folder also holds embeddings and run reports, never served."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for route, folder in (("/media/previews", settings.layout.previews),
                          ("/media/uploads/previews", settings.layout.upload_previews)):
        folder.mkdir(parents=True, exist_ok=True)
        app.mount(route, StaticFiles(directory=folder), name=route.strip("/"))


def create_app(settings: Settings, store: VectorStore | None = None,
               engine: SearchEngine | None = None,
               encoder: StudyEncoder | None = None) -> FastAPI:
    """The app over the settings' index (or `store`), with `engine` and `encoder` when given
    (tests), else loaded from the configured checkpoint on first use."""
    ignore_pydicom_warnings()  # the app's entry point: uploads read odd files too
    app = FastAPI(title="cmr-search", version="0.1.0",
                  description="Case-retrieval search for cardiac MRI archives.")
    index = engine.store if engine is not None else store if store is not None \
        else open_index(settings)
    app.state.settings = settings
    app.state.store = index
    app.state.models = Models(settings, index, engine, encoder)
    app.state.warm_up = lambda: _warm_up(app.state.models)
    app.state.teaching = TeachingFiles(settings.layout.teaching_db)
    app.include_router(router)
    app.include_router(pages.router)
    app.include_router(teaching_pages.router)
    app.include_router(media.router)
    _mount_media(app, settings)

    @app.exception_handler(SearchError)
    @app.exception_handler(UploadError)
    def search_error(request: Request, error: Exception) -> Response:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
        if _wants_json(request):
            return JSONResponse({"detail": str(error)}, status_code=status)
        title = {404: "Not found", 503: "The index is not ready"}.get(status, "Bad request")
        return pages.render(request, "error.html", status, title=title, message=str(error))

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        title = "Not found" if error.status_code == 404 else "Error"
        message = "There is no such page." if error.status_code == 404 else str(error.detail)
        return pages.render(request, "error.html", error.status_code, title=title,
                            message=message)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """The index is reachable and matches the model (readiness; 503 otherwise)."""
        ready, body = readiness(index, settings)
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/api/v1/health", tags=["health"])
    def api_health() -> JSONResponse:
        return readyz()

    return app
