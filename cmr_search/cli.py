"""The `cmr-search` command line: one tool, one subcommand per job."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler

from cmr_search import cli_index, cli_search, cli_serve
from cmr_search.cli_common import console, fail, progress_bar, settings_of, write_run_report
from cmr_search.settings import Settings

app = typer.Typer(
    name="cmr-search",
    help="Case-retrieval search for cardiac MRI archives.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main_callback(ctx: typer.Context) -> None:
    """Case-retrieval search for cardiac MRI archives."""
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        fail(f"setting CMR_SEARCH_{str(first['loc'][0]).upper()}: {first['msg']}")
    # libraries (openjpeg, transformers) chatter at INFO; only our own packages speak up
    logging.basicConfig(level=logging.WARNING, format="%(message)s",
                        handlers=[RichHandler(console=console, show_path=False)])
    for package in ("cmr_search", "phantom", "indexer", "cmrclip"):
        logging.getLogger(package).setLevel(settings.log_level)
    ctx.obj = settings


def _synthesize(out: Path, studies: int, seed: int, faults: bool, report_format: str,
                workers: int) -> None:
    from phantom.archive import SynthConfig, generate_archive
    from phantom.study import ReportFormat

    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder")
    config = SynthConfig(out, studies, seed, faults, ReportFormat(report_format), workers)
    with progress_bar() as progress:
        task = progress.add_task("synthesising studies", total=studies)
        try:
            summary = generate_archive(
                config, lambda done, _total: progress.update(task, completed=done))
        except OSError as error:
            fail(f"{error.filename or out}: {error.strerror or error}")
    console.print(f"wrote {summary.studies} studies to {summary.out} in {summary.seconds:.1f} s "
                  f"({summary.mb_per_study:.1f} MB per study)")


@app.command()
def synth(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(
        help="archive folder to write (or the PNG with --montage)")],
    studies: Annotated[int, typer.Option(min=1, help="number of studies")] = 200,
    seed: Annotated[int, typer.Option(help="random seed; same seed, same archive")] = 0,
    faults: Annotated[bool, typer.Option(help="add broken, foreign and duplicate files")] = False,
    report_format: Annotated[str, typer.Option(
        help="where reports go: txt, jsonl, sr or mixed")] = "mixed",
    montage: Annotated[Path | None, typer.Option(
        help="render a montage of this study folder into OUT (a .png) instead")] = None,
) -> None:
    """Write a synthetic CMR archive: DICOM studies, reports and ground truth."""
    if montage is not None:
        from phantom.montage import render_montage

        if not montage.is_dir():
            raise typer.BadParameter(f"{montage}: not a study folder", param_hint="--montage")
        try:
            shown = render_montage(montage, out)
        except (ValueError, OSError) as error:
            fail(str(error))
        console.print(f"montage of {shown} series written to {out}")
        return
    if report_format not in ("txt", "jsonl", "sr", "mixed"):
        raise typer.BadParameter(f"{report_format!r}: use txt, jsonl, sr or mixed",
                                 param_hint="--report-format")
    _synthesize(out, studies, seed, faults, report_format, settings_of(ctx).workers)


@app.command()
def demo(
    ctx: typer.Context,
    serve: Annotated[bool, typer.Option(help="serve the web UI when the index is ready")] = True,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Build the demo archive (once), index it with the demo model, and serve the web UI."""
    settings = settings_of(ctx)
    archive = settings.demo_archive
    marker = archive / "ground_truth.jsonl"
    recipe = {"studies": settings.demo_studies, "seed": settings.demo_seed}
    recipe_file = archive / "demo-recipe.json"
    if marker.exists() and recipe_file.exists() and json.loads(recipe_file.read_text()) == recipe:
        console.print(f"demo archive already built: {archive}")
    else:
        if archive.exists():  # an interrupted or older demo build: start again
            shutil.rmtree(archive)
        _synthesize(archive, settings.demo_studies, settings.demo_seed, False, "mixed",
                    settings.workers)
        recipe_file.write_text(json.dumps(recipe), encoding="utf-8")
    typer.echo(f"Demo archive: {archive.resolve()}")
    cli_index.run_index_command(settings, archive, rebuild=False, shard=None, as_json=False)
    if serve:
        cli_serve.serve_app(settings, host, port)


def _scan_table(result: Any) -> None:
    from rich.table import Table

    out = Console()
    table = Table(title=f"{len(result.studies)} studies")
    for column in ("study", "views", "report"):
        table.add_column(column)
    for study in result.studies:
        views = ", ".join(sorted(study.view_series))
        report = study.report.source.value if study.report else "-"
        table.add_row(study.study_instance_uid[-16:], views, report)
    for acdc in result.research_studies:
        table.add_row(acdc.study_instance_uid, "sax_cine (NIfTI)", "-")
    out.print(table)
    matched = sum(s.report is not None for s in result.studies)
    out.print(f"reports matched: {matched} of {len(result.studies)}")
    for reason, count in result.skipped_by_reason().most_common():
        out.print(f"skipped {count:5d}  {reason}")


@app.command()
def scan(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="folder exported from a PACS, or a dataset")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Find studies, views and reports in an archive; list skipped files with reasons."""
    from indexer.scan import scan_archive

    settings = settings_of(ctx)
    if not archive.is_dir():
        fail(f"{archive}: not a folder")
    with progress_bar() as progress:
        task = progress.add_task("reading headers", total=None)
        result = scan_archive(archive, settings.worker_count,
                              lambda done, total: progress.update(task, completed=done,
                                                                  total=total))
    report_path = write_run_report(settings, "scan", result.as_dict())
    if as_json:
        typer.echo(json.dumps(result.as_dict()))
    else:
        _scan_table(result)
        console.print(f"run report: {report_path}")


@app.command()
def train(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="archive with reports to learn from")],
    out: Annotated[Path, typer.Option(help="checkpoint folder (last/ and best/ inside)")],
    arch: Annotated[str, typer.Option(help="architecture: tiny or base")] = "tiny",
    epochs: Annotated[int, typer.Option(min=1)] = 40,
    batch_size: Annotated[int, typer.Option(min=2)] = 32,
    lr: Annotated[float, typer.Option(min=0.0)] = 2e-3,
    seed: Annotated[int, typer.Option(help="same seed, same model")] = 7,
    resume: Annotated[bool, typer.Option(help="continue from OUT/last")] = False,
    amp: Annotated[bool, typer.Option(help="bfloat16 mixed precision (GPU)")] = False,
) -> None:
    """Train CMR-CLIP on an archive's studies and report impressions (no labels needed)."""
    from cmrclip.registry import REGISTRY
    from cmrclip.train import EpochLog, TrainConfig
    from cmrclip.train import train as run_training

    settings = settings_of(ctx)
    if arch not in REGISTRY:
        fail(f"unknown architecture {arch!r}; choose from {', '.join(sorted(REGISTRY))}")
    if not archive.is_dir():
        fail(f"{archive}: not a folder")
    config = TrainConfig(archive=archive, out=out, arch=arch, epochs=epochs,
                         batch_size=batch_size, lr=lr, seed=seed, resume=resume, amp=amp,
                         workers=settings.worker_count, cache_root=settings.data_dir / "clips")
    with progress_bar() as progress:
        clips = progress.add_task("preparing clips", total=None)
        task = progress.add_task("training", total=epochs, visible=False)

        def prepared(done: int, total: int) -> None:
            progress.update(clips, completed=done, total=total)

        def report(log: EpochLog) -> None:
            progress.update(task, visible=True, completed=log.epoch + 1, description=(
                f"epoch {log.epoch + 1} loss {log.loss:.3f} val R@5 {log.val_r5:.2f}"))

        history = run_training(config, report, preparing=prepared)
    best = max(history, key=lambda h: h.val_score)
    console.print(f"best validation R@5 {best.val_r5:.3f} at epoch {best.epoch + 1}; "
                  f"checkpoints in {out}")


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="archive with ground truth or reports")],
    checkpoint: Annotated[Path | None, typer.Option(
        help="checkpoint folder; default: the committed demo checkpoint")] = None,
    out: Annotated[Path | None, typer.Option(help="report folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Evaluate like the paper: retrieval, zero-shot, few-shot, linear probe, baselines."""
    from cmrclip.checkpoint import CheckpointError
    from cmrclip.run_eval import run_evaluation

    settings = settings_of(ctx)
    if not archive.is_dir():
        fail(f"{archive}: not a folder")
    folder = out or settings.data_dir / "eval" / f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    try:
        result = run_evaluation(archive, checkpoint, folder, settings.data_dir / "clips",
                                settings.worker_count, seed)
    except CheckpointError as error:
        fail(str(error))
    if as_json:
        typer.echo(json.dumps(result))
        return
    from cmrclip.report import markdown

    Console().print(markdown(result))
    console.print(f"report: {folder / 'evaluation.md'}")


app.command("index")(cli_index.index)
app.command("stats")(cli_index.stats)
app.command("serve")(cli_serve.serve)
app.command("query")(cli_search.query)
app.command("similar")(cli_search.similar)


def main() -> None:
    app()
