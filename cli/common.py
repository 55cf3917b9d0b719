"""What every subcommand shares: the settings from the context, errors, progress, run reports."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from cmr_search.settings import Settings

console = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    if not isinstance(settings, Settings):
        raise RuntimeError("settings were not initialised")
    return settings


def fail(message: str, as_json: bool | None = None) -> NoReturn:
    """One clear line on stderr, exit status 1; with `--json`, `{"error": ...}` on stdout too,
    so a script reading the output gets JSON either way. `as_json` None: whether the command
    line asked for JSON (every subcommand with `--json` names it so)."""
    if as_json is None:
        as_json = "--json" in sys.argv[1:]
    # the message quotes what the user typed: "[/x]" is text, not Rich markup
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    if as_json:
        sys.stdout.write(json.dumps({"error": message}) + "\n")
    raise typer.Exit(1)


def checkpoint_line(error: Exception, configured: Path | None) -> str:
    """A model checkpoint's error in one line; a missing folder the setting named (`configured`:
    the settings' checkpoint, None where an option named it) names the setting, as the user
    wrote it: "/nonexist: not a folder" left them to guess which of the paths it was."""
    from cmrclip.types import MissingCheckpointError  # no torch: the model's interface alone

    if isinstance(error, MissingCheckpointError) and configured is not None and \
            error.folder == configured:
        prefix = Settings.model_config.get("env_prefix", "")
        return f"{prefix}CHECKPOINT={configured}: not a folder (the model checkpoint)"
    return str(error)


def progress_bar(rate: bool = False) -> Progress:
    columns: list[Any] = ["[progress.description]{task.description}", BarColumn(),
                          MofNCompleteColumn()]
    if rate:
        columns += [TaskProgressColumn(), TextColumn("{task.fields[rate]}")]
    columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console)


class PlainProgress:
    """Progress as plain lines, for output that is not a terminal (a log file, CI), where the
    live bar draws nothing: one line per stage every `every_s` seconds and at its end."""

    def __init__(self, every_s: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 out: Console | None = None) -> None:
        self.every_s, self.clock, self.out = every_s, clock, out or console
        self._last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        finished = bool(total) and done >= total
        if not finished and now - self._last.get(stage, -self.every_s) < self.every_s:
            return
        self._last[stage] = now
        self.out.print(f"{stage}: {done}/{total or '?'}", highlight=False)


def write_run_report(settings: Settings, kind: str, payload: dict[str, Any]) -> Path:
    folder = settings.layout.runs
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.json"
    path.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return path


def writable_folder(out: Path) -> None:
    """`out` made if need be; a one-line failure when it is a file or cannot be written (a
    command checks it before its work: `train --out FILE` failed after preparing its clips)."""
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"{out}: cannot make this folder ({error.strerror or type(error).__name__})")
    if not os.access(out, os.W_OK | os.X_OK):
        fail(f"{out}: this folder cannot be written to")
