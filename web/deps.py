"""What routes take from the application's state: the engine, its model, folders, the store."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from fastapi import Request

from catalog import point_id
from cmr_search.layout import DataLayout
from indexer.embed import StudyEncoder
from indexer.upload import UploadedStudy
from search import QueryError, SearchEngine
from vectorstore import VectorStore


def engine_of(request: Request) -> SearchEngine:
    """The search engine (the model loads on the first call)."""
    return cast(SearchEngine, request.app.state.models.engine())


def study_encoder(request: Request) -> StudyEncoder:
    """The model that embeds uploaded studies and whose clip spec keys the clip cache."""
    return cast(StudyEncoder, request.app.state.models.encoder())


def store_of(request: Request) -> VectorStore:
    return cast(VectorStore, request.app.state.store)


def layout_of(request: Request) -> DataLayout:
    return cast(DataLayout, request.app.state.settings.layout)


def indexed(request: Request, study_instance_uid: str) -> bool:
    return bool(store_of(request).retrieve([point_id(study_instance_uid)]))


def uploaded_previews(request: Request, study: UploadedStudy) -> dict[str, str]:
    """Preview paths relative to the data folder, like an indexed study's."""
    layout = layout_of(request)
    folder = layout.upload_previews.relative_to(layout.root)
    return {k: str(folder / v) for k, v in study.previews.items()}


def upload_archive(request: Request) -> Path:
    """Where an uploaded study asked to be kept waits for the next index run."""
    configured: Path | None = request.app.state.settings.upload_archive
    archive = (store_of(request).metadata() or {}).get("archive")
    if configured is None and not archive:
        raise QueryError("no archive to keep the study in: set CMR_SEARCH_UPLOAD_ARCHIVE")
    return configured or Path(str(archive))
