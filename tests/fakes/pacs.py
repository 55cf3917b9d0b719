"""An in-memory PACS over a synthetic archive folder: implements `pacs.PacsClient`.

Lists the archive's studies with their counts, answers metadata from the headers (or, like a
DIMSE peer, not at all), copies files for a fetch, and fails on demand: transiently (a 503)
for chosen studies or for every request while "down".
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset

from pacs.client import PacsError, RemoteSeries, RemoteStudy, TransientError, date_range


@dataclass
class _Instance:
    path: Path
    study: str
    series: str
    modality: str
    series_number: int
    description: str


@dataclass
class FakePacs:
    archive: Path
    metadata: bool = True  # False: like DIMSE, no metadata request
    down: bool = False
    failing: set[str] = field(default_factory=set)  # studies whose fetch answers 503
    short: int | None = None  # each series fetch sends at most this many instances
    ignores_offset: bool = False  # every study search answers the first page
    metadata_limit: int | None = None  # a metadata answer holds at most this many instances
    calls: Counter[str] = field(default_factory=Counter)
    fetched: list[tuple[str, str]] = field(default_factory=list)
    bytes_received: int = 0

    def __post_init__(self) -> None:
        self.instances: dict[str, list[_Instance]] = defaultdict(list)
        self.studies: dict[str, Dataset] = {}
        for path in sorted(self.archive.rglob("*")):
            if not path.is_file() or path.suffix in (".txt", ".jsonl", ".json", ".csv"):
                continue
            ds = dcmread(path, stop_before_pixels=True, force=True)
            if "StudyInstanceUID" not in ds:
                continue
            uid = str(ds.StudyInstanceUID)
            self.studies.setdefault(uid, ds)
            self.instances[uid].append(_Instance(
                path, uid, str(ds.SeriesInstanceUID), str(ds.get("Modality", "")),
                int(ds.get("SeriesNumber", 0) or 0), str(ds.get("SeriesDescription", ""))))

    @property
    def location(self) -> str:
        return f"fake://{self.archive.name}"

    def _request(self, what: str) -> None:
        self.calls[what] += 1
        if self.down:
            raise TransientError(f"{what}: ConnectionError")

    def remove_instance(self, study: str, index: int = -1) -> None:
        self.instances[study].pop(index)

    def find_studies(self, since: date | None, until: date | None,
                     offset: int, limit: int) -> list[RemoteStudy]:
        self._request("find_studies")
        low, _, high = date_range(since, until).partition("-")
        found = []
        for uid, ds in sorted(self.studies.items()):
            when = str(ds.get("StudyDate", ""))
            if (low and when < low) or (high and when > high) or not self.instances[uid]:
                continue
            series = {i.series for i in self.instances[uid]}
            found.append(RemoteStudy(uid, str(ds.get("AccessionNumber", "")), when,
                                     len(series), len(self.instances[uid])))
        return found[:limit] if self.ignores_offset else found[offset:offset + limit]

    def find_series(self, study_instance_uid: str) -> list[RemoteSeries]:
        self._request("find_series")
        by_series: dict[str, list[_Instance]] = defaultdict(list)
        for instance in self.instances[study_instance_uid]:
            by_series[instance.series].append(instance)
        return [RemoteSeries(uid, items[0].modality, items[0].series_number,
                             items[0].description, len(items))
                for uid, items in by_series.items()]

    def study_metadata(self, study_instance_uid: str) -> list[Dataset] | None:
        self._request("study_metadata")
        if not self.metadata:
            return None
        return [dcmread(i.path, stop_before_pixels=True, force=True)
                for i in self.instances[study_instance_uid]][:self.metadata_limit]

    def fetch_series(self, study_instance_uid: str, series_instance_uid: str,
                     folder: Path) -> int:
        self._request("fetch_series")
        if study_instance_uid in self.failing:
            raise TransientError("WADO-RS series: HTTP 503")
        if study_instance_uid not in self.instances:
            raise PacsError("WADO-RS series: HTTP 404")
        folder.mkdir(parents=True, exist_ok=True)
        received = 0
        for n, instance in enumerate(self.instances[study_instance_uid]):
            if instance.series == series_instance_uid and (
                    self.short is None or len(list(folder.iterdir())) < self.short):
                shutil.copyfile(instance.path, folder / f"{n:05d}.dcm")
                received += instance.path.stat().st_size
        self.fetched.append((study_instance_uid, series_instance_uid))
        self.bytes_received += received
        return received

    def close(self) -> None:
        self.calls["close"] += 1
