"""The stages that run in worker processes: read a study's pixels once, then assemble its clips
and previews (when it needs embedding) and segment and measure it (when it needs measuring).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from cmr_search.layout import DataLayout
from cmrclip.clips import ClipCache, StudyClips
from cmrclip.preprocess import Preprocess
from indexer.assemble import assemble_stacks, study_stacks
from indexer.deidentify import failure_note, is_deidentified
from indexer.measure import SegmentationModel, measure_study
from indexer.records import MeasurementStore
from indexer.sources import Indexable, Unavailable
from reader.nifti import NiftiError
from reader.stack import PixelError
from reader.views import StudyStacks, split_note

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One study to prepare, and which of its records are missing."""

    study: Indexable
    fingerprint: str
    embed: bool = True
    measure: bool = False

    @property
    def study_instance_uid(self) -> str:
        return self.study.study_instance_uid


@dataclass
class Prepared:
    """What a worker hands back for one study: clips and preview paths (when it was to be
    embedded), whether it was measured, or why it failed."""

    study_instance_uid: str
    clips: StudyClips | None
    previews: dict[str, str]
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    embed: bool = True
    measured: str = ""  # "", "measured" or "failed"
    # the views reading left out ("3ch_cine: ... cannot be decoded"), for the run's summary
    # (kept when the clips stay in a cluster); what it assumed (an ACDC folder's slice order)
    # is on the study page only
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Embedded as asked (a study only to be measured is usable once measured)."""
        return self.clips is not None if self.embed else not self.error


def _measure(job: Job, stacks: StudyStacks, preprocess: Preprocess, layout: DataLayout,
             model: SegmentationModel, threads: int | None, timings: dict[str, float]) -> str:
    started = time.perf_counter()
    record = measure_study(job.study, stacks, job.fingerprint, model, preprocess.spec, threads)
    MeasurementStore(layout.measurements, model.key).put(record)
    timings["measure"] = timings.get("measure", 0.0) + time.perf_counter() - started
    return record.status


def note_without_file(note: str) -> str:
    """A note as a de-identified run may keep it: the view and why, not the file
    ("3ch_cine: pixel data cannot be decoded"; a folder inside a study may be named after its
    patient)."""
    view, why = split_note(note)
    return f"{view}: {why.rpartition(': ')[2]}"


def views_left_out(notes: list[str]) -> list[str]:
    """The reading notes that name a view ("3ch_cine: ...: cannot be decoded"): those views
    are not in the index. An assumption ("ACDC NIfTI: no orientation", every ACDC patient)
    is no loss: 50 warnings for an ACDC folder said nothing."""
    return [note for note in notes if split_note(note)[0]]


def failure_reason(study: Indexable, error: Exception) -> str:
    """Why a study could not be read, as its skip reason. A reader's own error says why first,
    then the file inside the study ("truncated NIfTI (the file ends early):
    patient001_frame01.nii.gz"), as the scan's reasons do: the run's counts are of what comes
    before the first colon, and counted "NiftiError". Any other error leads with its class."""
    if not isinstance(error, NiftiError | PixelError):
        return f"{type(error).__name__}: {error}"
    where, _, why = str(error).partition(": ")
    if not why or not Path(where).is_relative_to(study.folder):
        return str(error)
    inside = Path(where).relative_to(study.folder)
    return f"{why}: {inside}" if inside.parts else why


def prepare_study(job: Job, preprocess: Preprocess, layout: DataLayout,
                  model: SegmentationModel | None = None,
                  threads: int | None = None) -> Prepared:
    """The read, assemble and measure stages for one study (runs in a worker process)."""
    uid = job.study.study_instance_uid
    timings: dict[str, float] = {}
    out = Prepared(uid, None, {}, timings=timings, embed=job.embed)
    try:
        stacks = study_stacks(job.study, timings)
        if job.embed:
            assembly = assemble_stacks(stacks, preprocess, timings, layout.previews)
    except Exception as error:  # any failure skips this study only, with its reason
        logger.debug("assembling %s failed%s", uid, failure_note(job.study, error),
                     exc_info=not is_deidentified(job.study))
        out.error = failure_reason(job.study, error)
        return out
    if job.measure and model is not None:
        out.measured = _measure(job, stacks, preprocess, layout, model, threads, timings)
    if not job.embed:
        return out
    ClipCache(layout.clips, preprocess.spec).put(assembly.clips)
    for kind, preview in assembly.previews.items():
        out.previews[kind.value] = str(preview.animation.relative_to(layout.root))
        out.previews[f"{kind.value}_poster"] = str(preview.poster.relative_to(layout.root))
    out.clips = assembly.clips
    out.notes = views_left_out(assembly.clips.notes)
    return out


def prepared_stream(jobs: Iterable[Job | Unavailable], preprocess: Preprocess,
                    layout: DataLayout, workers: int,
                    model: SegmentationModel | None = None) -> Iterator[Prepared]:
    """Each job prepared, in the order they finish; `workers` processes (1: in this one)."""
    if workers <= 1:
        for job in jobs:
            yield Prepared(job.study_instance_uid, None, {}, job.reason) \
                if isinstance(job, Unavailable) else prepare_study(job, preprocess, layout,
                                                                   model)
        return
    with ProcessPoolExecutor(workers) as pool:
        pending: set[Future[Prepared]] = set()
        try:
            for job in jobs:  # a bounded window keeps memory flat on big archives
                if isinstance(job, Unavailable):  # the source could not bring it
                    yield Prepared(job.study_instance_uid, None, {}, job.reason)
                    continue
                # one torch thread per worker: the workers share the cores
                pending.add(pool.submit(prepare_study, job, preprocess, layout, model, 1))
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in done)
            for future in pending:
                yield future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
