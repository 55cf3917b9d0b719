"""Training (checkpoints, resume, determinism) and evaluation outputs, on the small archive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cmr_search.cli import app
from cmrclip.data import PairSet, load_pairs
from cmrclip.evaluate import eval_data
from cmrclip.registry import get_config
from cmrclip.train import TrainConfig, train


@pytest.fixture(scope="module")
def pairs(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> PairSet:
    cache = tmp_path_factory.mktemp("clips")
    return load_pairs(archive, get_config("tiny").clip_spec, cache, workers=1)


def test_pairs_have_clips_and_impressions(pairs: PairSet,
                                          ground_truth: list[dict[str, Any]]) -> None:
    assert len(pairs) == 5  # the study without a report is left out
    assert pairs.cine.shape[1:] == (7, 16, 64, 64)
    assert all(text for text in pairs.texts)


def test_training_checkpoints_resumes_and_repeats(archive: Path, pairs: PairSet,
                                                  tmp_path: Path) -> None:
    config = TrainConfig(archive=archive, out=tmp_path / "a", epochs=2, batch_size=4,
                         validation=0.3, seed=3)
    first = train(config, pairs=pairs)
    assert (tmp_path / "a" / "last" / "weights.safetensors").exists()
    assert (tmp_path / "a" / "best" / "model_card.json").exists()
    again = train(TrainConfig(archive=archive, out=tmp_path / "b", epochs=2, batch_size=4,
                              validation=0.3, seed=3), pairs=pairs)
    assert [h.loss for h in again] == pytest.approx([h.loss for h in first], rel=1e-4)
    resumed = train(TrainConfig(archive=archive, out=tmp_path / "a", epochs=3, batch_size=4,
                                validation=0.3, seed=3, resume=True), pairs=pairs)
    assert [h.epoch for h in resumed] == [0, 1, 2]
    card = json.loads((tmp_path / "a" / "last" / "model_card.json").read_text())
    assert card["training"]["split"] == "by patient" and card["training"]["seed"] == 3


def test_eval_queries_are_paraphrases_with_the_same_meaning(archive: Path,
                                                            pairs: PairSet) -> None:
    data = eval_data(archive, pairs, seed=1)
    assert data.label_source == "ground truth"
    assert len(data.queries) == len(pairs) and set(data.labels) and data.signature
    assert any(q != t for q, t in zip(data.queries, pairs.texts, strict=True))


def test_eval_command_writes_json_markdown_and_roc(archive: Path, pairs: PairSet,
                                                   tmp_path: Path, monkeypatch: Any) -> None:
    checkpoint = tmp_path / "run"
    train(TrainConfig(archive=archive, out=checkpoint, epochs=1, batch_size=4,
                      validation=0.3, seed=1), pairs=pairs)
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "1")
    result = CliRunner().invoke(app, ["eval", str(archive), "--checkpoint",
                                      str(checkpoint / "best"), "--json",
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


def test_a_tampered_checkpoint_is_refused_in_one_line(archive: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nothing"
    missing.mkdir()
    result = CliRunner().invoke(app, ["eval", str(archive), "--checkpoint", str(missing)])
    assert result.exit_code == 1 and "model card" in result.output
