"""`cmr-search index`: build the index (`cli.stats` says what it holds)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape

from cli.common import (
    PlainProgress,
    checkpoint_line,
    console,
    fail,
    progress_bar,
    settings_of,
    write_run_report,
)
from cli.index_checks import check_settings
from cli.index_report import (
    nothing_brought,
    records_lost,
    summary_table,
    uids_redacted,
    withheld,
)
from cli.index_source import SourceOptions, check_arguments, open_source
from cmr_search.settings import Settings


class Engine(StrEnum):
    LOCAL = "local"
    RAY = "ray"


@dataclass(frozen=True)
class EngineOptions:
    """Which engine runs the per-study stages: this machine's processes, or a Ray cluster."""

    name: str = "local"
    ray_address: str | None = None


def _engine(settings: Settings, engine: EngineOptions) -> Any:
    """None for the local engine; a Ray engine whose actors load the settings' model."""
    if engine.name == "local":  # --ray-address without --engine ray: refused before the lock
        return None
    from functools import partial

    from cmrclip.checkpoint import CheckpointError, checkpoint_folder
    from cmrclip.inference import Encoder

    try:
        from indexer.ray_engine import RayEngine, RayOptions, check_address
    except ImportError:
        fail("the Ray engine needs the cluster extra: pip install 'cmr-search[cluster]'")
    address = engine.ray_address or settings.ray_address
    try:
        check_address(address)  # before the archive is scanned
    except ValueError as error:
        fail(str(error))
    try:
        folder = checkpoint_folder(settings.checkpoint).resolve()
    except CheckpointError as error:
        fail(checkpoint_line(error, settings.checkpoint))
    make = partial(Encoder.from_checkpoint, folder, settings.device)
    return RayEngine(make, RayOptions(address=address, encoders=settings.ray_encoders))


def _options(settings: Settings, rebuild: bool, deidentify: bool) -> Any:
    from indexer.deidentify import Deidentifier
    from indexer.pipeline import IndexOptions

    return IndexOptions(rebuild=rebuild, workers=settings.worker_count,
                        patient_key_secret=settings.secret("patient_key_secret"),
                        deidentifier=Deidentifier(settings.secret("deidentify_seed"))
                        if deidentify or settings.deidentify else None)


def _run(settings: Settings, source: Any, options: Any, engine: Any = None) -> Any:
    from cmrclip.checkpoint import CheckpointError, checkpoint_folder
    from cmrclip.inference import Encoder
    from indexer.pipeline import run_index
    from indexer.publish import NotPublishedError
    from pacs import PacsError
    from vectorstore import GenerationTarget, StoreError
    from vectorstore.factory import index_target

    try:
        encoder = Encoder.from_checkpoint(checkpoint_folder(settings.checkpoint),
                                          settings.device)
    except (ValueError, CheckpointError) as error:
        fail(checkpoint_line(error, settings.checkpoint))
    layout = settings.layout.resolved()
    target = index_target(settings)
    published = _published(settings)  # before the run: it may publish the first index
    started = time.perf_counter()
    with progress_bar(rate=True) as progress:
        tasks: dict[str, Any] = {}
        plain = None if console.is_terminal else PlainProgress()

        def tick(stage: str, done: int, total: int) -> None:
            if _stop_notice(stage):
                return  # a milestone, no step to draw
            if plain is not None:
                plain(stage, done, total)
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total or None, rate="")
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(tasks[stage], completed=done, total=total or None,
                            rate=f"{rate:.2f}/s" if stage == "embed studies" else "")

        try:
            if isinstance(target, GenerationTarget):
                with target.lock():
                    return run_index(source, layout, encoder, target, options, tick, engine,
                                     run_held=True)
            return run_index(source, layout, encoder, target, options, tick, engine,
                             run_held=True)
        except (StoreError, PacsError, NotPublishedError) as error:
            _failed_run(settings, str(error), time.perf_counter() - started,
                        options.deidentifier is not None)
        except OSError as error:  # a read-only or full data folder: one line, nothing lost
            # an archive file that could not be read leaves a report as other failures do
            # (a de-identified run's without the file's path: it may hold a patient's name)
            said = _unwritable_line(error, options.deidentifier is None, published)
            _failed_run(settings, _unwritable_line(error, published=published),
                        time.perf_counter() - started,
                        options.deidentifier is not None, reported=said)


def _stop_notice(stage: str) -> bool:
    """What a first Ctrl-C says from here on (`cli.entry`); True for the pipeline's milestones,
    which are no steps to draw. The last "embed studies" tick comes before the last batch is
    encoded, and the last "publish" tick before the build is optimised and published: "the
    studies embedded are kept" and "the new index is published" said there were false."""
    from cli.entry import EMBEDDED, INDEX_STOP, PUBLISHED, PUBLISHING, STOPPING
    from indexer import pipeline

    said = {"embed studies": STOPPING, pipeline.EMBEDDED: EMBEDDED, "publish": PUBLISHING,
            pipeline.PUBLISHED: PUBLISHED}.get(stage)
    if said is not None:
        INDEX_STOP.text = said
    return stage in (pipeline.EMBEDDED, pipeline.PUBLISHED)


def _failed_run(settings: Settings, error: str, seconds: float,
                deidentified: bool, reported: str | None = None) -> NoReturn:
    """A run that stopped before its summary (the PACS could not be listed, the store was
    down): one line, and a run report as every other run leaves, so that a nightly run's
    failure is in DATA_DIR/runs and not only in a terminal no one watched (a de-identified
    run's without real UIDs, as its other reports)."""
    from indexer.deidentify import without_uids

    kept = without_uids(reported or error) if deidentified else reported or error
    try:
        report = write_run_report(settings, "index", {
            "completed": False, "error": kept, "seconds": round(seconds, 1)})
    except OSError:  # the data folder cannot be written either: the line says enough
        fail(error)
    fail(f"{error} (run report: {report})")


def segmentation_of(settings: Settings, measure: bool | None = None) -> Any:
    """The segmentation model the settings name, checked; None when not measuring."""
    from indexer.measure import SegmentationUnavailableError, checked_segmentation

    if not (settings.measure if measure is None else measure):
        return None
    try:
        return checked_segmentation(settings.segmentation_checkpoint, settings.measure_tta)
    except SegmentationUnavailableError as error:
        fail(str(error))


def _published(settings: Settings) -> bool | None:
    """Whether the data folder's embedded index was published (None: unknown, a server's)."""
    if settings.qdrant_url:
        return None
    from vectorstore import Generations, StoreError

    try:
        return Generations(settings.layout.index).current() is not None
    except (StoreError, OSError):  # a damaged pointer: some index was published
        return True


def _unwritable_line(error: OSError, with_path: bool = True,
                     published: bool | None = None) -> str:
    """A file that could not be read or written (a read-only or full data folder, an archive
    file), in one line naming it when the error does, and what the index holds: "the index
    already published is unchanged" was said of a fresh data folder that had none."""
    where = f"{error.filename}: " if error.filename and with_path else "index run: "
    said = "no index was published yet" if published is False else \
        "the index already published is unchanged"
    return f"{where}{error.strerror or error} ({said})"


def _scrubber_ready() -> None:
    """The report reader's word list, read before the run: a missing text model package
    stopped the run at its first report with a traceback (`gazetteer.vocabulary`)."""
    from indexer.names.gazetteer import VocabularyMissingError, vocabulary

    try:
        vocabulary()
    except VocabularyMissingError as error:
        fail(str(error))


@contextmanager
def _one_run(settings: Settings, deidentified: bool) -> Iterator[None]:
    """The data folder's run lock, taken before any model loads: a second run waited ~20 s
    for its model before the lock refused it."""
    from indexer.pipeline import one_run
    from vectorstore import StoreError

    with ExitStack() as stack:
        try:
            stack.enter_context(one_run(settings.layout.resolved()))
        except StoreError as error:
            _failed_run(settings, str(error), 0.0, deidentified)
        except OSError as error:  # a read-only data folder: its locks folder cannot be made
            fail(_unwritable_line(error, published=_published(settings)))
        yield


def run_index_command(settings: Settings, source_options: SourceOptions, rebuild: bool,
                      engine_options: EngineOptions, as_json: bool,
                      deidentify: bool = False, measure: bool | None = None) -> None:
    deidentified = deidentify or settings.deidentify
    check_arguments(source_options, rebuild, deidentified, engine_options.ray_address,
                    engine_options.name)
    check_settings(settings, engine_options.name, engine_options.ray_address, measure)
    with _one_run(settings, deidentified):
        _index_command(settings, source_options, rebuild, engine_options, as_json, deidentify,
                       measure)


def _index_command(settings: Settings, source_options: SourceOptions, rebuild: bool,
                   engine_options: EngineOptions, as_json: bool, deidentify: bool,
                   measure: bool | None) -> None:
    _scrubber_ready()
    try:
        options = _options(settings, rebuild, deidentify)
        options.segmentation = segmentation_of(settings, measure)
    except ValueError as error:
        fail(str(error))
    except OSError as error:  # a read-only data folder (its secrets): one line
        fail(_unwritable_line(error, published=_published(settings)))
    engine = _engine(settings, engine_options)
    source = open_source(settings, source_options, options.deidentifier is not None)
    # the reader names fetched files by their UIDs
    with uids_redacted(options.deidentifier is not None):
        try:
            summary = _run(settings, source, options, engine)
        finally:
            if not isinstance(source, Path):
                source.archive.close()
    result = summary.as_dict()
    nothing = nothing_brought(result) or records_lost(result)
    if nothing:
        result["error"] = nothing
    try:
        report = write_run_report(settings, "index",
                                  withheld(result) if options.deidentifier else result)
    except OSError as error:
        fail(_unwritable_line(error))
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items()
                           if k not in ("skipped_items", "views_left_out_items")}))
    else:
        summary_table(result, report)
    if summary.interrupted:
        raise typer.Exit(130)
    if nothing:
        console.print(f"[red]error:[/red] {escape(nothing)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r}: write a date as YYYY-MM-DD")


def index(
    ctx: typer.Context,
    archive: Annotated[str, typer.Argument(
        help="a folder of DICOM studies and reports, or a PACS: "
             "dicomweb+https://host/dicom-web or dimse://AET@host:port")],
    rebuild: Annotated[bool, typer.Option(
        help="re-embed every study, even unchanged; the new index holds this archive's "
             "studies only")] = False,
    engine: Annotated[Engine, typer.Option(
        help="local: this machine's processes; ray: a Ray cluster (the cluster extra; the data "
             "folder on a filesystem every node mounts)")] = Engine.LOCAL,
    ray_address: Annotated[str | None, typer.Option(
        help="the Ray cluster (ray://head:10001 or auto; default CMR_SEARCH_RAY_ADDRESS, else "
             "a Ray started on this machine)")] = None,
    since: Annotated[str | None, typer.Option(
        help="PACS only: studies dated on or after YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(
        help="PACS only: studies dated on or before YYYY-MM-DD")] = None,
    keep_dicom: Annotated[bool, typer.Option(
        help="PACS only: keep fetched instances in DATA_DIR/pacs-cache after indexing")] = False,
    reports: Annotated[list[Path] | None, typer.Option(
        help="PACS only: a report export (JSONL/CSV keyed by accession number or Study "
             "Instance UID), or a folder "
             "of them; repeatable")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    deidentify: Annotated[bool, typer.Option(
        # no long word: "CMR_SEARCH_DEIDENTIFY=true);" was cut at 80 columns
        help="index pseudonyms, not identifiers (PS3.15 Basic Profile with dicognito; also "
        "the setting CMR_SEARCH_DEIDENTIFY); the same seed gives the same pseudonyms")] = False,
    measure: Annotated[bool | None, typer.Option(
        "--measure/--no-measure", help="segment and measure each study (default: the "
        "setting CMR_SEARCH_MEASURE, on)")] = None,
) -> None:
    """Embed and measure new or changed studies, and publish the index.

    Safe to re-run or kill. Folders of DICOM studies and ACDC-style NIfTI research studies
    alike."""
    source = SourceOptions(archive, _date(since, "--since"), _date(until, "--until"),
                           keep_dicom, tuple(reports or ()))
    run_index_command(settings_of(ctx), source, rebuild,
                      EngineOptions(engine.value, ray_address), as_json, deidentify, measure)
