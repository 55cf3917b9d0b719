"""`cmr-search eval` (and the evaluation data it composes) on the small archive."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.evaldata import eval_data
from cli.main import app
from cmrclip.checkpoint import read_identity
from cmrclip.data import PairSet
from cmrclip.model import preprocess_for
from cmrclip.train import TrainConfig, train
from indexer.pairs import load_pairs

pytestmark = pytest.mark.slow  # indexes or trains with a real archive


@pytest.fixture(scope="module")
def pairs(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> PairSet:
    cache = tmp_path_factory.mktemp("clips")
    return load_pairs(archive, preprocess_for("tiny"), cache, workers=1)


@pytest.fixture(scope="module")
def trained(pairs: PairSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    checkpoint = tmp_path_factory.mktemp("run")
    train(TrainConfig(out=checkpoint, epochs=1, batch_size=4, validation=0.3, seed=1), pairs)
    return checkpoint / "best"


def test_eval_queries_are_paraphrases_with_the_same_meaning(archive: Path,
                                                            pairs: PairSet) -> None:
    data = eval_data(archive, pairs, seed=1)
    assert data.label_source == "ground truth"
    assert len(data.queries) == len(pairs) and set(data.labels) and data.signature
    assert any(q != t for q, t in zip(data.queries, pairs.texts, strict=True))


def test_an_archive_without_ground_truth_is_labelled_from_its_reports(
        archive: Path, pairs: PairSet, tmp_path: Path) -> None:
    data = eval_data(tmp_path, pairs)  # no ground_truth.jsonl there
    assert data.label_source == "report labeler" and data.queries == pairs.texts


def test_eval_command_writes_json_markdown_and_roc(archive: Path, trained: Path,
                                                   tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "1")
    result = CliRunner().invoke(app, ["eval", str(archive), "--checkpoint",
                                      str(trained), "--json",
                                      "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, repr(result.exception)
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(payload["zero_shot"]) == 7
    for metrics in payload["zero_shot"].values():
        assert set(metrics) >= {"auc", "accuracy", "f1"}
    for direction in ("t2v", "v2t"):
        assert set(payload["retrieval"][direction]) == {"r1", "r5", "r10", "median_rank"}
    assert set(payload["baselines"]) == {"random_init", "report_text"}
    assert "t2v" in payload["baselines"]["report_text"]["retrieval"]
    assert (tmp_path / "report" / "evaluation.md").read_text().startswith("# CMR-CLIP")
    assert (tmp_path / "report" / "roc.png").stat().st_size > 1000


def test_tune_prompts_records_its_choice_in_the_card(archive: Path, trained: Path,
                                                     tmp_path: Path, monkeypatch: Any) -> None:
    checkpoint = tmp_path / "ck"
    shutil.copytree(trained, checkpoint)
    before = read_identity(checkpoint)
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "1")
    result = CliRunner().invoke(app, ["tune-prompts", str(archive), "--checkpoint",
                                      str(checkpoint), "--json"])
    assert result.exit_code == 0, repr(result.exception)
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert [row["weight"] for row in payload["findings"]] == [1.0] * 7  # six studies: too few
    card = json.loads((checkpoint / "model_card.json").read_text())
    assert len(card["zero_shot_contrast"]["findings"]) == 7
    assert read_identity(checkpoint) == before  # nothing chosen: the identity stays


def test_eval_uses_the_configured_checkpoint(archive: Path, tmp_path: Path,
                                             monkeypatch: Any) -> None:
    missing = tmp_path / "nothing"
    missing.mkdir()
    monkeypatch.setenv("CMR_SEARCH_CHECKPOINT", str(missing))
    result = CliRunner().invoke(app, ["eval", str(archive)])
    assert result.exit_code == 1 and "model card" in result.output


def test_a_tampered_checkpoint_is_refused_in_one_line(archive: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nothing"
    missing.mkdir()
    result = CliRunner().invoke(app, ["eval", str(archive), "--checkpoint", str(missing)])
    assert result.exit_code == 1 and "model card" in result.output


def test_eval_names_the_option_of_a_missing_checkpoint_not_the_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`eval --checkpoint X` with CMR_SEARCH_CHECKPOINT=X too: the option named the folder, so
    the line names the folder ("CMR_SEARCH_CHECKPOINT=X" sent the user to a setting that
    `--checkpoint` overrode); the setting alone names the setting."""
    missing = tmp_path / "nonexist"
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CMR_SEARCH_CHECKPOINT", str(missing))
    out = ["--out", str(tmp_path / "report")]
    by_option = CliRunner().invoke(app, ["eval", str(tmp_path), "--checkpoint", str(missing),
                                         *out])
    assert by_option.exit_code == 1, by_option.output
    assert by_option.output.strip() == f"error: {missing}: not a folder (the model checkpoint)"
    by_setting = CliRunner().invoke(app, ["eval", str(tmp_path), *out])
    assert by_setting.exit_code == 1, by_setting.output
    assert by_setting.output.strip() == \
        f"error: CMR_SEARCH_CHECKPOINT={missing}: not a folder (the model checkpoint)"
