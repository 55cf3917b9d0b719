"""`cmr-search index` and `cmr-search stats`: build the index, and say what it holds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.common import console, fail, progress_bar, settings_of, write_run_report
from cmr_search.settings import Settings


def _summary_table(summary: dict[str, Any], report: Path) -> None:
    out = Console()
    table = Table(title="index run", show_header=False)
    for key in ("indexed", "unchanged", "skipped", "studies_in_index", "seconds"):
        table.add_row(key, str(summary[key]))
    for stage, seconds in summary["stages"].items():
        table.add_row(f"  {stage} (s)", f"{seconds:.1f}")
    out.print(table)
    for reason, count in sorted(summary["skipped_by_reason"].items(), key=lambda x: -x[1]):
        out.print(f"skipped {count:5d}  {reason}")
    published = summary["published"]
    if published:
        state = "published" if published["changed"] else "unchanged, nothing to publish"
        out.print(f"index {published['target']}: {published['points']} points, {state}")
    console.print(f"run report: {report}")


def _options(settings: Settings, rebuild: bool, shard: str | None,
             deidentify: bool) -> Any:
    from indexer.deidentify import Deidentifier
    from indexer.pipeline import IndexOptions, Shard

    return IndexOptions(rebuild=rebuild, workers=settings.worker_count,
                        shard=Shard.parse(shard) if shard else None,
                        patient_key_secret=settings.secret("patient_key_secret"),
                        deidentifier=Deidentifier(settings.secret("deidentify_seed"))
                        if deidentify or settings.deidentify else None)


def run_index_command(settings: Settings, archive: Path, rebuild: bool, shard: str | None,
                      as_json: bool, deidentify: bool = False) -> None:
    from cmrclip.checkpoint import CheckpointError, checkpoint_folder
    from cmrclip.inference import Encoder
    from indexer.pipeline import run_index
    from vectorstore import StoreError
    from vectorstore.factory import index_target
    from vectorstore.generations import Generations

    if not archive.is_dir():
        fail(f"{archive}: not a folder")
    try:
        options = _options(settings, rebuild, shard, deidentify)
        encoder = Encoder.from_checkpoint(checkpoint_folder(settings.checkpoint))
    except (ValueError, CheckpointError) as error:
        fail(str(error))
    layout = settings.layout.resolved()
    target = index_target(settings)
    started = time.perf_counter()
    with progress_bar(rate=True) as progress:
        tasks: dict[str, Any] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total, rate="")
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(tasks[stage], completed=done, total=total,
                            rate=f"{rate:.2f}/s" if stage == "embed studies" else "")

        try:
            if isinstance(target, Generations):
                with target.lock():
                    summary = run_index(archive, layout, encoder, target, options, tick)
            else:
                summary = run_index(archive, layout, encoder, target, options, tick)
        except StoreError as error:
            fail(str(error))
    result = summary.as_dict()
    report = write_run_report(settings, "index", result)
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "skipped_items"}))
    else:
        _summary_table(result, report)
    if summary.interrupted:
        raise typer.Exit(130)


def index(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="folder of DICOM studies and reports")],
    rebuild: Annotated[bool, typer.Option(help="re-embed every study, even unchanged")] = False,
    shard: Annotated[str | None, typer.Option(
        help="K/N: index only this machine's 1/N of the archive (N machines, one cluster)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    deidentify: Annotated[bool, typer.Option(
        help="index pseudonyms, not identifiers (PS3.15 Basic Profile with dicognito; also "
        "CMR_SEARCH_DEIDENTIFY=true); the same seed gives the same pseudonyms")] = False,
) -> None:
    """Embed every new or changed study and publish the index (safe to re-run or kill)."""
    run_index_command(settings_of(ctx), archive, rebuild, shard, as_json, deidentify)


def _live_counts(store: Any) -> dict[str, Any]:
    from catalog import PayloadField, ReportStatus
    from vectorstore import Filter, Match

    present = Match(PayloadField.REPORT_STATUS, ReportStatus.PRESENT.value)
    return {"studies": store.count(), "with_report": store.count(Filter(must=(present,))),
            "by_vendor": store.facet(PayloadField.VENDOR),
            "by_sex": store.facet(PayloadField.SEX)}


def index_stats(settings: Settings) -> dict[str, Any]:
    from vectorstore import StoreError
    from vectorstore.factory import describe, open_index

    store = open_index(settings)
    try:
        metadata = store.metadata()
        if metadata is None:
            return {"store": describe(settings), "studies": 0, "model": None,
                    "index_version": None}
        try:
            live = _live_counts(store)
        except StoreError:  # the web server holds the embedded shard open: use what was recorded
            live = {"studies": metadata.get("studies"), "with_report": None, "by_vendor": None,
                    "by_sex": None, "note": "the index is open in another process (the web "
                    "server); counts are those recorded when it was built"}
        return {
            "store": describe(settings),
            **live,
            "index_version": metadata.get("index_version"),
            "model": metadata.get("model"),
            "vectors": metadata.get("vectors"),
            "generation": getattr(store, "generation", None),
            "built": metadata.get("built"),
            "archive": metadata.get("archive"),
            "calibration": metadata.get("calibration"),
        }
    finally:
        store.close()


def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """What the index holds: studies, model identity, index version."""
    from vectorstore import StoreError

    try:
        result = index_stats(settings_of(ctx))
    except StoreError as error:
        fail(str(error))
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    out = Console()
    table = Table(title=result["store"], show_header=False)
    model = result.get("model") or {}
    rows = [("studies", result["studies"]), ("index version", result["index_version"]),
            ("model", f"{model.get('architecture')} {str(model.get('weights_sha256'))[:12]}"),
            ("generation", result.get("generation")), ("built", result.get("built")),
            ("archive", result.get("archive")), ("vendors", result.get("by_vendor"))]
    for key, value in rows:
        table.add_row(key, str(value))
    out.print(table)
