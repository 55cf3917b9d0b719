"""`cmr-search index`: scan, fingerprint, assemble clips and previews, encode, record, publish.

Each stage is timed and safe to re-run. Reading and clip assembly run in worker processes while
the main process encodes finished studies in batches; every embedded study is written to its
record at once, so an interrupted run loses nothing already embedded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import torch

from catalog import IMPRESSION, REPORT, IndexMismatchError
from cmr_search.layout import DataLayout
from cmrclip.clips import UNREADABLE
from indexer.deidentify import Deidentifier
from indexer.embed import StudyEncoder, encoder_identity, point_vectors, report_texts
from indexer.intake import Intake
from indexer.measure import SegmentationModel
from indexer.payload import relabel_stale, study_payload, study_report
from indexer.points import calibrate
from indexer.prepare import Prepared, prepared_stream
from indexer.publish import (
    EmptyArchiveError,
    EmptyRebuildError,
    Measured,
    NotPublishedError,
    Published,
    check_target,
    publish_edge,
    publish_server,
)
from indexer.records import EmbeddingRecord, MeasurementStore, RecordStore
from indexer.relocate import carry_over
from indexer.skips import SkipMemory
from indexer.sources import Candidate, FolderSource, Indexable, StudySource
from indexer.summary import IndexSummary, holds_a_study, skipped_counts
from vectorstore import GenerationTarget

if TYPE_CHECKING:
    from vectorstore.server import ServerStore

logger = logging.getLogger(__name__)

_DICOM_UID = re.compile(r"[0-9]+(\.[0-9]+)+")
_MODE_SAMPLE = 50  # earlier records read to tell how they were made (all alike in practice)


@dataclass
class IndexOptions:
    rebuild: bool = False
    workers: int = 1
    batch_size: int = 16
    # segment and measure every study (None: the index holds no measurements); its records
    # are kept per segmentation model, so `rebuild` re-embeds but does not re-measure
    segmentation: SegmentationModel | None = None
    patient_key_secret: str = "cmr-search"  # the settings' secret (Settings.secret)
    deidentifier: Deidentifier | None = None  # de-identify on ingest

    @property
    def recipe(self) -> str:
        """What the payload is made by, folded into each fingerprint."""
        seed = "deidentified" if self.deidentifier is not None else "as stored"
        digest = hashlib.sha256(f"{self.patient_key_secret}\0{seed}".encode()).hexdigest()
        return digest[:16]

    def key(self, study_instance_uid: str) -> str:
        """The UID a study is indexed under: its pseudonym when de-identifying. A research
        study's name (ACDC-style NIfTI, "acdc-patient001") is no DICOM UID and names no
        person: it is kept."""
        if self.deidentifier is None or not _DICOM_UID.fullmatch(study_instance_uid):
            return study_instance_uid
        return self.deidentifier.study_uid(study_instance_uid)

    def stamped(self, fingerprint: str) -> str:
        """A source's fingerprint with the payload recipe folded in: a changed recipe (another
        patient-key secret, de-identified or not) re-makes every point."""
        return hashlib.sha256(f"{self.recipe}\0{fingerprint}".encode()).hexdigest()[:32]


class EncodeStage:
    """Batches prepared studies through the model and writes their records."""

    def __init__(self, encoder: StudyEncoder, records: RecordStore,
                 studies: dict[str, Indexable],
                 fingerprints: dict[str, str], summary: IndexSummary,
                 recorded: Callable[[str], None], patient_key_secret: str,
                 deidentified: bool) -> None:
        self.encoder, self.records, self.studies = encoder, records, studies
        self.fingerprints, self.summary = fingerprints, summary
        self.patient_key_secret, self.deidentified = patient_key_secret, deidentified
        self.recorded = recorded
        self.batch: list[Prepared] = []

    def add(self, prepared: Prepared) -> None:
        self.batch.append(prepared)

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        started = time.perf_counter()
        clips = [p.clips for p in batch if p.clips is not None]
        image_vectors = self.encoder.encode_clips(clips)
        studies = [self.studies[p.study_instance_uid] for p in batch]
        reports = [study_report(s) for s in studies]
        texts = [report_texts(r)[0] for r in reports]
        full = [report_texts(r)[1] for r in reports]
        joint = self.encoder.encode_texts(texts).joint
        own = self.encoder.encode_texts(full).own
        self.summary.stages["encode"] = self.summary.stages.get("encode", 0.0) + \
            time.perf_counter() - started
        started = time.perf_counter()
        for i, (prepared, study) in enumerate(zip(batch, studies, strict=True)):
            vectors = point_vectors(image_vectors[i])
            if reports[i] is not None:
                vectors[IMPRESSION], vectors[REPORT] = joint[i], own[i]
            fingerprint = self.fingerprints[prepared.study_instance_uid]
            assert prepared.clips is not None
            payload = study_payload(study, fingerprint, prepared.previews, prepared.clips,
                                    self.patient_key_secret, self.deidentified)
            self.records.put(EmbeddingRecord(
                prepared.study_instance_uid, fingerprint, vectors, payload,
                self.encoder.raw_scores(image_vectors[i].study)))
            self.recorded(prepared.study_instance_uid)
            self.summary.indexed += 1
        self.summary.stages["record"] = self.summary.stages.get("record", 0.0) + \
            time.perf_counter() - started


Progress = Callable[[str, int, int], None]


class Engine(Protocol):
    """Runs the assemble, measure, encode and record stages of the studies to index: this
    machine's worker processes (`LocalEngine`, the default) or a Ray cluster
    (`indexer.ray_engine`)."""

    def embed(self, intake: Intake, encoder: StudyEncoder, records: RecordStore,
              layout: DataLayout, progress: Progress | None) -> None:
        """Write a record of every study `intake` brings that embeds (and a measurement
        record of every one it measures); skip the others through `intake.skip`; count
        stage seconds in `intake.summary`."""
        ...


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Torch uses `n` threads inside the block only: the worker processes have the other
    cores while this one encodes, and a caller (a web server) keeps its own setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _add(stages: dict[str, float], name: str, started: float) -> None:
    stages[name] = stages.get(name, 0.0) + time.perf_counter() - started


def add_stages(summary: IndexSummary, timings: dict[str, float]) -> None:
    for name, seconds in timings.items():
        summary.stages[name] = summary.stages.get(name, 0.0) + seconds


class LocalEngine:
    """Assembly and measurement in this machine's worker processes, encoding here in
    batches."""

    def embed(self, intake: Intake, encoder: StudyEncoder, records: RecordStore,
              layout: DataLayout, progress: Progress | None) -> None:
        with torch_threads(1):
            _embed(intake, encoder, records, layout, progress)


def _embed(intake: Intake, encoder: StudyEncoder, records: RecordStore, layout: DataLayout,
           progress: Progress | None) -> None:
    """The assemble and measure (in workers) and encode stages; each study's records are
    written at once, then the source lets go of what it fetched for it."""
    options, summary = intake.options, intake.summary
    batcher = EncodeStage(encoder, records, intake.kept, intake.fingerprints, summary,
                          intake.release, options.patient_key_secret,
                          options.deidentifier is not None)
    stream = prepared_stream(intake.jobs(), encoder.preprocess, layout, options.workers,
                             options.segmentation)
    try:
        for done, prepared in enumerate(stream, start=1):
            add_stages(summary, prepared.timings)
            if intake.done(prepared):
                if prepared.embed:
                    batcher.add(prepared)
                else:
                    intake.release(prepared.study_instance_uid)
                if len(batcher.batch) >= options.batch_size:
                    batcher.flush()
            if progress:
                progress("embed studies", done, len(intake.todo))
    except KeyboardInterrupt:
        # the studies prepared but not yet encoded are encoded and kept (a few seconds):
        # "embed studies 1/6" then "0 studies embedded in this run are kept" lost them
        batcher.flush()
        raise
    batcher.flush()


def _to_measure(fingerprints: dict[str, str], layout: DataLayout,
                options: IndexOptions) -> set[str]:
    if options.segmentation is None:
        return set()
    measured = MeasurementStore(layout.measurements, options.segmentation.key).fingerprints()
    return {key for key, fingerprint in fingerprints.items() if measured.get(key) != fingerprint}


def _same_mode(records: RecordStore, earlier: dict[str, str], deidentified: bool) -> None:
    """IndexMismatchError when studies indexed by earlier runs were (or were not)
    de-identified and this run is the other way: they are kept in the index beside this
    run's, and a de-identified run left each study's identified copy searchable. A
    de-identified record keeps no archive path; a few of them say how the earlier runs went."""
    for uid, fingerprint in list(earlier.items())[:_MODE_SAMPLE]:
        try:
            was = records.get(uid, fingerprint).payload.archive_path == ""
        except UNREADABLE:
            continue  # an unreadable record is rebuilt or dropped by its own rules
        if was != deidentified:
            kept = "de-identified" if was else "identified"
            raise IndexMismatchError(
                f"this index holds {len(earlier)} {kept} studies from earlier runs, which "
                f"this {'de-identified' if deidentified else 'identified'} run would keep "
                f"beside its own; run with --rebuild (the index then holds this run's "
                f"studies only) or index as before")


def _not_remembered(candidates: list[Candidate], fingerprints: dict[str, str],
                    on_disk: dict[str, str], memory: SkipMemory, options: IndexOptions,
                    summary: IndexSummary) -> list[Candidate]:
    """The candidates to look at: a study an earlier run found to hold nothing to index, at
    the fingerprint it has now, is listed as skipped and neither fetched nor indexed (one the
    index holds at that fingerprint stays in it, whatever the memory says)."""
    kept = []
    for candidate in candidates:
        key = options.key(candidate.study_instance_uid)
        reason = memory.reason(key, fingerprints[key])
        if reason is None or on_disk.get(key) == fingerprints[key]:
            kept.append(candidate)
            continue
        del fingerprints[key]
        summary.skipped.append({"path": candidate.location, "study": key, "outcome": "skipped",
                                "reason": f"{reason} (found by an earlier run; looked at "
                                          "again when the study changes)"})
    return kept


def _measurements(layout: DataLayout, options: IndexOptions) -> MeasurementStore | None:
    return None if options.segmentation is None else \
        MeasurementStore(layout.measurements, options.segmentation.key)


def _discover(source: StudySource, options: IndexOptions, summary: IndexSummary,
              progress: Progress | None) -> list[Candidate]:
    """The source's studies, its skipped files in `summary`; a rebuild that found none, or a
    folder that holds none, is refused before the index is touched."""
    discovery = source.discover(options.workers, progress)
    summary.stages.update(discovery.stages)
    summary.skipped = list(discovery.skipped)
    if options.rebuild and not discovery.candidates:  # the rebuilt index would hold nothing
        raise EmptyRebuildError(f"{source.location}: no studies found to rebuild the index "
                                "from; the index is left as it is")
    if isinstance(source, FolderSource) and not discovery.candidates \
            and not holds_a_study(summary.skipped):
        # a mistyped or unmounted archive said "indexed 0" and exit 0 to a nightly job (a
        # PACS with no study in a night's window is no fault)
        raise EmptyArchiveError(f"{source.location}: no DICOM or NIfTI study found "
                                f"({skipped_counts(summary.skipped)}); the index is left as "
                                "it is")
    summary.studies_found = len(discovery.candidates)
    return discovery.candidates


def run_index(archive: Path | StudySource, layout: DataLayout, encoder: StudyEncoder,
              target: GenerationTarget | ServerStore, options: IndexOptions,
              progress: Progress | None = None, engine: Engine | None = None) -> IndexSummary:
    """Index `archive` (a folder, or any `StudySource`) into `target`; bad studies are
    recorded in the summary and skipped. `engine` runs the per-study stages (this machine's
    processes by default); discovery, calibration and publishing run here."""
    started = time.perf_counter()
    existing = check_target(target, encoder_identity(encoder), options.rebuild) or {}
    summary = IndexSummary()
    source = FolderSource(archive) if isinstance(archive, Path) else archive
    candidates = _discover(source, options, summary, progress)
    fingerprints = {options.key(c.study_instance_uid): options.stamped(c.fingerprint)
                    for c in candidates}
    records = RecordStore(layout.embeddings, encoder.key)
    on_disk = records.fingerprints()
    if isinstance(source, FolderSource) and not options.rebuild:  # named relative before
        stores = (records, _measurements(layout, options))
        carry_over(source, candidates, fingerprints, on_disk, stores, options.key,
                   options.stamped, str(existing.get("archive", "")))
    memory = SkipMemory(layout.not_indexable)
    if options.rebuild:
        memory.forget_all()
    candidates = _not_remembered(candidates, fingerprints, on_disk, memory, options, summary)
    if not options.rebuild:
        _same_mode(records, {k: v for k, v in on_disk.items() if k not in fingerprints},
                   options.deidentifier is not None)
    embed = {key for key, fingerprint in fingerprints.items()
             if options.rebuild or on_disk.get(key) != fingerprint}
    measure = _to_measure(fingerprints, layout, options)
    todo = [c for c in candidates if options.key(c.study_instance_uid) in embed | measure]
    summary.unchanged = len(candidates) - len(embed)
    stage = time.perf_counter()
    looked_at = dict(fingerprints)  # a skipped study leaves `fingerprints`
    intake = Intake(todo, source, fingerprints, options, summary, (embed, measure))
    try:
        (engine or LocalEngine()).embed(intake, encoder, records, layout, progress)
    except KeyboardInterrupt:
        summary.interrupted = True
        summary.source = source.report()
        logger.warning("interrupted: %d studies embedded in this run are kept; the index is "
                       "published by the next run", summary.indexed)
        summary.seconds = time.perf_counter() - started
        return summary
    finally:
        for key, reason in intake.not_indexable.items():
            memory.remember(key, looked_at[key], reason)
        memory.save()
    _add(summary.stages, "assemble_and_encode_wall", stage)
    summary.source = source.report()
    measurements = _measurements(layout, options)
    summary.published = vars(_publish(encoder, target, (records, measurements), fingerprints,
                                      options, summary, source.location, progress))
    summary.seconds = time.perf_counter() - started
    return summary


def _publish(encoder: StudyEncoder, target: GenerationTarget | ServerStore,
             stores: tuple[RecordStore, MeasurementStore | None], fingerprints: dict[str, str],
             options: IndexOptions, summary: IndexSummary, archive: str,
             progress: Progress | None) -> Published:
    records, measurements = stores
    stage = time.perf_counter()
    on_disk = records.fingerprints()
    # keep studies indexed by earlier runs (other archives) unless rebuilding
    members = dict(fingerprints) if options.rebuild else {**on_disk, **fingerprints}
    members = {uid: fp for uid, fp in members.items() if on_disk.get(uid) == fp}
    if options.rebuild and (others := len(on_disk.keys() - fingerprints.keys())):
        logger.warning("--rebuild: %d studies indexed from other folders are left out of the "
                       "new index (index those folders again to keep them)", others)
    # reports an earlier labeler (or scrubber) read are read again: their labels calibrate
    calibration = calibrate(relabel_stale(records, members, options.deidentifier is not None))
    summary.records_unreadable = list(records.unreadable)
    damaged = len(records.unreadable)
    if damaged and (damaged > max(10, len(members) // 10) or damaged == len(members)):
        raise NotPublishedError(  # not a file or two: a cause, to be found first
            f"{damaged} of {len(members)} embedding records are damaged: nothing published, "
            "the index already published is unchanged; find what damaged them, then run "
            "again (or --rebuild) to embed those studies again")
    records.set_aside(members)
    members = {uid: fp for uid, fp in members.items() if uid not in records.unreadable}
    _add(summary.stages, "calibrate", stage)
    stage = time.perf_counter()
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("publish", done, len(members))

    identity = encoder_identity(encoder)
    extra: dict[str, Any] = {"archive": archive, "deidentified": options.deidentifier is not None}
    measured = None if measurements is None else Measured.read(measurements)
    if measured is not None:
        extra["segmentation_model"] = measured.model
        # studies kept from other archives, indexed before this model or version, are not
        # measured again here (their files may be elsewhere): counted, so the index says so
        extra["unmeasured_studies"] = sum(not measured.holds(uid, fp)
                                          for uid, fp in members.items())
    if isinstance(target, GenerationTarget):
        published = publish_edge(target, identity, records.all(members), members, calibration,
                                 extra, options.rebuild, tick, measured)
    else:
        published = publish_server(target, identity, records.all(members), members,
                                   calibration, extra, options.rebuild, tick, measured)
    _add(summary.stages, "publish", stage)
    summary.studies_in_index = len(members)
    return published
