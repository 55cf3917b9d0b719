"""Training: a few steps on hand-drawn label slabs, checkpoint with card, resume."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from fakes.segment import label_slab
from safetensors.torch import load_file

from segment.checkpoint import WEIGHTS, CheckpointError, load_checkpoint
from segment.model import build_model
from segment.paths import CARD
from segment.synth import SynthRecipe
from segment.train import TrainRecipe, _widened, train


def _slabs(seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    while True:
        yield np.roll(label_slab(), int(rng.integers(-5, 6)), axis=2)


def _recipe(iterations: int) -> TrainRecipe:
    return TrainRecipe(config="sax-dynunet8", iterations=iterations, batch=2, warmup=1,
                       reuse=2, shuffle_buffer=2, workers=0, synth=SynthRecipe(crop=64))


def test_train_writes_a_card_and_resumes(tmp_path: Path) -> None:
    out = train(_slabs, tmp_path / "ck", _recipe(2), label_recipe={"source": "test slabs"})
    card = json.loads((out / CARD).read_text())
    assert card["steps"] == 2 and "no real images" in card["training_data"]
    assert card["label_recipe"] == {"source": "test slabs"}
    train(_slabs, out, _recipe(4), resume=True)  # a longer run carries on from step 2
    card = json.loads((out / CARD).read_text())
    assert card["steps"] == 4 and card["schedule_changes"] == [{"at_step": 2, "from": 2,
                                                                "to": 4}]
    other = _recipe(5)
    with pytest.raises(ValueError, match="another recipe"):
        train(_slabs, out, TrainRecipe(**{**other.__dict__, "lr": 1e-3}), resume=True)
    with pytest.raises(CheckpointError, match="not calibrated; run cmr-search calibrate-seg"):
        load_checkpoint(out)  # a run's checkpoint is used only once calibrated
    model, config, _ = load_checkpoint(out, calibrated=False)
    assert config.name == "sax-dynunet8" and not model.training


def test_deep_supervision_trains_and_a_run_can_start_from_other_weights(tmp_path: Path) -> None:
    deep = TrainRecipe(**{**_recipe(2).__dict__, "config": "sax-dynunet16-ds"})
    first = train(_slabs, tmp_path / "ds", deep)
    model, config, _ = load_checkpoint(first, calibrated=False)
    assert config.deep_supervision == 2
    with torch.no_grad():  # inference reads the full-resolution head only
        assert model(torch.zeros(1, 1, 64, 64)).shape == (1, config.n_classes, 64, 64)
    plain = TrainRecipe(**{**_recipe(1).__dict__, "config": "sax-dynunet16"})
    second = train(_slabs, tmp_path / "fine", plain, init=first)
    card = json.loads((second / CARD).read_text())
    assert card["initialised_from"] == str(first) and card["steps"] == 1


def test_a_2d_network_fine_tuned_into_2_5d_starts_as_the_network_it_was(tmp_path: Path) -> None:
    flat = train(_slabs, tmp_path / "2d", _recipe(1))
    model, config, _ = load_checkpoint(flat, calibrated=False)
    wide_config = replace(config, context=1)
    wide = build_model(wide_config)
    state = _widened(load_file(str(flat / WEIGHTS)), wide)
    wide.load_state_dict(state, strict=False)  # DynUNet keeps its skip layers twice
    wide.eval()
    x = torch.rand(1, 1, 64, 64)
    neighbours = torch.cat([torch.rand(1, 1, 64, 64), x, torch.rand(1, 1, 64, 64)], dim=1)
    with torch.no_grad():
        torch.testing.assert_close(wide(neighbours), model(x), atol=1e-5, rtol=1e-4)
    key = "input_block.conv1.conv.weight"  # two input channels fit neither 1 nor 3
    with pytest.raises(ValueError, match=f"{key}: saved shape"):
        _widened({key: torch.zeros(8, 2, 3, 3)}, wide)


def test_starting_from_damaged_weights_is_one_line_naming_the_file(tmp_path: Path) -> None:
    """`train-seg --init` with a truncated file was a `safetensors.SafetensorError` traceback."""
    from fakes.segment import tiny_checkpoint

    init = tiny_checkpoint(tmp_path / "init")
    data = (init / WEIGHTS).read_bytes()
    (init / WEIGHTS).write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"SHA-256 .* does not match") as checked:
        train(_slabs, tmp_path / "ck", _recipe(1), init=init)
    (init / CARD).unlink()  # bare weights: safetensors meets the damage itself
    with pytest.raises(CheckpointError) as damaged:
        train(_slabs, tmp_path / "ck", _recipe(1), init=init)
    for error in (checked, damaged):
        assert str(error.value).startswith(f"{init / WEIGHTS}: ")
        assert "\n" not in str(error.value)
    assert "damaged weights file" in str(damaged.value)
