"""Segmentation checkpoints: the weights' checksum, damaged weights and unfinished runs are
refused in one line naming the file; the shipped checkpoint loads as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.segment import tiny_checkpoint

from segment.checkpoint import (
    WEIGHTS,
    CheckpointError,
    load_checkpoint,
    update_card,
    weights_digest,
)
from segment.paths import CARD, DEFAULT_CHECKPOINT


def _card(folder: Path) -> dict[str, object]:
    return dict(json.loads((folder / CARD).read_text()))


def _one_line(error: pytest.ExceptionInfo[CheckpointError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_saving_records_the_weights_checksum_and_loading_checks_it(tmp_path: Path) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    card = _card(folder)
    assert card["weights_sha256"] == weights_digest(folder / WEIGHTS)
    load_checkpoint(folder)
    data = bytearray((folder / WEIGHTS).read_bytes())
    data[-5] ^= 0xFF  # a flipped bit in the tensors: safetensors itself reads it happily
    (folder / WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(folder)
    assert _one_line(error).startswith(f"{folder / WEIGHTS}: SHA-256")
    assert "does not match the model card" in str(error.value)


def test_update_card_keeps_the_checksum(tmp_path: Path) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    digest = _card(folder)["weights_sha256"]
    update_card(folder, inference={"spacing_mm": 1.2, "why": "test"})
    assert _card(folder)["weights_sha256"] == digest
    load_checkpoint(folder)


@pytest.mark.parametrize("cut", [0, 10, 0.5])
def test_truncated_weights_are_one_line_naming_the_file(tmp_path: Path, cut: float) -> None:
    """It was a `safetensors.SafetensorError` traceback (`segment`, `calibrate-seg`)."""
    folder = tiny_checkpoint(tmp_path / "ck")
    data = (folder / WEIGHTS).read_bytes()
    (folder / WEIGHTS).write_bytes(data[:int(cut * len(data)) if cut < 1 else int(cut)])
    card = _card(folder)
    del card["weights_sha256"]  # as a card without one: safetensors meets the damage itself
    (folder / CARD).write_text(json.dumps(card))
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(folder)
    assert _one_line(error).startswith(f"{folder / WEIGHTS}: damaged weights file")


def test_a_card_without_a_checksum_still_loads(tmp_path: Path) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    card = _card(folder)
    del card["weights_sha256"]
    (folder / CARD).write_text(json.dumps(card))
    assert load_checkpoint(folder)[2].get("weights_sha256") is None


def test_the_shipped_checkpoint_loads_unchanged() -> None:
    """Its card has no checksum (written before there was one) and is calibrated."""
    before = {p.name: p.read_bytes() for p in DEFAULT_CHECKPOINT.iterdir()}
    _, _, card = load_checkpoint(DEFAULT_CHECKPOINT)
    assert "weights_sha256" not in card and card["calibration"]
    assert "train_recipe" in card  # a training run's card: calibrated, so it is used
    assert {p.name: p.read_bytes() for p in DEFAULT_CHECKPOINT.iterdir()} == before


def test_an_uncalibrated_run_is_refused_unless_the_calibration_loads_it(tmp_path: Path) -> None:
    """A run stopped before its calibration measured an LVEDV of 2616 ml, with exit 0."""
    folder = tiny_checkpoint(tmp_path / "ck")
    update_card(folder, train_recipe={"iterations": 1}, steps=1)  # as `segment.train` writes
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(folder)
    message = _one_line(error)
    assert message.startswith(f"{folder / CARD}: not calibrated; run cmr-search calibrate-seg")
    load_checkpoint(folder, calibrated=False)
    update_card(folder, calibration={"log_prior_offsets": {"lv_myocardium": 0.0}})
    load_checkpoint(folder)
