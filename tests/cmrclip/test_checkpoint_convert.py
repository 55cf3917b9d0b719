"""A released model converted to a checkpoint: safetensors, tokenizer files, a model card; the
same identity as the release it came from, so an index built from one is served by the other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from fakes.published import MINI

from cmrclip.checkpoint import (
    CheckpointError,
    convert_release,
    load_checkpoint,
    read_identity,
    save_checkpoint,
)
from cmrclip.published import PublishedCMRClip


def _video(model: object) -> torch.Tensor:
    assert isinstance(model, PublishedCMRClip)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        return model.encode_video(torch.rand(1, 7, 4, 32, 32, generator=g),
                                  torch.ones(1, 7, dtype=torch.bool),
                                  torch.rand(1, 2, 2, 32, 32, generator=g),
                                  torch.ones(1, 2, dtype=torch.bool))[0]


def test_the_copy_keeps_the_identity_and_the_outputs(mini_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "converted"
    identity = convert_release(mini_release, out)
    assert identity == read_identity(mini_release)
    assert {p.name for p in out.iterdir()} == {"weights.safetensors", "model_card.json",
                                               "vocab.txt", "config.json"}
    card = json.loads((out / "model_card.json").read_text())
    assert card["identity"] == identity.as_dict() and card["architecture"] == MINI.name
    assert card["converted_from"]["file"] == "pytorch_model.bin"
    assert "MIT" in card["licence"] and card["weights_file_sha256"] != identity.weights_sha256
    model, loaded = load_checkpoint(out)
    assert loaded == identity and read_identity(out) == identity
    assert torch.allclose(_video(model), _video(load_checkpoint(mini_release)[0]))


def test_a_tampered_copy_is_refused(mini_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "converted"
    convert_release(mini_release, out)
    weights = out / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-4] + b"\x00" * 4)
    with pytest.raises(CheckpointError, match="does not match the model card"):
        load_checkpoint(out)


def test_a_published_model_saves_with_its_tokenizer(mini_release: Path, tmp_path: Path) -> None:
    model, _ = load_checkpoint(mini_release)
    assert isinstance(model, PublishedCMRClip)
    identity = save_checkpoint(model, tmp_path / "saved", {"note": "test"})
    assert (tmp_path / "saved" / "vocab.txt").read_bytes() == \
        (mini_release / "vocab.txt").read_bytes()
    again, loaded = load_checkpoint(tmp_path / "saved")
    assert loaded == identity and torch.allclose(_video(again), _video(model))


def test_a_folder_that_is_neither_says_so(tmp_path: Path) -> None:
    (tmp_path / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"no model card .* nor a released model"):
        load_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="not a folder"):
        read_identity(tmp_path / "nowhere")
