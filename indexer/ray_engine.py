"""The index run's per-study stages on a Ray cluster (Ray Data), for archives one machine is
too slow for: `cmr-search index SOURCE --engine ray [--ray-address ADDR]`.

Discovery, fingerprints, de-identification (`intake.Intake`), calibration and publishing stay
on this machine (the driver), exactly as in the local engine, so what the cluster sees of a
de-identified run is pseudonymous; what runs in the cluster is a streaming Ray Data pipeline of
the same stages: read and assemble clips and previews (`prepare.prepare_study`, one CPU task
per study, anywhere), then encode and write the embedding records (`engine.EncodeStage`, in
a pool of actors that load the model once each, one per GPU). Where the cluster has no GPU,
one actor per CPU does both for its own studies (`_StudyActor`), as the local engine's workers
do, so clips never cross the object store.
Records, clips and previews are written under the data folder, which every node must mount at
the same path (a shared filesystem), so a re-run embeds only new or changed studies and a
killed run loses only the studies in flight, as on one machine.

This is the only module that imports `ray` (the optional extra `cmr-search[cluster]`).
"""

from __future__ import annotations

import logging
import pickle
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import ray

from cmr_search.layout import DataLayout
from cmrclip.preprocess import Preprocess
from indexer.embed import StudyEncoder
from indexer.engine import EncodeStage, Progress, add_stages, torch_threads
from indexer.intake import Intake
from indexer.measure import SegmentationModel
from indexer.prepare import Job, prepare_study
from indexer.records import RecordStore
from indexer.sources import FolderSource, Indexable, Unavailable
from indexer.summary import IndexSummary

logger = logging.getLogger(__name__)

_REMOTE_WINDOW = 256  # studies a PACS brings into the cache before the cluster takes them


@dataclass(frozen=True)
class RayOptions:
    """Where the cluster is and how the stages use it."""

    address: str | None = None  # "ray://head:10001", "auto", or None: a Ray on this machine
    num_cpus: int | None = None  # a Ray started here: its CPUs (None: all of this machine's)
    encoders: int = 0  # encoder actors; 0: one per GPU (without GPUs: see whole_study_actors)
    encoder_cpus: float = 0.0  # CPUs an actor holds where it has no GPU (0: shares them)
    # where the cluster has no GPU, one actor per CPU prepares and encodes its own studies
    # (None: so; False: the two-stage pipeline of CPU tasks and encoder actors anyway)
    whole_study_actors: bool | None = None
    window: int = 0  # studies per pipeline; 0: all of a folder, 256 from a PACS
    object_store_mb: int = 1024  # a Ray started here: its object store
    runtime_env: dict[str, Any] = field(default_factory=dict)


def _prepare(row: dict[str, Any], preprocess: Preprocess, root: str,
             model: SegmentationModel | None) -> dict[str, Any]:
    """Read, assemble and measure one study (a Ray task): its clips and previews, its
    measurement record written, or why not. Jobs and results travel pickled (Arrow has no
    column type for them)."""
    prepared = prepare_study(pickle.loads(row["job"]), preprocess, DataLayout(Path(root)),
                             model, 1)
    return {**row, "prepared": pickle.dumps(prepared)}


class _EncodeActor:
    """Loads the model once, then encodes batches of prepared studies and writes records."""

    def __init__(self, make_encoder: Callable[[], StudyEncoder], embeddings: str,
                 patient_key_secret: str, deidentified: bool) -> None:
        self.encoder = make_encoder()
        self.records = RecordStore(Path(embeddings), self.encoder.key)
        self.payload = (patient_key_secret, deidentified)  # how the payload is made

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        summary = IndexSummary()
        studies: dict[str, Indexable] = {}
        fingerprints: dict[str, str] = {}
        stage = EncodeStage(self.encoder, self.records, studies, fingerprints, summary,
                            lambda uid: None, *self.payload)
        rows = [(pickle.loads(j), pickle.loads(p)) for j, p in
                zip(batch["job"], batch["prepared"], strict=True)]
        for job, prepared in rows:
            if prepared.embed and prepared.clips is not None:
                studies[prepared.study_instance_uid] = job.study
                fingerprints[prepared.study_instance_uid] = job.fingerprint
                stage.add(prepared)
        with torch_threads(1):  # as the local engine: the prepare tasks have the other cores
            stage.flush()
        out: dict[str, list[Any]] = {"prepared": [], "usable": []}
        for i, (_, prepared) in enumerate(rows):
            timings = dict(prepared.timings)
            if i == 0:  # the batch's encode and record seconds, counted once
                timings.update(summary.stages)
            out["usable"].append(prepared.usable)
            prepared.timings, prepared.clips = timings, None  # the clips stay in the cluster
            out["prepared"].append(pickle.dumps(prepared))
        return out


class _StudyActor(_EncodeActor):
    """On a cluster without GPUs: reads, assembles and encodes its studies itself, as a worker
    of the local engine does, so no clip crosses the object store and no actor sits beside the
    tasks. On 2 CPUs (600 studies, docs/scaling.md) the two-stage pipeline ran at 0.83 of the
    local engine's throughput, this layout at 0.98 to 1.06."""

    def __init__(self, make_encoder: Callable[[], StudyEncoder], embeddings: str,
                 patient_key_secret: str, deidentified: bool,
                 prepare: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        super().__init__(make_encoder, embeddings, patient_key_secret, deidentified)
        self.prepare = prepare

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        prepared = [self.prepare({"job": job})["prepared"] for job in batch["job"]]
        return super().__call__({"job": batch["job"], "prepared": np.array(prepared, object)})


def _windows(items: Iterator[Job | Unavailable], size: int,
             ) -> Iterator[list[Job | Unavailable]]:
    while window := list(islice(items, size)):
        yield window


def check_address(address: str | None, timeout_s: float = 5.0) -> None:
    """ValueError (one line) unless `address` names a Ray head this machine reaches: a wrong
    one hung for ten minutes of "Failed to connect to GCS", or ended in a 170-line traceback,
    and only after the archive was scanned. None (a Ray here) and "auto" are Ray's to find."""
    if address is None or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"Ray address {address!r}: expected HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise ValueError(f"Ray at {address}: not reachable "
                         f"({error.strerror or type(error).__name__})") from None


class RayEngine:
    """`engine.Engine` on Ray: the per-study stages as a Ray Data pipeline."""

    def __init__(self, make_encoder: Callable[[], StudyEncoder],
                 options: RayOptions | None = None) -> None:
        self.make_encoder = make_encoder  # called once in each actor (picklable)
        self.options = options or RayOptions()

    def _connect(self) -> bool:
        """Join the cluster (or start a Ray here); True when this call started it."""
        if ray.is_initialized():
            return False
        o = self.options
        local = o.address is None
        ray.init(address=o.address, num_cpus=o.num_cpus if local else None,
                 object_store_memory=o.object_store_mb * 2**20 if local else None,
                 include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                 runtime_env=o.runtime_env or None)
        with warnings.catch_warnings():  # Ray Data's own defaults set a deprecated field
            warnings.simplefilter("ignore", DeprecationWarning)
            context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the command line shows its own
        context.print_on_execution_start = False
        return True

    def _actors(self) -> tuple[int, float, float]:
        """Encoder actors, and the CPUs and GPUs each holds."""
        gpus = int(ray.cluster_resources().get("GPU", 0))  # type: ignore[no-untyped-call]
        count = self.options.encoders or max(gpus, 1)
        return (count, 1.0, 1.0) if gpus else (count, self.options.encoder_cpus, 0.0)

    def _pipeline(self, items: list[dict[str, Any]], preprocess: Preprocess,
                  layout: DataLayout, intake: Intake) -> Iterable[dict[str, Any]]:
        count, cpus, gpus = self._actors()
        options = intake.options
        prepare = partial(_prepare, preprocess=preprocess, root=str(layout.root),
                          model=options.segmentation)
        encode_args = (self.make_encoder, str(layout.embeddings), options.patient_key_secret,
                       options.deidentifier is not None)
        whole = self.options.whole_study_actors
        if not gpus and whole is not False and not self.options.encoders:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
            batch = max(1, min(options.batch_size, -(-len(items) // workers)))  # all busy
            return ray.data.from_items(items).map_batches(
                _StudyActor, fn_constructor_args=(*encode_args, prepare),
                batch_size=batch, batch_format="numpy", num_cpus=1,
                compute=ray.data.ActorPoolStrategy(size=workers)).iter_rows()
        dataset = ray.data.from_items(items).map(prepare, num_cpus=1)
        dataset = dataset.map_batches(
            _EncodeActor, fn_constructor_args=encode_args, batch_size=options.batch_size,
            batch_format="numpy", num_cpus=cpus, num_gpus=gpus,
            compute=ray.data.ActorPoolStrategy(size=count))
        return dataset.iter_rows()

    def embed(self, intake: Intake, encoder: StudyEncoder, records: RecordStore,
              layout: DataLayout, progress: Progress | None) -> None:
        if not intake.todo:
            return
        started_here = self._connect()
        size = self.options.window or (len(intake.todo) if isinstance(
            intake.source, FolderSource) else _REMOTE_WINDOW)
        done = 0
        try:
            # the de-identify stage runs here: what the cluster sees is already pseudonymous
            for window in _windows(intake.jobs(), size):
                items = []
                for item in window:
                    uid = item.study_instance_uid
                    if isinstance(item, Unavailable):
                        intake.skip(uid, item.reason)
                        done += 1
                        continue
                    items.append({"job": pickle.dumps(item)})
                rows = self._pipeline(items, encoder.preprocess, layout, intake) if items else ()
                for row in rows:
                    done += 1
                    self._received(row, intake)
                    if progress:
                        progress("embed studies", done, len(intake.todo))
        finally:
            if started_here:
                ray.shutdown()

    @staticmethod
    def _received(row: dict[str, Any], intake: Intake) -> None:
        """One study back from the cluster: its records written there, or why not."""
        prepared = pickle.loads(row["prepared"])
        add_stages(intake.summary, prepared.timings)
        if not intake.done(prepared, bool(row["usable"])):
            return
        if prepared.embed:
            intake.summary.indexed += 1
        intake.release(prepared.study_instance_uid)
