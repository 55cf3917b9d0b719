"""Whether an uploaded study may be kept for the next index run, asked before the upload form
offers it, and an upload read so that a refusal to keep it gives the true reason."""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import NoReturn

from fastapi import Request, UploadFile

from accounts import Principal, Role
from db import Action, EventId, Outcome
from indexer.upload import RESEARCH_NOT_KEPT, UploadedStudy, may_hold_research
from search import QueryError, SearchResponse
from vectorstore import StoreError
from web.auth import record
from web.deps import read_upload, store_of, upload_archive, upload_name_digest

logger = logging.getLogger(__name__)

# how long a verdict on keeping holds for one published index: the form asks on every render,
# and a verdict is a look into the archive folder (for an index that named it by a relative
# path, a scroll of the index and a warning in the log); a folder mounted or made since is
# seen within this time, a new index at once
KEEPING_CHECK_S = 60.0


class KeepingVerdicts:
    """The last verdict of `keeping_refused`, per published index (`app.state.keeping`)."""

    def __init__(self, seconds: float = KEEPING_CHECK_S) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._last: tuple[tuple[str, str], float, str | None] | None = None

    def get(self, key: tuple[str, str]) -> tuple[bool, str | None]:
        """(found, verdict): found when one for `key` is younger than `seconds`."""
        with self._lock:
            if self._last is not None and self._last[0] == key \
                    and time.monotonic() - self._last[1] < self.seconds:
                return True, self._last[2]
        return False, None

    def put(self, key: tuple[str, str], verdict: str | None) -> None:
        with self._lock:
            self._last = (key, time.monotonic(), verdict)


def keeping_refused(request: Request) -> str | None:
    """Why no upload can be kept on this server (`upload_archive`'s reason: an index built
    from a research dataset, a PACS or a folder this server does not see, and no
    CMR_SEARCH_UPLOAD_ARCHIVE), or None where one can; a verdict holds `KEEPING_CHECK_S`
    for one published index. StoreError where the index does not answer."""
    if request.app.state.settings.upload_archive is not None:
        return None  # a place of uploads' own: nothing to look up
    metadata = store_of(request).metadata() or {}
    # one published index: its archive and when it was built (a server collection, whose
    # runs update it in place, by its archive alone)
    key = (str(metadata.get("archive") or ""), str(metadata.get("built") or ""))
    verdicts: KeepingVerdicts = request.app.state.keeping
    found, verdict = verdicts.get(key)
    if found:
        return verdict
    try:
        upload_archive(request)
        verdict = None
    except QueryError as error:
        verdict = str(error)
    except OSError as error:  # the archive's folder cannot be looked into (a 500 before)
        why = error.strerror or type(error).__name__
        verdict = (f"the index's archive folder cannot be looked into ({why}): set "
                   "CMR_SEARCH_UPLOAD_ARCHIVE")
    verdicts.put(key, verdict)
    return verdict


# why the upload form offers no keeping, where it is not the archive's: the form said "not
# added to the index unless you ask" with nothing to ask by
NOT_A_CLINICIAN = "only a clinician may ask to keep a study for the index"
INDEX_SILENT = "the index does not answer just now, so keeping the study cannot be offered"
# the operator's remedy an archive's refusal ends with, no step for the form's user: the form
# says why alone ("..., no place for uploads: set CMR_SEARCH_UPLOAD_ARCHIVE")
_REMEDY = re.compile(r":\s+(?:run\b[^:]*?,\s+or\s+)?set CMR_SEARCH_UPLOAD_ARCHIVE\s*$")


def keeping_withheld(request: Request, principal: Principal) -> str | None:
    """Why the upload form offers no keeping, said to its user, or None where it offers it:
    to a clinician, where the study can be kept (a research index offered it, and every
    upload that asked was refused; its reason is `keeping_refused`'s). An index that does not
    answer offers no keeping, in a line of the log: the form still reads a study (the whole
    page was the index's error)."""
    if not principal.allows(Role.CLINICIAN):
        return NOT_A_CLINICIAN
    try:
        refused = keeping_refused(request)
    except StoreError as error:
        logger.warning("the upload form offers no keeping: the index does not answer (%s)",
                       str(error).splitlines()[0] if str(error) else type(error).__name__)
        return INDEX_SILENT
    return None if refused is None else _REMEDY.sub("", refused)


def read_kept(request: Request, principal: Principal, file: UploadFile, add: bool, limit: int,
              view: str | None) -> tuple[UploadedStudy, SearchResponse]:
    """`read_upload`, where keeping is asked but no archive takes uploads. A research (NIfTI)
    patient is never kept, wherever uploads go: it is searched with and says so, as where an
    archive takes uploads (the refusal said "set CMR_SEARCH_UPLOAD_ARCHIVE", which would not
    have kept it). A DICOM study is refused with the archive's reason, which setting it does
    mend, as soon as it is known to be one: a zip whose directory names no NIfTI volume is
    refused unread (it was read, embedded and searched, the trail recording a search whose
    answer nobody saw, and then refused). A viewer asking is refused at once."""
    refusal = keeping_refused(request) if add and principal.allows(Role.CLINICIAN) else None
    if refusal is None:
        return read_upload(request, principal, file, add, limit, view)
    if not may_hold_research(file.file):
        _refused(request, file, refusal)
    study, response = read_upload(request, principal, file, False, limit, view)
    if not study.research:  # NIfTI files beside a DICOM study: searched (in the trail), kept not
        _refused(request, file, refusal)
    study.notes.append(RESEARCH_NOT_KEPT)
    return study, response


def _refused(request: Request, file: UploadFile, refusal: str) -> NoReturn:
    """The trail's entry for an upload asked to be kept and refused (as `read_upload` records
    one that is kept), then the refusal."""
    settings = request.app.state.settings
    record(request, EventId.IMPORT, Action.CREATE, outcome=Outcome.MINOR_FAILURE,
           upload_name_hmac=upload_name_digest(settings, file.filename or ""), kept=False,
           refused=refusal)
    raise QueryError(refusal)
