"""Training and evaluation pairs from an archive: each study's clips with its impression.

Clips come from the same cache the index runs fill (`DATA_DIR/clips`), so a model trained
after indexing does not read the pixels again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cmrclip.clips import ClipCache, StudyClips
from cmrclip.data import PairSet
from cmrclip.preprocess import Preprocess
from indexer.assemble import assemble_study
from reader.scan import Study, scan_archive
from reader.stack import PixelError

logger = logging.getLogger(__name__)


def _clips(args: tuple[Study, Preprocess, Path]) -> StudyClips | str:
    """One study's clips, from the cache or assembled (runs in a worker process)."""
    study, preprocess, cache_root = args
    cache = ClipCache(cache_root, preprocess.spec)
    cached = cache.get(study.study_instance_uid)
    if cached is not None:
        return cached
    try:
        clips = assemble_study(study, preprocess).clips
    except PixelError as error:
        return str(error)
    cache.put(clips)
    return clips


class NoPairsError(ValueError):
    """An archive with nothing to learn from or evaluate on."""


def load_pairs(archive: Path, preprocess: Preprocess, cache_root: Path, workers: int = 1,
               progress: Callable[[int, int], None] | None = None,
               require_report: bool = True) -> PairSet:
    """Scan, assemble (or load cached) clips, and keep studies that have an impression."""
    scanned = scan_archive(archive, workers)
    studies = [s for s in scanned.studies
               if not require_report or (s.report is not None and s.report.impression)]
    jobs = [(s, preprocess, cache_root) for s in studies]
    results: list[StudyClips | str] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for result in pool.map(_clips, jobs, chunksize=2):
                results.append(result)
                if progress:
                    progress(len(results), len(jobs))
    else:
        for job in jobs:
            results.append(_clips(job))
            if progress:
                progress(len(results), len(jobs))
    kept = [(s, c) for s, c in zip(studies, results, strict=True) if isinstance(c, StudyClips)]
    for s, c in zip(studies, results, strict=True):
        if isinstance(c, str):
            logger.warning("skipped %s: %s", s.study_instance_uid, c)
    if not kept:
        raise NoPairsError(f"{archive}: no study with a usable cine"
                           + (" and a report impression" if require_report else ""))
    return PairSet.from_clips([c for _, c in kept], [s.info.patient_id for s, _ in kept],
                              [s.report.impression if s.report else "" for s, _ in kept])
