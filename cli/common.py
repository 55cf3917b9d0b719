"""What every subcommand shares: the settings from the context, errors, progress, run reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
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


def fail(message: str) -> NoReturn:
    """One clear line on stderr, exit status 1."""
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def progress_bar(rate: bool = False) -> Progress:
    columns: list[Any] = ["[progress.description]{task.description}", BarColumn(),
                          MofNCompleteColumn()]
    if rate:
        columns += [TaskProgressColumn(), TextColumn("{task.fields[rate]}")]
    columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console)


def write_run_report(settings: Settings, kind: str, payload: dict[str, Any]) -> Path:
    folder = settings.layout.runs
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.json"
    path.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return path
