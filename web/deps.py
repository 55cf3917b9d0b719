"""What routes take from the application's state: the engine, its model, folders, the store."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import shutil
import time
from itertools import islice
from pathlib import Path
from typing import Any, cast

from fastapi import Request, UploadFile
from starlette.datastructures import ImmutableMultiDict

from accounts import Principal, Role
from catalog import MEASURES, point_id
from cmr_search.layout import DataLayout
from cmr_search.settings import Settings
from db import Action, EventId
from indexer.deidentify import Deidentifier
from indexer.embed import StudyEncoder
from indexer.measure import SegmentationModel, SegmentationUnavailableError, checked_segmentation
from indexer.relocate import archive_meant
from indexer.upload import (
    UploadedStudy,
    UploadError,
    UploadIdentity,
    UploadLimits,
    study_from_upload,
    upload_label,
)
from indexer.upload_measures import one_view_alone
from reader.nifti import holds_research_studies
from search import Page, QueryError, SearchEngine, SearchFilters, SearchResponse
from vectorstore import VectorStore
from web.auth import Forbidden, record, refused

logger = logging.getLogger(__name__)
UPLOAD_PREVIEW_HOURS = 24  # an upload's result page stays whole for a day


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


def indexed_uids(store: VectorStore, uids: list[str], batch: int = 256) -> set[str]:
    """Those of `uids` the index holds, asked by point id `batch` at a time."""
    found: set[str] = set()
    for start in range(0, len(uids), batch):
        ids = {point_id(uid): uid for uid in uids[start:start + batch]}
        found.update(ids[hit.id] for hit in store.retrieve(list(ids)) if hit.id in ids)
    return found


def uploaded_previews(request: Request, study: UploadedStudy) -> dict[str, str]:
    """Preview paths relative to the data folder, like an indexed study's."""
    layout = layout_of(request)
    folder = layout.upload_previews.relative_to(layout.root)
    return {k: str(folder / v) for k, v in study.previews.items()}


def upload_preview_root(layout: DataLayout) -> Path:
    """A folder of its own for one upload's previews (named by the UIDs alone, a re-upload of
    a study as lossy JPEG was shown the first upload's); the folders of uploads older than
    UPLOAD_PREVIEW_HOURS go (patient images of studies that are not in the index)."""
    root = layout.upload_previews
    cutoff = time.time() - UPLOAD_PREVIEW_HOURS * 3600
    if root.is_dir():
        for old in root.iterdir():
            try:
                if old.stat().st_mtime < cutoff:
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
            except OSError:  # another worker's sweep took it first
                continue
    return root / secrets.token_hex(8)


def upload_archive(request: Request) -> Path:
    """Where an uploaded study asked to be kept waits for the next index run."""
    configured: Path | None = request.app.state.settings.upload_archive
    if configured is not None:
        return configured
    archive = str((store_of(request).metadata() or {}).get("archive") or "")
    if not archive:
        raise QueryError("no archive to keep the study in: set CMR_SEARCH_UPLOAD_ARCHIVE")
    # the index's own archive, unless it is none of the hospital's folders: a PACS address
    # became a relative folder, and a research dataset (ACDC) got the upload's DICOM
    folder = None if "://" in archive else _archive_folder(request, archive)
    if folder is None or not folder.is_dir():
        source = "a PACS" if folder is None else "a folder this server does not see"
        raise QueryError(f"the index was built from {source}, no place to keep the study "
                         "in: set CMR_SEARCH_UPLOAD_ARCHIVE")
    try:
        research = holds_research_studies(folder)
    except OSError:
        research = True  # unreadable: not a place to write either
    if research:
        raise QueryError("the index's archive is a research dataset (ACDC-style NIfTI), no "
                         "place for uploads: set CMR_SEARCH_UPLOAD_ARCHIVE")
    return folder


_RECORDED_SAMPLE = 50  # studies whose folders tell where a relative archive name pointed


def _archive_folder(request: Request, archive: str) -> Path:
    """The index's archive folder. An index written before archives were stored absolute
    names it as that run was given it ("synth"), from the folder the run started in: it was
    read from wherever this server started, and kept uploads in a same-named folder there
    (or refused them) until the next index run. It is looked for, as `archive_meant` says,
    beside the data folder (a run with the default ./data started there) and in this
    server's working folder, and taken only where most of the index's studies are found: a
    same-named folder alone is no evidence, and a patient's upload kept in a folder no one
    meant is worse than a refusal (a de-identified index, which keeps no study's folder, is
    refused until its next run)."""
    if Path(archive).is_absolute():
        return Path(archive)
    hits = store_of(request).scroll(["archive_path"], batch=_RECORDED_SAMPLE)
    recorded = [str(hit.payload.get("archive_path") or "")
                for hit in islice(hits, _RECORDED_SAMPLE)]
    data = Path(os.path.abspath(layout_of(request).root))
    found = archive_meant(archive, [data.parent, Path.cwd()], recorded)
    if len(found) == 1:
        return found[0]
    # the folders for the operator's log only: the server's paths are not the sender's
    logger.warning("the index's relative archive %r: %s", archive,
                   f"found in {', '.join(map(str, found))}" if found else
                   f"not in {data.parent} nor in {Path.cwd()}")
    if found:
        where = ("two folders of that name hold its studies, beside the data folder and in "
                 "this server's working folder")
    elif any(recorded):
        where = ("no folder of that name beside the data folder or in this server's working "
                 "folder holds its studies")
    else:
        where = "it keeps no study's folder (de-identified) to tell which folder it is"
    raise QueryError(f"the index names its archive by the relative path {archive!r}, as "
                     f"index runs before this release stored it, and {where}: run "
                     "`cmr-search index` on the archive's folder once, or set "
                     "CMR_SEARCH_UPLOAD_ARCHIVE")


def index_measured_by(request: Request) -> str | None:
    """The segmentation model the index's measurements come from (None: it holds none): an
    upload's measurements are compared with the index's only where they are that model's."""
    model = (store_of(request).metadata() or {}).get("segmentation_model")
    return model if isinstance(model, str) and model else None


def upload_segmentation(settings: Settings) -> SegmentationModel | None:
    """The segmentation model that measures uploads as the index run measures studies (None
    when measuring is off, or its checkpoint is missing: the upload is compared by images)."""
    if not settings.measure:
        return None
    try:
        return checked_segmentation(settings.segmentation_checkpoint, settings.measure_tta)
    except SegmentationUnavailableError:
        logger.warning("segmentation checkpoint missing: uploads are not measured")
        return None


async def one_of_each(request: Request) -> None:
    """A form field or query parameter given twice is refused, on forms whose every field is
    single: the last was taken without a word ("role=viewer&role=admin" made an admin, a second
    `file` part was the study searched with)."""
    sources: list[ImmutableMultiDict[str, Any]] = [request.query_params]
    if request.method == "POST":
        sources.append(await request.form())  # kept by the request: read once
    for source in sources:
        given_once(source, tuple(dict.fromkeys(source.keys())))


def given_once(params: Any, names: tuple[str, ...], hint: str = "give it once") -> None:
    """QueryError for the first of `names` given more than once (the last was taken without a
    word: "view=4ch&view=lge_sax")."""
    twice = next((n for n in names if len(params.getlist(n)) > 1), None)
    if twice:
        raise QueryError(f"{twice[:30]} is given {len(params.getlist(twice))} times: {hint}")


class NoSeedError(RuntimeError):
    """The index is de-identified, but its seed is not in this data folder: one made anew would
    name none of its studies."""

    def __init__(self) -> None:
        super().__init__(
            "the index is de-identified, but this data folder holds no de-identification seed "
            "(secrets/deidentify_seed, or CMR_SEARCH_DEIDENTIFY_SEED): restore the one the "
            "index was built with, or build it again (cmr-search index --rebuild)")


def index_deidentifier(settings: Settings,
                       metadata: dict[str, Any] | None) -> Deidentifier | None:
    """The pseudonyms an index with this metadata names studies by, None when it names them as
    stored: as its metadata says (an index from before it said so: the setting, or a seed made
    by an earlier de-identified run in this data folder). NoSeedError where the seed is gone."""
    recorded = (metadata or {}).get("deidentified")
    seed_kept = (settings.layout.secrets / "deidentify_seed").is_file()
    if not (bool(recorded) if recorded is not None else settings.deidentify or seed_kept):
        return None
    if settings.deidentify_seed is None and not seed_kept:
        raise NoSeedError
    return Deidentifier(settings.secret("deidentify_seed"))


def upload_identity(request: Request) -> UploadIdentity:
    """How the index names studies and patients (`index_deidentifier`), and the patient key's
    secret. A de-identified index whose seed is not here refuses uploads: a new seed's
    pseudonyms would match none of the index's, and a kept upload would join it as a stranger."""
    settings: Settings = request.app.state.settings
    try:
        deidentifier = index_deidentifier(settings, store_of(request).metadata())
    except NoSeedError as error:
        raise UploadError(f"upload refused: {error}") from None
    return UploadIdentity(settings.secret("patient_key_secret"), deidentifier)


def upload_name_digest(settings: Settings, filename: str) -> str:
    """The uploaded file's name, keyed: an investigator holding the file (and the server's
    secret) can match it; a plain SHA-256 of a short name was reversed in about a second
    ("DOE^JANE_MRN....zip")."""
    name = upload_label(filename).encode()
    return hmac.new(settings.secret("secret_key").encode(), name, hashlib.sha256).hexdigest()[:16]


def upload_limits(settings: Settings) -> UploadLimits:
    return UploadLimits(max_unpacked_bytes=int(settings.upload_max_unpacked_mb * 2**20),
                        max_ratio=settings.upload_max_ratio,
                        max_members=settings.upload_max_members)


def read_upload(request: Request, principal: Principal, file: UploadFile, add: bool, limit: int,
                view: str | None) -> tuple[UploadedStudy, SearchResponse]:
    """An uploaded study read, embedded and searched with (kept for indexing when `add`, which
    needs a clinician); the audit trail records it."""
    if add and not principal.allows(Role.CLINICIAN):
        refused(request, needs=Role.CLINICIAN.value)  # as every refusal of a role is
        raise Forbidden("keeping an upload for the index needs the clinician role")
    engine = engine_of(request)
    engine.check_ready()
    engine.check_view(view)  # before ten seconds of reading and embedding, not after
    preview_root = upload_preview_root(layout_of(request))
    settings = request.app.state.settings
    identity = upload_identity(request)
    study = study_from_upload(file.file, file.filename or "", study_encoder(request),
                              preview_root,
                              upload_archive(request) if add else None,
                              upload_limits(settings), upload_segmentation(settings),
                              keep_unless=lambda uid: indexed(request, uid),
                              identity=identity, index_measured_by=index_measured_by(request))
    record(request, EventId.IMPORT if add else EventId.QUERY,
           Action.CREATE if add else Action.EXECUTE, [study.study_instance_uid],
           # the file's name may carry the patient's ("DOE^JANE_MRN....zip"): its keyed
           # digest matches a file an investigator holds, the name stays out of the trail
           upload_name_hmac=upload_name_digest(settings, file.filename or ""),
           kept=study.kept is not None)
    # the previews' paths from the uploads' folder, as `uploaded_previews` names them
    study.previews = {k: str((preview_root / v).relative_to(layout_of(request).upload_previews))
                      for k, v in study.previews.items()}
    response = engine.near_vectors(study.vectors, SearchFilters(), Page(limit=limit), view=view,
                                   study_instance_uid=study.study_instance_uid,
                                   patient_key=study.patient_key or None)
    if view is not None and MEASURES in study.vectors:  # joined the vectors, not the search
        study.measures_not_compared = one_view_alone(view)
    if identity.deidentifier is not None:  # whoever holds the real study learnt its pseudonym
        study.study_instance_uid, study.already_indexed = f"upload-{secrets.token_hex(6)}", False
    return study, response
