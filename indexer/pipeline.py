"""`cmr-search index`: scan, fingerprint, assemble clips and previews, encode, record, publish.

Each stage is timed and safe to re-run. Reading and clip assembly run in worker processes while
the main process encodes finished studies in batches (`indexer.engine`); every embedded study
is written to its record at once, so an interrupted run loses nothing already embedded. One
run at a time writes a data folder's records, whichever store it publishes to.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalog import IndexMismatchError
from cmr_search.layout import DataLayout
from cmr_search.locks import LockBusyError, held
from cmrclip.clips import UNREADABLE
from indexer.deidentify import Deidentifier
from indexer.embed import StudyEncoder, encoder_identity
from indexer.engine import Engine, LocalEngine, Progress
from indexer.intake import Intake
from indexer.measure import SegmentationModel
from indexer.payload import relabel_stale
from indexer.points import calibrate
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
from indexer.records import MeasurementStore, RecordStore
from indexer.relocate import carry_over
from indexer.skips import SkipMemory
from indexer.sources import Candidate, FolderSource, StudySource
from indexer.summary import IndexSummary, holds_a_study, skipped_counts
from vectorstore import GenerationTarget, StoreError

if TYPE_CHECKING:
    from vectorstore.server import ServerStore

logger = logging.getLogger(__name__)

_DICOM_UID = re.compile(r"[0-9]+(\.[0-9]+)+")
_MODE_SAMPLE = 50  # earlier records read to tell how they were made (all alike in practice)
_RUN_LOCK = "index-run"  # under DATA_DIR/locks
# milestones told through `progress` as stages of their own, (stage, 1, 1), no steps to draw:
# what a Ctrl-C from then on leaves (`cli.index` words it). "embedded": every study of the run
# recorded (the last batch encodes after the last "embed studies" tick); "published": the new
# index is live (the last "publish" tick comes before the build is optimised and published)
EMBEDDED = "embedded"
PUBLISHED = "published"


@dataclass
class IndexOptions:
    rebuild: bool = False
    workers: int = 1
    batch_size: int = 16
    # segment and measure every study (None: measure none, and publish the measurements of
    # the model the index was measured by, `_measurements`); its records are kept per
    # segmentation model, so `rebuild` re-embeds but does not re-measure
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


def _add(stages: dict[str, float], name: str, started: float) -> None:
    stages[name] = stages.get(name, 0.0) + time.perf_counter() - started


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


def _measurements(layout: DataLayout, options: IndexOptions,
                  existing: dict[str, Any]) -> MeasurementStore | None:
    """The measurement records this run publishes: its segmentation model's; in a run that
    does not measure, those of the model the index was measured by (`existing`: its
    metadata), which stay in the data folder. A run without measuring published every study
    without its measurements, and `stats` said "measured by -". None when there are none."""
    if options.segmentation is not None:
        return MeasurementStore(layout.measurements, options.segmentation.key)
    recorded = existing.get("segmentation_model")
    # a folder's own name: the metadata of a server's collection is no path to follow
    if not isinstance(recorded, str) or recorded in ("", ".", "..") \
            or Path(recorded).name != recorded:
        return None
    store = MeasurementStore(layout.measurements, recorded)
    return store if store.folder.is_dir() else None


@contextmanager
def one_run(layout: DataLayout) -> Iterator[None]:
    """One index run at a time writes the records of `layout`'s data folder, whichever store
    it publishes to (the embedded store's runs also take `Generations.lock`); a second is
    refused at once. Runs into a Qdrant server took no lock: two of them wrote each other's
    records and skip memory."""
    with ExitStack() as stack:
        try:
            stack.enter_context(held(layout.locks / _RUN_LOCK, timeout_s=0, mode=0o700))
        except LockBusyError:
            raise StoreError(f"{layout.root}: another index run is in progress") from None
        yield


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
              progress: Progress | None = None, engine: Engine | None = None,
              run_held: bool = False) -> IndexSummary:
    """Index `archive` (a folder, or any `StudySource`) into `target`; bad studies are
    recorded in the summary and skipped. `engine` runs the per-study stages (this machine's
    processes by default); discovery, calibration and publishing run here. `StoreError` when
    another run is writing this data folder (`one_run`); `run_held`: the caller holds it (the
    command takes it before loading the model, so that a second run is refused at once)."""
    with nullcontext() if run_held else one_run(layout):
        return _run_index(archive, layout, encoder, target, options, progress, engine)


def _run_index(archive: Path | StudySource, layout: DataLayout, encoder: StudyEncoder,
               target: GenerationTarget | ServerStore, options: IndexOptions,
               progress: Progress | None, engine: Engine | None) -> IndexSummary:
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
        stores = (records, _measurements(layout, options, existing))
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
        summary.source = source.report()
        return _interrupted(summary, started)
    finally:
        for key, reason in intake.not_indexable.items():
            memory.remember(key, looked_at[key], reason)
        memory.save()
    if progress:
        progress(EMBEDDED, 1, 1)
    _add(summary.stages, "assemble_and_encode_wall", stage)
    summary.source = source.report()
    measurements = _measurements(layout, options, existing)
    try:
        _publish(encoder, target, (records, measurements), fingerprints, options, summary,
                 source.location, progress)
    except KeyboardInterrupt:  # Ctrl-C while publishing: the build is dropped (`publish`)
        return _interrupted(summary, started)
    summary.seconds = time.perf_counter() - started
    return summary


def _interrupted(summary: IndexSummary, started: float) -> IndexSummary:
    """The summary of a run Ctrl-C stopped: while embedding or publishing, what it embedded
    is kept for the next run to publish; once the new index is live, it is published (an
    interrupt while publishing was a traceback-less "aborted", no run report, and a half-built
    generation left behind)."""
    summary.interrupted = True
    if not summary.published:
        logger.warning("interrupted: %d studies embedded in this run are kept; the index is "
                       "published by the next run", summary.indexed)
    summary.seconds = time.perf_counter() - started
    return summary


def _extra(archive: str, options: IndexOptions, measurements: MeasurementStore | None,
           members: dict[str, str]) -> tuple[dict[str, Any], Measured | None]:
    """What the index records beside its studies, and the measurements it publishes."""
    extra: dict[str, Any] = {"archive": archive, "deidentified": options.deidentifier is not None}
    measured = None if measurements is None else Measured.read(measurements)
    # None: no study is published with measurements (a server's collection kept the name of
    # the model that measured it before, beside points that no longer had them)
    extra["segmentation_model"] = extra["unmeasured_studies"] = None
    if measured is not None:
        if options.segmentation is None:
            logger.info("not measuring: the studies keep what %s measured", measured.model)
        extra["segmentation_model"] = measured.model
        # studies kept from other archives, indexed before this model or version, or by a run
        # that did not measure, are not measured here: counted, so the index says so
        extra["unmeasured_studies"] = sum(not measured.holds(uid, fp)
                                          for uid, fp in members.items())
    return extra, measured


def _publish(encoder: StudyEncoder, target: GenerationTarget | ServerStore,
             stores: tuple[RecordStore, MeasurementStore | None], fingerprints: dict[str, str],
             options: IndexOptions, summary: IndexSummary, archive: str,
             progress: Progress | None) -> None:
    """Publish the index into `summary` (`published` set once the new index is live)."""
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
    extra, measured = _extra(archive, options, measurements, members)

    def live(published: Published) -> None:  # before the old generations are pruned
        summary.published, summary.studies_in_index = vars(published), len(members)
        if progress:
            progress(PUBLISHED, 1, 1)

    if isinstance(target, GenerationTarget):
        published = publish_edge(target, identity, records.all(members), members, calibration,
                                 extra, options.rebuild, tick, measured, on_live=live)
    else:
        published = publish_server(target, identity, records.all(members), members,
                                   calibration, extra, options.rebuild, tick, measured,
                                   on_live=live)
    _add(summary.stages, "publish", stage)
    if not summary.published:  # unchanged: nothing was made live
        live(published)
