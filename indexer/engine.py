"""The per-study stages of an index run on this machine: worker processes read, assemble and
measure each study while this process encodes finished ones in batches and writes their
records (`LocalEngine`); `indexer.ray_engine` runs the same stages on a cluster.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

import torch

from catalog import IMPRESSION, REPORT
from cmr_search.layout import DataLayout
from indexer.embed import StudyEncoder, point_vectors, report_texts
from indexer.intake import Intake
from indexer.payload import study_payload, study_report
from indexer.prepare import Prepared, prepared_stream
from indexer.records import EmbeddingRecord, RecordStore
from indexer.sources import Indexable
from indexer.summary import IndexSummary


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
        """Encode and record the batch; a study leaves it once recorded, so that a flush that
        Ctrl-C cut short leaves the rest to the next (`_embed` flushes again on the way out)."""
        if not self.batch:
            return
        batch = list(self.batch)
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
            self.batch = batch[i + 1:]
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
        # inside the try: a run of fewer studies than a batch encodes them all here, after
        # the last tick, and Ctrl-C in it lost them all ("0 studies embedded ... are kept")
        batcher.flush()
    except KeyboardInterrupt:
        # the studies prepared but not yet encoded are encoded and kept (a few seconds):
        # "embed studies 1/6" then "0 studies embedded in this run are kept" lost them
        batcher.flush()
        raise
