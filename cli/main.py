"""The `cmr-search` command line: one tool, one subcommand per job."""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from cli import accounts, index, model, query, segment, serve, stats, synth
from cli.common import console, fail, progress_bar, settings_of, write_run_report
from cmr_search.settings import Settings, unknown_settings
from reader.headers import ignore_pydicom_warnings
from reader.nifti import quiet_nibabel_header_fixes

app = typer.Typer(
    name="cmr-search",
    help="Case-retrieval search for cardiac MRI archives.",
    no_args_is_help=True,
    add_completion=False,
)
_PACKAGES = ("cli", "cmr_search", "phantom", "reader", "cmrclip", "segment", "indexer", "search",
             "web", "vectorstore", "catalog", "pacs", "db", "accounts")


@app.callback()
def main_callback(ctx: typer.Context) -> None:
    """Case-retrieval search for cardiac MRI archives."""
    # process-wide choices belong here, at the entry point: offline by construction (no
    # library may ask a model hub), and pydicom's warnings about odd files go to the run report
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    ignore_pydicom_warnings()
    # qdrant-client asks a server for its version in a thread and warns in two lines when it
    # is down; the command's first request then says so in one (vectorstore.guarded)
    warnings.filterwarnings("ignore", message="Failed to obtain server version",
                            category=UserWarning)
    quiet_nibabel_header_fixes()  # the reader checks the header as written itself
    # a 22 MB local text model needs no progress bar on every command (transformers reads it)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        fail(f"setting CMR_SEARCH_{str(first['loc'][0]).upper()}: {message}")
    # libraries (openjpeg, transformers) chatter at INFO; only our own packages speak up
    logging.basicConfig(level=logging.WARNING, format="%(message)s",
                        handlers=[RichHandler(console=console, show_path=False)])
    for package in _PACKAGES:
        logging.getLogger(package).setLevel(settings.log_level)
    # pynetdicom logs a refused association or an abort as ERROR lines of its own; the
    # PacsError that follows says why in one line, in our settings' terms
    if logging.getLevelName(settings.log_level) != logging.DEBUG:
        logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
        # pydicom logs a frame it cannot decode as a 25-line traceback; the reader's note
        # says which view, and why, in one line
        logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    for line in unknown_settings(os.environ):
        console.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False,
                      soft_wrap=True)
    ctx.obj = settings


def _scan_table(result: Any) -> None:
    from rich.table import Table

    out = Console()
    table = Table(title=result.counted())
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
    out.print(f"reports matched: {matched} of {result.study_count}")  # NIfTI ones have none
    for reason, count in result.skipped_by_reason().most_common():
        out.print(f"skipped {count:5d}  {reason}")


def scan(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="folder exported from a PACS, or a dataset")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Find studies, views and reports in an archive; list skipped files with reasons."""
    from reader.scan import scan_archive

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


app.command("synth")(synth.synth)
app.command("demo")(synth.demo)
app.command("scan")(scan)
app.command("train")(model.train)
app.command("eval")(model.evaluate)
app.command("tune-prompts")(model.tune_prompts)
app.command("convert-checkpoint")(model.convert_checkpoint)
app.command("index")(index.index)
app.command("stats")(stats.stats)
app.command("serve")(serve.serve)
app.command("train-seg")(segment.train_seg_command)
app.command("calibrate-seg")(segment.calibrate_seg_command)
app.command("segment")(segment.segment_command)
app.command("query")(query.query)
app.command("similar")(query.similar)
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.tokens_app, name="tokens")
app.add_typer(accounts.audit_app, name="audit")
app.add_typer(accounts.db_app, name="db")


# Typer raises its own copy of Click's exceptions (0.29 on), older ones Click's: both are caught
_CLICK_ERRORS: tuple[type[Exception], ...] = (typer.TyperException, click.ClickException)
_ABORTS: tuple[type[BaseException], ...] = (typer.Abort, click.Abort)


def main() -> None:
    """The entry point: a usage error (a missing argument, a bad option value, an unknown
    command) is one line naming it and where to read more, as every other error is (Click
    drew a five-line box); with `--json`, a JSON object too."""
    try:
        status = app(standalone_mode=False)
    except _CLICK_ERRORS as error:
        usage_failure(error)
    except _ABORTS as error:  # Ctrl-C (130, as a shell counts it), or the end of input at a prompt
        console.print("aborted", highlight=False)
        interrupted = isinstance(error.__cause__ or error.__context__, KeyboardInterrupt)
        raise SystemExit(130 if interrupted else 1) from None
    if status == 130:  # Typer turns Ctrl-C outside our handlers into exit 130, silently
        console.print("interrupted", highlight=False)
    if isinstance(status, int) and status:
        raise SystemExit(status)


def usage_failure(error: Exception) -> None:
    """One line for a Click error; the help text where nothing was given (`cmr-search`)."""
    code = int(getattr(error, "exit_code", 2))
    if type(error).__name__ == "NoArgsIsHelpError":
        error.show()  # type: ignore[attr-defined]  # the help, as asked for by giving nothing
        raise SystemExit(code) from None
    ctx = getattr(error, "ctx", None)
    where = ctx.command_path if ctx is not None else "cmr-search"
    message = str(error.format_message()).rstrip(".")  # type: ignore[attr-defined]
    try:
        fail(f"{where}: {message} (see '{where} --help')")
    except typer.Exit:
        raise SystemExit(code) from None
