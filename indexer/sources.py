"""Where studies come from: a folder (an export), or a PACS (DICOMweb or DIMSE).

The index run asks a source for its studies with fingerprints (discover), takes the new and
changed ones from it one by one (for a PACS, fetched into a bounded cache), and tells it when
a study's record is written (the cached instances can go). Every stage after discovery is the
same whatever the source.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from indexer.payload import study_fingerprint
from pacs import NotIndexableError, PacsArchive, PacsError, RemoteStudy
from reader.nifti import AcdcStudy
from reader.scan import Study, scan_archive

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Indexable = Study | AcdcStudy  # a DICOM study, or a research (ACDC-style NIfTI) one


@dataclass(frozen=True)
class Candidate:
    """A study the source holds: its fingerprint, and where it is (for failure lines)."""

    study_instance_uid: str
    fingerprint: str
    location: str


@dataclass(frozen=True)
class Unavailable:
    """A study the source could not bring, and why (one line, no patient data).
    `permanent`: the study holds nothing to index, and will not until it changes (a PACS's
    brain MR); otherwise the next run tries it again."""

    study_instance_uid: str
    reason: str
    permanent: bool = False


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)


class StudySource(Protocol):
    @property
    def location(self) -> str:
        """What the index records as its archive (a folder, or the PACS without credentials)."""
        ...

    def discover(self, workers: int, progress: Progress | None) -> Discovery: ...

    def studies(self, todo: list[Candidate]) -> Iterator[Indexable | Unavailable]:
        """The studies of `todo`, in any order, each exactly once."""
        ...

    def release(self, study_instance_uid: str) -> None:
        """The study's record is written, or it failed: what was fetched for it can go."""
        ...

    def report(self) -> dict[str, Any]:
        """What reading cost (for a PACS: bytes and series fetched)."""
        ...


class FolderSource:
    """An exported folder of any layout (DICOM, and research datasets in the ACDC NIfTI
    layout); fingerprints from file stats and the report text."""

    def __init__(self, root: Path) -> None:
        # absolute (not resolved: a symlinked mount keeps the name earlier runs recorded):
        # the index records it, its fingerprints digest the paths below it, and a relative
        # one meant another folder wherever the next run or the web server started
        self.root = Path(os.path.abspath(root))
        self._studies: dict[str, Indexable] = {}

    @property
    def location(self) -> str:
        return str(self.root)

    def discover(self, workers: int, progress: Progress | None) -> Discovery:
        found = Discovery()
        started = time.perf_counter()
        scanned = scan_archive(self.root, workers,
                               (lambda d, t: progress("read headers", d, t)) if progress else None)
        found.stages["scan"] = time.perf_counter() - started
        found.skipped = [{"path": s.path, "reason": s.reason} for s in scanned.skipped]
        started = time.perf_counter()
        studies: list[Indexable] = [*scanned.studies, *scanned.research_studies]
        for study in studies:
            try:
                fingerprint = study_fingerprint(study)
            except OSError as error:
                found.skipped.append({"path": str(study.folder), "reason": f"unreadable: {error}"})
                continue
            self._studies[study.study_instance_uid] = study
            found.candidates.append(Candidate(study.study_instance_uid, fingerprint,
                                              str(study.folder)))
        found.stages["fingerprint"] = time.perf_counter() - started
        return found

    def studies(self, todo: list[Candidate]) -> Iterator[Indexable | Unavailable]:
        for candidate in todo:
            yield self._studies[candidate.study_instance_uid]

    def study(self, study_instance_uid: str) -> Indexable:
        """One study `discover` found."""
        return self._studies[study_instance_uid]

    def release(self, study_instance_uid: str) -> None:
        pass

    def report(self) -> dict[str, Any]:
        return {}


class PacsSource:
    """A PACS: studies listed by QIDO-RS or C-FIND, fingerprinted by their series and
    instance counts, fetched `concurrency` at a time into the cache and released after."""

    def __init__(self, archive: PacsArchive, concurrency: int) -> None:
        self.archive, self.concurrency = archive, concurrency
        self._remote: dict[str, RemoteStudy] = {}
        self._stop = threading.Event()

    @property
    def location(self) -> str:
        return self.archive.location

    def discover(self, workers: int, progress: Progress | None) -> Discovery:
        found = Discovery()
        started = time.perf_counter()
        self.archive.polite.resume()  # a source used again after a run that ended (halted)
        self.archive.cache.clear_incomplete()
        studies = self.archive.list_studies(
            (lambda n: progress("query PACS", n, 0)) if progress else None)
        for study in studies:
            self._remote[study.study_instance_uid] = study
            found.candidates.append(Candidate(
                study.study_instance_uid, self.archive.fingerprint(study),
                f"{self.location}/studies/{study.study_instance_uid}"))
        found.stages["query"] = time.perf_counter() - started
        return found

    def _fetch(self, candidate: Candidate) -> Study | Unavailable:
        uid = candidate.study_instance_uid
        try:
            return self.archive.fetch(self._remote[uid], candidate.fingerprint,
                                      self._stop.is_set)
        except NotIndexableError as error:
            return Unavailable(uid, str(error), permanent=True)
        except PacsError as error:
            return Unavailable(uid, str(error))
        except Exception as error:  # one bad study never stops the run
            logger.debug("fetching %s failed", uid, exc_info=True)
            return Unavailable(uid, f"{type(error).__name__}: {error}")

    def studies(self, todo: list[Candidate]) -> Iterator[Study | Unavailable]:
        queue = iter(todo)
        self._stop.clear()
        self.archive.polite.resume()
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="pacs-fetch")
        pending: set[Future[Study | Unavailable]] = {
            pool.submit(self._fetch, c) for _, c in zip(range(self.concurrency), queue,
                                                        strict=False)}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    if (following := next(queue, None)) is not None:
                        pending.add(pool.submit(self._fetch, following))
                    yield future.result()
        finally:
            # An interrupted run stops its fetches in flight (within one series each) and
            # waits for them: a fetch left running would write into the cache while the next
            # run clears it, and lose that run a study.
            self._stop.set()
            self.archive.polite.halt()  # a fetch waiting to retry stops now, not after it
            pool.shutdown(wait=True, cancel_futures=True)

    def release(self, study_instance_uid: str) -> None:
        self.archive.release(study_instance_uid)

    def report(self) -> dict[str, Any]:
        return {"source": self.location, **self.archive.stats.as_dict(),
                "requests": self.archive.polite.requests,
                # everything received, metadata and queries included (when the client counts)
                "bytes_received": getattr(self.archive.client, "bytes_received", None),
                "retries": self.archive.polite.retried,
                "cache_studies_left": self.archive.cache.studies_held()}
