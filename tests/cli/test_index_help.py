"""`cmr-search index --help` read in an 80-column terminal."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app


def test_the_index_help_is_whole_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """"CMR_SEARCH_DEIDENTIFY=tru…" cut the --deidentify help mid-word, and the command list
    broke the docstring's first paragraph after "safe to re-run"."""
    monkeypatch.setenv("COLUMNS", "80")
    shown = CliRunner().invoke(app, ["index", "--help"])
    assert shown.exit_code == 0, shown.output
    assert "…" not in shown.output and "CMR_SEARCH_DEIDENTIFY" in shown.output
    assert max(len(line) for line in shown.output.splitlines()) <= 80
    # the command list says the first line alone, the rest is the command's own help
    listed = CliRunner().invoke(app, ["--help"])
    assert "Embed and measure new or changed studies" in listed.output
    assert "re-run" not in listed.output and "re-run or kill" in shown.output
