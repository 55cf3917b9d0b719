"""Plain progress lines for output that is not a terminal (a log file, CI); errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import typer
from rich.console import Console

from cli.common import PlainProgress, checkpoint_line, fail


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


def test_a_missing_checkpoint_the_setting_named_names_the_setting(tmp_path: Path) -> None:
    """The library words its error without the environment: the CLI, which knows the folder
    came from the setting, names CMR_SEARCH_CHECKPOINT ("/nonexist: not a folder" left the
    user to guess which of the settings' paths it was)."""
    from cmrclip.types import CheckpointError, MissingCheckpointError

    missing = tmp_path / "nonexist"
    error = MissingCheckpointError(missing)
    assert checkpoint_line(error, missing) == \
        f"CMR_SEARCH_CHECKPOINT={missing}: not a folder (the model checkpoint)"
    # an option named it, or the setting names another folder: the folder alone
    assert checkpoint_line(error, None) == f"{missing}: not a folder (the model checkpoint)"
    assert checkpoint_line(error, tmp_path) == str(error)
    assert checkpoint_line(CheckpointError(f"{missing}: unreadable"), missing) == \
        f"{missing}: unreadable"


def test_query_names_the_setting_of_a_missing_checkpoint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cmr-search query` with CMR_SEARCH_CHECKPOINT naming no folder: one line, no
    traceback, naming the setting and the folder."""
    from typer.testing import CliRunner

    from cli.main import app

    missing = tmp_path / "nonexist"
    result = CliRunner().invoke(app, ["query", "LGE"], env={
        "CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_CHECKPOINT": str(missing)})
    assert result.exit_code == 1, result.output
    assert result.output.strip() == \
        f"error: CMR_SEARCH_CHECKPOINT={missing}: not a folder (the model checkpoint)"
