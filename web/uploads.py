"""Whether an uploaded study may be kept for the next index run, asked before the upload form
offers it, and an upload read so that a refusal to keep it gives the true reason."""

from __future__ import annotations

from fastapi import Request, UploadFile

from accounts import Principal, Role
from indexer.upload import RESEARCH_NOT_KEPT, UploadedStudy
from search import QueryError, SearchResponse
from web.deps import read_upload, upload_archive


def keeping_refused(request: Request) -> str | None:
    """Why no upload can be kept on this server (`upload_archive`'s reason: an index built
    from a research dataset, a PACS or a folder this server does not see, and no
    CMR_SEARCH_UPLOAD_ARCHIVE), or None where one can."""
    try:
        upload_archive(request)
    except QueryError as error:
        return str(error)
    return None


def may_keep(request: Request, principal: Principal) -> bool:
    """Whether the upload form offers to keep the study: to a clinician, where it can be kept
    (a research index offered it, and every upload that asked was refused)."""
    return principal.allows(Role.CLINICIAN) and keeping_refused(request) is None


def read_kept(request: Request, principal: Principal, file: UploadFile, add: bool, limit: int,
              view: str | None) -> tuple[UploadedStudy, SearchResponse]:
    """`read_upload`, where keeping is asked but no archive takes uploads: the study is read
    first. A research (NIfTI) patient is never kept, wherever uploads go: it is searched with
    and says so, as where an archive takes uploads (the refusal said "set
    CMR_SEARCH_UPLOAD_ARCHIVE", which would not have kept it). A DICOM study is refused with
    the archive's reason, which setting it does mend. A viewer asking is refused at once."""
    refusal = keeping_refused(request) if add and principal.allows(Role.CLINICIAN) else None
    if refusal is None:
        return read_upload(request, principal, file, add, limit, view)
    study, response = read_upload(request, principal, file, False, limit, view)
    if not study.research:
        raise QueryError(refusal)
    study.notes.append(RESEARCH_NOT_KEPT)
    return study, response
