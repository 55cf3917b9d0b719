"""A `--filter` refused in the words the web page uses, of the option as typed: a range the wrong
way round ("LVEF from 90 % is above LVEF to 10 %"), or one end ("filter lvef=..120: LVEF to:
..."), never by the API's field names ("lvef_min (90.0) is after lvef_max")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(("args", "said"), [
    # a range the wrong way round
    (["query", "heart", "-f", "lvef=90..10"],
     "filter lvef=90..10: LVEF from 90 % is above LVEF to 10 %"),
    (["similar", "1.2.3", "-f", "lv_edv_index = 120.5..100"],
     "filter lv_edv_index=120.5..100: LVEDV index from 120.5 ml/m² is above LVEDV index to "
     "100 ml/m²"),
    (["query", "heart", "-f", "date=2021-01-01..2020-01-01"],
     "filter date=2021-01-01..2020-01-01: Study date from 2021-01-01 is after Study date to "
     "2020-01-01"),
    # one end refused: said of the option typed, not of the API's field ("filter lvef_max: ")
    (["query", "heart", "-f", "lvef=..120"],
     "filter lvef=..120: LVEF to: a percentage, 0 to 100 (not 120)"),
    (["similar", "1.2.3", "-f", "date=2024..2025-01-01"],
     "filter date=2024..2025-01-01: Study date from: '2024': a date is YYYY-MM-DD"),
    # said of the option already: unchanged
    (["query", "heart", "-f", "lvef=abc.."],
     "filter lvef: 'abc' is not a number; write ..35 (up to), 50.. (from) or 40..60"),
])
def test_a_refused_filter_is_said_in_the_pages_words_of_the_option_typed(
        tmp_path: Path, args: list[str], said: str) -> None:
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path), "COLUMNS": "300"}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {said}"
    assert "lvef_max" not in result.output and "study_date_from" not in result.output
    as_json = runner.invoke(app, [*args, "--json"], env=env)
    assert json.loads(as_json.stdout) == {"error": said}
