"""Plain progress lines for output that is not a terminal (a log file, CI); errors."""

from __future__ import annotations

import io
import json

import pytest
import typer
from rich.console import Console

from cli.common import PlainProgress, fail


def test_plain_progress_prints_a_line_per_interval_and_at_the_end() -> None:
    now = [0.0]
    buffer = io.StringIO()
    ticker = PlainProgress(every_s=30.0, clock=lambda: now[0],
                           out=Console(file=buffer, width=120))
    for done in range(1, 11):  # ten studies, ten seconds apart
        now[0] = 10.0 * done
        ticker("embed studies", done, 10)
    ticker("publish", 0, 0)  # a stage of unknown size says so
    lines = buffer.getvalue().splitlines()
    assert lines == ["embed studies: 1/10", "embed studies: 4/10", "embed studies: 7/10",
                     "embed studies: 10/10", "publish: 0/?"]


@pytest.mark.parametrize(("argv", "as_json"), [(["scan", "x", "--json"], True),
                                                (["scan", "x"], False)])
def test_an_error_is_json_too_where_the_command_line_asks_for_json(
        argv: list[str], as_json: bool, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only `query` and `similar` passed their --json on: `scan --json` and `index --json`
    wrote their errors as text only."""
    monkeypatch.setattr("sys.argv", ["cmr-search", *argv])
    with pytest.raises(typer.Exit):
        fail("x: not a folder")
    captured = capsys.readouterr()
    assert "error: x: not a folder" in captured.err
    assert (json.loads(captured.out) if as_json else captured.out) == \
        ({"error": "x: not a folder"} if as_json else "")
