"""Scan an archive: every study with its series, views and report; every skipped file and why."""

from __future__ import annotations

import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmr_search.vocab import View
from reader.classify import classify_study
from reader.discover import PRODUCT_SIDECARS, Skipped, classify_file, reason_class, walk
from reader.headers import FrameHeader, HeaderRead, StudyInfo, read_headers
from reader.nifti import AcdcStudy, NiftiError, is_acdc_patient, read_info, stray_nifti
from reader.reports import ReportIndex, StudyReport, report_from_sr, text_report_near
from reader.series import Series, assemble_series, deduplicate, stray_orientations

logger = logging.getLogger(__name__)
# why a study that was read whole is left out: it has nothing the index can use
NO_CINE = "study has no cine series"

_REPORT_INDEX_SUFFIXES = (".jsonl", ".csv")


@dataclass
class Study:
    """One study as the indexer sees it."""

    info: StudyInfo
    folder: Path
    series: list[Series]
    views: dict[str, View]  # SeriesInstanceUID -> view
    report: StudyReport | None = None
    origin: str = ""  # where it came from when not from `folder` (a PACS), for the payload

    @property
    def study_instance_uid(self) -> str:
        return self.info.study_instance_uid

    def series_for(self, view: View) -> list[Series]:
        return [s for s in self.series if self.views[s.series_instance_uid] is view]

    @property
    def view_series(self) -> dict[str, str]:
        """Product view name -> SeriesInstanceUID of the series that shows it (first one)."""
        out: dict[str, str] = {}
        for s in sorted(self.series, key=lambda s: s.series_number):
            view = self.views[s.series_instance_uid]
            if view is not View.OTHER:
                out.setdefault(view.value, s.series_instance_uid)
        return out

    @property
    def has_cine(self) -> bool:
        return any(v.value.endswith("_cine") for v in self.views.values())


@dataclass
class ScanResult:
    studies: list[Study] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files_seen: int = 0
    report_files: list[str] = field(default_factory=list)
    research_studies: list[AcdcStudy] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def skipped_by_reason(self) -> Counter[str]:
        return Counter(reason_class(s.reason) for s in self.skipped)

    @property
    def study_count(self) -> int:
        """Every study found: DICOM ones and NIfTI research ones alike (both are indexed)."""
        return len(self.studies) + len(self.research_studies)

    def counted(self) -> str:
        """What was found, as in "50 studies (50 NIfTI research studies)": the DICOM studies
        alone said "0 studies" of an ACDC folder whose 50 patients were listed and indexed."""
        total = self.study_count
        said = f"{total} {'study' if total == 1 else 'studies'}"
        if not self.research_studies:
            return said
        research = f"{len(self.research_studies)} NIfTI research " + (
            "study" if len(self.research_studies) == 1 else "studies")
        return f"{said} ({len(self.studies)} DICOM, {research})" if self.studies else \
            f"{said} ({research})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "studies": [{
                "study_instance_uid": s.study_instance_uid,
                "views": s.view_series,
                "has_report": s.report is not None,
                "series": len(s.series),
                "folder": str(s.folder),
            } for s in self.studies] + [{
                "study_instance_uid": r.study_instance_uid,
                "views": {"sax_cine": str(r.folder)},
                "has_report": False,
                "series": 1,
                "folder": str(r.folder),
            } for r in self.research_studies],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "skipped_by_reason": dict(self.skipped_by_reason()),
            "files_seen": self.files_seen,
            "report_files": self.report_files,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _read_many(paths: list[Path]) -> list[HeaderRead | Skipped]:
    return [read_headers(p) for p in paths]


def _chunks(items: list[Path], size: int) -> Iterable[list[Path]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _read_all(paths: list[Path], workers: int,
              progress: Callable[[int], None] | None) -> list[HeaderRead | Skipped]:
    if workers <= 1 or len(paths) < 200:
        out = []
        for chunk in _chunks(paths, 100):
            out.extend(_read_many(chunk))
            if progress:
                progress(len(chunk))
        return out
    results: list[HeaderRead | Skipped] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk, result in zip(_chunks(paths, 200),
                                 pool.map(_read_many, _chunks(paths, 200)), strict=True):
            results.extend(result)
            if progress:
                progress(len(chunk))
    return results


def _study_folder(frames: list[FrameHeader]) -> Path:
    return Path(os.path.commonpath([str(f.path.parent) for f in frames]))


def _own_folders(folder: Path, root: Path, studies_below: Counter[Path]) -> list[Path]:
    """The study folder and those of its ancestors (below the root) that hold no other study."""
    out = [folder]
    for parent in folder.parents:
        if parent == root or root not in parent.parents or studies_below[parent] > 1:
            break
        out.append(parent)
    return out


def _build_study(info: StudyInfo, frames: list[FrameHeader], srs: list[tuple[Any, str]],
                 index: ReportIndex, skipped: list[Skipped]) -> Study | None:
    kept, duplicates = deduplicate(frames)
    for frame in duplicates:
        skipped.append(Skipped(str(frame.path), "duplicate SOP Instance UID"))
    by_series: dict[str, list[FrameHeader]] = defaultdict(list)
    for frame in kept:
        by_series[frame.series_instance_uid].append(frame)
    series = []
    for frames_of_series in by_series.values():
        planar, strays = stray_orientations(frames_of_series)
        skipped += [Skipped(str(path), "in another plane than the rest of its series")
                    for path in dict.fromkeys(f.path for f in strays)]  # a file, not a frame
        series.append(assemble_series(planar))
    folder = _study_folder(kept)
    study = Study(info, folder, series, classify_study(series))
    report = None
    for ds, location in srs:
        report = report or report_from_sr(ds, location)
    report = report or index.find(info.accession_number, info.study_instance_uid)
    study.report = report
    if not study.has_cine:
        skipped.append(Skipped(str(folder), NO_CINE))
        return None
    return study


@dataclass
class _Found:
    """What the walk over an archive found: image candidates, text files, report indexes."""

    candidates: list[Path] = field(default_factory=list)
    texts: list[Path] = field(default_factory=list)
    index: ReportIndex = field(default_factory=ReportIndex)


def _discover(root: Path, result: ScanResult) -> _Found:
    """Walk the archive: research studies, report indexes, and the files worth reading."""
    found = _Found()
    for item in walk(root):
        if isinstance(item, Skipped):
            result.skipped.append(item)
            continue
        if item.name in PRODUCT_SIDECARS and item.parent == root:
            continue  # ours, not the archive's: nothing to say of it
        result.files_seen += 1
        if item.name == "Info.cfg" and is_acdc_patient(item.parent):
            try:
                result.research_studies.append(read_info(item.parent))
            except NiftiError as error:
                result.skipped.append(Skipped(str(item), str(error).split(": ", 1)[-1]))
            continue
        if item.name.endswith(".nii.gz") and is_acdc_patient(item.parent):
            continue
        if item.suffix.lower() in _REPORT_INDEX_SUFFIXES and found.index.add_file(item):
            result.report_files.append(str(item))
            continue
        if nifti := stray_nifti(item):
            result.skipped.append(Skipped(str(item), nifti))
            continue
        reason = classify_file(item)
        if reason is None:
            found.candidates.append(item)
        elif item.suffix.lower() == ".txt":  # text reports are looked up per study later
            found.texts.append(item)
        else:
            result.skipped.append(reason)
    return found


def _assemble_studies(reads: list[HeaderRead | Skipped], found: _Found,
                      result: ScanResult) -> None:
    """Group the headers by study and build each study (with its SR report, if any)."""
    frames: dict[str, list[FrameHeader]] = defaultdict(list)
    infos: dict[str, StudyInfo] = {}
    srs: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    for read, path in zip(reads, found.candidates, strict=True):
        if isinstance(read, Skipped):
            result.skipped.append(read)
            continue
        uid = read.study.study_instance_uid
        infos.setdefault(uid, read.study)
        if read.sr is not None:
            srs[uid].append((read.sr, str(path)))
        frames[uid].extend(read.frames)
    for uid, study_frames in sorted(frames.items()):
        if not study_frames:
            result.skipped.extend(Skipped(location, "study has a report but no images")
                                  for _, location in srs[uid])
            continue
        try:
            study = _build_study(infos[uid], study_frames, srs[uid], found.index, result.skipped)
        except Exception as error:
            logger.debug("study %s failed", uid, exc_info=True)
            where = str(_study_folder(study_frames))
            result.skipped.append(Skipped(where, f"study not assembled: {type(error).__name__}"))
            continue
        if study is not None:
            result.studies.append(study)


def _match_text_reports(root: Path, found: _Found, result: ScanResult) -> None:
    """Text reports beside a study (in its own folders); the rest are skipped, with why."""
    studies_below: Counter[Path] = Counter()
    for study in result.studies:
        studies_below.update({study.folder, *study.folder.parents})
    for study in result.studies:
        for folder in _own_folders(study.folder, root, studies_below):
            if study.report is not None:
                break
            study.report = text_report_near(folder, study.info.accession_number)
    used = {s.report.location for s in result.studies if s.report is not None}
    result.skipped.extend(Skipped(str(p), "text file that is no study's report")
                          for p in found.texts if str(p) not in used)


def scan_archive(root: Path, workers: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> ScanResult:
    """Read every header below `root` and assemble studies; bad files are skipped with a reason."""
    result = ScanResult()
    started = time.perf_counter()
    found = _discover(root, result)
    result.seconds["discover"] = time.perf_counter() - started
    started = time.perf_counter()
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(found.candidates))

    reads = _read_all(found.candidates, workers, tick)
    result.seconds["header_read"] = time.perf_counter() - started
    started = time.perf_counter()
    _assemble_studies(reads, found, result)
    _match_text_reports(root, found, result)
    result.seconds["assemble"] = time.perf_counter() - started
    # not the folder's name: an export's folder is often named by the patient ID
    logger.info("scanned an archive: %s, %d files skipped", result.counted(),
                len(result.skipped))
    return result
