"""A PACS as an archive of studies: list them with fingerprints from the PACS's own counts,
fetch one (only the series it needs) into the cache, and hand it over as a `Study`."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pacs.cache import FetchCache
from pacs.client import (
    NotIndexableError,
    PacsClient,
    PacsError,
    RemoteStudy,
    is_uid,
    pages,
    safe_uid,
)
from pacs.polite import Polite
from pacs.select import Selection, from_descriptions, from_metadata
from reader.reports import ReportIndex
from reader.scan import NO_CINE, Study, scan_archive

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyWindow:
    """Which studies to read: dated `since` .. `until` (inclusive; None = open)."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}")


@dataclass
class FetchStats:
    """What fetching cost: studies and series fetched, bytes received, seconds."""

    studies: int = 0
    series: int = 0
    series_skipped: int = 0
    bytes: int = 0
    reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, stage: str, started: float, **counts: int) -> None:
        with self.lock:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, object]:
        return {"studies_fetched": self.studies, "series_fetched": self.series,
                "series_not_fetched": self.series_skipped, "bytes_fetched": self.bytes,
                "studies_from_cache": self.reused,
                "seconds": {k: round(v, 2) for k, v in self.seconds.items()}}


class PacsArchive:
    """Read-only: every request goes through `polite` (rate limit, concurrency, retries)."""

    def __init__(self, client: PacsClient, polite: Polite, cache: FetchCache,
                 reports: ReportIndex | None = None, window: StudyWindow | None = None,
                 page_size: int = 100) -> None:
        self.client, self.polite, self.cache = client, polite, cache
        self.reports = reports or ReportIndex()
        self.window, self.page_size = window or StudyWindow(), page_size
        self.stats = FetchStats()

    @property
    def location(self) -> str:
        return self.client.location

    def list_studies(self, progress: Callable[[int], None] | None = None) -> list[RemoteStudy]:
        """Every MR study in the window, with its series and instance counts."""
        started = time.perf_counter()
        found: dict[str, RemoteStudy] = {}
        since, until = self.window.since, self.window.until

        def find(offset: int, limit: int) -> list[RemoteStudy]:
            return self.polite.call("query studies", lambda: self.client.find_studies(
                since, until, offset, limit))

        for page in pages(find, self.page_size):
            for study in page:
                if not is_uid(study.study_instance_uid):  # one bad entry stopped the run
                    logger.warning("a study entry from the PACS has no valid Study Instance "
                                   "UID (%d characters): skipped", len(study.study_instance_uid))
                    continue
                found.setdefault(study.study_instance_uid, study)
            if progress:
                progress(len(found))
        out = [self._counted(s) for s in found.values()]
        self.stats.add("query", started)
        return out

    def _counted(self, study: RemoteStudy) -> RemoteStudy:
        """The counts from a series query when the study query did not return them."""
        if study.series_count is not None and study.instance_count is not None:
            return study
        series = self.polite.call("query series", lambda: self.client.find_series(
            study.study_instance_uid))
        return RemoteStudy(study.study_instance_uid, study.accession_number, study.study_date,
                           len(series), sum(s.instance_count or 0 for s in series))

    def fingerprint(self, study: RemoteStudy) -> str:
        """From the PACS's own counts (and a report kept beside it): a study is fetched again
        only when a series or an instance was added or removed, or its report changed."""
        h = hashlib.sha256(f"pacs\0{study.series_count}\0{study.instance_count}".encode())
        report = self.reports.find(study.accession_number, study.study_instance_uid)
        if report is not None:
            h.update(report.text.encode())
        return h.hexdigest()[:32]

    def _select(self, study: RemoteStudy) -> Selection:
        started = time.perf_counter()
        uid = study.study_instance_uid
        metadata = self.polite.call("metadata", lambda: self.client.study_metadata(uid))
        if metadata is not None:
            # an empty or short answer (a study on nearline storage, or still arriving) is no
            # "no cine": remembered so, the study was not asked for again for 90 days
            if len(metadata) < max(study.instance_count or 0, 1):
                raise PacsError(f"metadata: {len(metadata)} of {study.instance_count or 'some'} "
                                "instances described (the study is asked for again at the "
                                "next run)")
            selection = from_metadata(metadata)
        else:
            series = self.polite.call("query series", lambda: self.client.find_series(uid))
            if not series:
                raise PacsError("query series: no series listed (the study is asked for "
                                "again at the next run)")
            selection = from_descriptions(series)
        self.stats.add("select", started)
        return selection

    def fetch(self, study: RemoteStudy, fingerprint: str,
              cancelled: Callable[[], bool] = lambda: False) -> Study:
        """The study's wanted series in the cache, read as a `Study`; PacsError says why not.

        `cancelled` is asked before each series: an interrupted run stops within one series
        and leaves the study incomplete (cleared by the next run), never half-marked.
        """
        uid = safe_uid(study.study_instance_uid, "Study Instance UID")
        folder = self.cache.folder(uid)
        if self.cache.is_complete(uid, fingerprint):
            self.stats.add("fetch", time.perf_counter(), reused=1)
        else:
            self.cache.discard(uid)
            selection = self._select(study)
            if selection.reason:
                raise NotIndexableError(selection.reason)
            self.stats.add("select", time.perf_counter(),
                           series_skipped=selection.series_total - len(selection.wanted))
            for series_uid in selection.wanted:
                if cancelled():
                    raise PacsError("fetch cancelled: the run was interrupted")
                self._fetch_series(uid, safe_uid(series_uid, "Series Instance UID"), folder,
                                   selection.expected.get(series_uid, 0))
            self.cache.mark_complete(uid, fingerprint)
            self.stats.add("fetch", time.perf_counter(), studies=1)
        return self._read(folder, study)

    def _fetch_series(self, uid: str, series_uid: str, folder: Path, expected: int) -> None:
        """One series into the cache, all of it: a series the PACS sends empty or short (a
        204, a cut answer read as whole) fails the study, which the next run fetches again;
        kept, it was indexed without its views and never fetched again (same counts)."""
        started = time.perf_counter()
        received = self.polite.call("fetch series", lambda: self.client.fetch_series(
            uid, series_uid, folder / series_uid))
        arrived = sum(1 for p in (folder / series_uid).glob("*") if p.is_file()) \
            if (folder / series_uid).is_dir() else 0
        if arrived < max(expected, 1):
            raise PacsError(f"series {series_uid}: {arrived} of {expected or 'some'} instances "
                            "arrived (the PACS sent it short; the study is tried again at "
                            "the next run)")
        self.stats.add("fetch", started, series=1, bytes=received)

    def _read(self, folder: Path, remote: RemoteStudy) -> Study:
        """The fetched files read as the folder reader reads any export."""
        started = time.perf_counter()
        scanned = scan_archive(folder, workers=1)
        self.stats.add("read", started)
        if not scanned.studies:
            reasons = sorted({s.reason for s in scanned.skipped}) or ["no images arrived"]
            if NO_CINE in reasons:  # read whole, it has none: reading again is the same
                raise NotIndexableError(f"fetched series not usable: {NO_CINE}")
            # a file cut in transfer ("truncated pixel data") may come whole next time
            raise PacsError(f"fetched series not usable: {reasons[0]}")
        study = scanned.studies[0]
        if study.report is None:
            study.report = self.reports.find(remote.accession_number,
                                             remote.study_instance_uid)
        study.origin = f"{self.location}/studies/{study.study_instance_uid}"
        return study

    def release(self, study_instance_uid: str) -> None:
        self.cache.release(study_instance_uid)

    def close(self) -> None:
        self.client.close()

