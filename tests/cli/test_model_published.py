"""The released CMR-CLIP at the command line: `convert-checkpoint` makes a checkpoint of its
folder (or says in one line why not), `eval` runs it like ours, `train` refuses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.published import MINI
from typer.testing import CliRunner

from cli.main import app
from cmrclip.checkpoint import read_identity

runner = CliRunner()


def test_convert_writes_a_checkpoint_with_the_release_identity(mini_release: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "checkpoint"
    result = runner.invoke(app, ["convert-checkpoint", str(mini_release), "--out", str(out),
                                 "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["identity"] == read_identity(mini_release).as_dict()
    assert (out / "weights.safetensors").is_file() and (out / "model_card.json").is_file()
    again = runner.invoke(app, ["convert-checkpoint", str(mini_release), "--out", str(out)])
    assert again.exit_code == 1 and "not an empty folder" in again.output


def test_a_bad_release_is_one_line(mini_release: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["convert-checkpoint", str(tmp_path / "nowhere"), "--out",
                                 str(tmp_path / "out")], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'nowhere'}: not a folder"
    assert "Traceback" not in result.output


def test_train_refuses_the_released_architecture(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(tmp_path), "--out", str(tmp_path / "o"),
                                 "--arch", "cmrclip-published"], env={"COLUMNS": "400"})
    assert result.exit_code == 1 and "runs released weights" in result.output


def test_train_names_missing_segmentation_weights(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(tmp_path), "--out", str(tmp_path / "o"),
                                 "--arch", "tiny-anatomy", "--segmentation",
                                 str(tmp_path / "seg")], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert result.output.strip() == (f"error: {tmp_path / 'seg' / 'model.safetensors'}: missing "
                                     "(architecture 'tiny-anatomy' needs segmentation weights)")


def test_train_names_segmentation_weights_that_do_not_read(tmp_path: Path) -> None:
    (tmp_path / "seg").mkdir()
    (tmp_path / "seg" / "model.safetensors").write_bytes(b"not weights")
    result = runner.invoke(app, ["train", str(tmp_path), "--out", str(tmp_path / "o"),
                                 "--segmentation", str(tmp_path / "seg")],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"error: {tmp_path / 'seg'}: not a segmentation checkpoint")
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_eval_runs_the_released_model_like_ours(archive: Path, mini_release: Path,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "1")
    monkeypatch.setenv("CMR_SEARCH_DEVICE", "cpu")
    result = runner.invoke(app, ["eval", str(archive), "--checkpoint", str(mini_release),
                                 "--json", "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, repr(result.exception)
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(payload["zero_shot"]) == 7 and payload["model"]["architecture"] == MINI.name
    assert set(payload["baselines"]) == {"random_init", "report_text"}
    assert (tmp_path / "report" / "evaluation.md").is_file()
