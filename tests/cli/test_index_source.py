"""`cmr-search index`'s arguments, checked before the data folder's run lock is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app


@pytest.mark.parametrize(("args", "said"), [
    (["nowhere"], "nowhere: not a folder"),
    (["ftp://host/x"], "ftp://host/x: a PACS address starts with dicomweb+http(s)://"),
    (["{archive}", "--since", "2024-01-01"], "--since, --until, --keep-dicom and --reports "
                                             "apply to a PACS"),
    (["{archive}", "--ray-address", "auto"], "--ray-address needs --engine ray"),
    (["dimse://AET@host:port", "--rebuild", "--since", "2024-01-01"],
     "--rebuild with --since/--until"),
])
def test_a_second_runs_typo_is_said_not_the_first_runs_lock(
        tmp_path: Path, args: list[str], said: str) -> None:
    """While a nightly run held the lock, a typo'd run was answered "another index run is
    in progress", and fixing that (waiting for the first run) met the typo's own error next."""
    from cmr_search.layout import DataLayout
    from indexer.pipeline import one_run

    archive = tmp_path / "archive"
    archive.mkdir()
    data = tmp_path / "data"
    env = {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    with one_run(DataLayout(data)):
        result = CliRunner().invoke(app, ["index", *(a.replace("{archive}", str(archive))
                                                     for a in args)], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert said in result.output and "another index run" not in result.output


def test_a_missing_checkpoint_setting_is_said_before_the_lock(tmp_path: Path) -> None:
    from cmr_search.layout import DataLayout
    from indexer.pipeline import one_run

    (tmp_path / "archive").mkdir()
    data = tmp_path / "data"
    env = {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300",
           "CMR_SEARCH_CHECKPOINT": str(tmp_path / "no-model")}
    with one_run(DataLayout(data)):
        result = CliRunner().invoke(app, ["index", str(tmp_path / "archive")], env=env)
    assert result.exit_code == 1 and "another index run" not in result.output
    assert "CMR_SEARCH_CHECKPOINT" in result.output


@pytest.mark.parametrize(("args", "env", "said"), [
    ([], {"CMR_SEARCH_SEGMENTATION_CHECKPOINT": "{tmp}/no-segmenter",
          "CMR_SEARCH_MEASURE": "true"},
     "{tmp}/no-segmenter: not a segmentation checkpoint (no such folder); set "
     "CMR_SEARCH_SEGMENTATION_CHECKPOINT or CMR_SEARCH_MEASURE=0"),
    ([], {"CMR_SEARCH_DEVICE": "cuda:99"}, "CMR_SEARCH_DEVICE=cuda:99: torch sees "),
    ([], {"CMR_SEARCH_CHECKPOINT": "{tmp}/archive"},
     "{tmp}/archive: no model card (model_card.json) and no config.json"),
    (["--engine", "ray", "--ray-address", "nonsense"], {},
     "Ray address 'nonsense': expected HOST:PORT, ray://HOST:PORT or auto"),
])
def test_a_setting_the_run_cannot_use_is_said_before_the_lock(
        tmp_path: Path, args: list[str], env: dict[str, str], said: str) -> None:
    """Each was found once the lock was held: a second run was answered "another index run is
    in progress" (and left a failed run's report), and its own mistake was met only later."""
    import importlib.util

    from cmr_search.layout import DataLayout
    from indexer.pipeline import one_run

    if said.startswith("Ray address") and importlib.util.find_spec("ray") is None:
        said = "the Ray engine needs the cluster extra"
    (tmp_path / "archive").mkdir()
    data = tmp_path / "data"
    env = {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300",
           **{k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}}
    with one_run(DataLayout(data)):
        result = CliRunner().invoke(app, ["index", str(tmp_path / "archive"), *args], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert said.replace("{tmp}", str(tmp_path)) in result.output
    assert "another index run" not in result.output and not (data / "runs").exists()


def test_a_pacs_report_export_that_is_not_there_is_said_before_the_lock(tmp_path: Path) -> None:
    from cmr_search.layout import DataLayout
    from indexer.pipeline import one_run

    data = tmp_path / "data"
    env = {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    with one_run(DataLayout(data)):
        result = CliRunner().invoke(app, ["index", "dimse://AET@host:104", "--reports",
                                          str(tmp_path / "reports.csv")], env=env)
    assert result.exit_code == 1 and "another index run" not in result.output
    assert f"{tmp_path / 'reports.csv'}: no such report export" in result.output
