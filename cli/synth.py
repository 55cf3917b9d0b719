"""`cmr-search synth` and `cmr-search demo`: synthetic archives, montages, the demo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from cli import index as index_command
from cli import serve as serve_command
from cli.common import console, fail, progress_bar, settings_of
from cli.index_source import SourceOptions

_REPORT_FORMATS = ("txt", "jsonl", "sr", "mixed")
RECIPE_FILE = "demo-recipe.json"  # in the demo archive's top folder: the scan passes it over


def synthesize(out: Path, studies: int, seed: int, faults: bool, report_format: str,
               workers: int) -> None:
    from phantom.archive import SynthConfig, generate_archive
    from phantom.study import ReportFormat

    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):  # its studies mixed with the new ones, silently
        fail(f"{out}: not empty; write an archive into a new or empty folder")
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
        from reader.montage import render_montage

        if not montage.is_dir():
            raise typer.BadParameter(f"{montage}: not a study folder", param_hint="--montage")
        try:
            shown = render_montage(montage, out)
        except (ValueError, OSError) as error:
            fail(str(error))
        console.print(f"montage of {shown} series written to {out}")
        return
    if report_format not in _REPORT_FORMATS:
        raise typer.BadParameter(f"{report_format!r}: use txt, jsonl, sr or mixed",
                                 param_hint="--report-format")
    synthesize(out, studies, seed, faults, report_format, settings_of(ctx).workers)


def demo(
    ctx: typer.Context,
    serve: Annotated[bool, typer.Option(help="serve the web UI when the index is ready")] = True,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Build the demo archive (once), index it with the demo model, and serve the web UI."""
    from phantom.archive import GROUND_TRUTH

    settings = settings_of(ctx)
    archive = settings.layout.demo_archive
    recipe = {"studies": settings.demo_studies, "seed": settings.demo_seed}
    recipe_file = archive / RECIPE_FILE
    if (archive / GROUND_TRUTH).exists() and recipe_file.exists() \
            and json.loads(recipe_file.read_text()) == recipe:
        console.print(f"demo archive already built: {archive}")
    else:
        if archive.exists():  # an interrupted or older demo build: start again
            shutil.rmtree(archive)
        synthesize(archive, settings.demo_studies, settings.demo_seed, False, "mixed",
                   settings.workers)
        recipe_file.write_text(json.dumps(recipe), encoding="utf-8")
    typer.echo(f"Demo archive: {archive.resolve()}")
    index_command.run_index_command(settings, SourceOptions(str(archive)),
                                    rebuild=False,
                                    engine_options=index_command.EngineOptions(),
                                    as_json=False)
    if serve:
        serve_command.serve_app(settings, host, port, settings.serve_workers)
