"""`cmr-search index` with a segmentation checkpoint that cannot be used: one line before any
study is read (it indexed every study as "measure_failed", exit 0, no reason shown)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes.segment import tiny_checkpoint
from typer.testing import CliRunner

from cli.main import app
from indexer.measure import SegmentationUnavailableError, checked_segmentation
from segment.checkpoint import WEIGHTS, update_card
from segment.paths import CARD

FIX = "set CMR_SEARCH_SEGMENTATION_CHECKPOINT or CMR_SEARCH_MEASURE=0"


def _truncated(folder: Path, checksum: bool) -> Path:
    data = (folder / WEIGHTS).read_bytes()
    (folder / WEIGHTS).write_bytes(data[: len(data) // 2])
    if not checksum:
        card = json.loads((folder / CARD).read_text())
        del card["weights_sha256"]
        (folder / CARD).write_text(json.dumps(card))
    return folder


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda f: _truncated(f, checksum=True), "SHA-256"),
    (lambda f: _truncated(f, checksum=False), "damaged weights file"),
    (lambda f: update_card(f, train_recipe={}, steps=1), "not calibrated"),
    (lambda f: (f / CARD).write_text("{"), "not a segmentation checkpoint"),
])
def test_an_unusable_checkpoint_is_refused_in_one_line(
        tmp_path: Path, damage: Callable[[Path], object], reason: str) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    damage(folder)
    with pytest.raises(SegmentationUnavailableError) as error:
        checked_segmentation(folder, tta=False)
    message = str(error.value)
    assert "\n" not in message and reason in message and message.endswith(FIX)
    assert message.startswith(str(folder))


def test_the_model_is_loaded_once_up_front(tmp_path: Path) -> None:
    from indexer.measure import _LOADED

    folder = tiny_checkpoint(tmp_path / "ck")
    model = checked_segmentation(folder, tta=False)
    assert (str(folder), False) in _LOADED
    assert model.load() is _LOADED[(str(folder), False)]  # the workers in this process reuse it


def test_index_stops_before_any_study_with_a_damaged_checkpoint(tmp_path: Path) -> None:
    folder = _truncated(tiny_checkpoint(tmp_path / "ck"), checksum=False)
    (tmp_path / "archive").mkdir()
    result = CliRunner().invoke(app, ["index", str(tmp_path / "archive")],
                                env={"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"),
                                     "CMR_SEARCH_SEGMENTATION_CHECKPOINT": str(folder)})
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert f"{folder / WEIGHTS}: damaged weights file" in result.output


@pytest.mark.parametrize("missing", ["no folder", "no weights"])
def test_missing_weights_with_two_workers_fail_once_before_any_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    """QA saw one error per worker: the checkpoint is checked once, in this process, and the
    run stops in one line naming it and the fix before an engine or a worker starts."""
    import cli.index

    def no_engine(*args: object) -> None:
        raise AssertionError("an engine was started")

    monkeypatch.setattr(cli.index, "_engine", no_engine)
    folder = tmp_path / "ck"
    if missing == "no weights":
        tiny_checkpoint(folder)
        (folder / WEIGHTS).unlink()
    (tmp_path / "archive").mkdir()
    result = CliRunner().invoke(app, ["index", str(tmp_path / "archive")],
                                env={"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"),
                                     "CMR_SEARCH_WORKERS": "2",
                                     "CMR_SEARCH_SEGMENTATION_CHECKPOINT": str(folder)})
    assert result.exit_code == 1, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {folder}") and line.endswith(FIX)
