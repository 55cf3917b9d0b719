"""A released model's folder: read safely, checked key by key, its file's SHA-256 the identity;
every bad file refused with one line that names it and the first wrong key."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from fakes.published import MINI, release_config
from safetensors.torch import save_file

from cmrclip.checkpoint import load_checkpoint, read_identity
from cmrclip.published import PublishedCMRClip
from cmrclip.release import is_release, load_release
from cmrclip.types import CheckpointError


def _outputs(model: PublishedCMRClip) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    inputs = (torch.rand(2, 7, 4, 32, 32, generator=g), torch.ones(2, 7, dtype=torch.bool),
              torch.rand(2, 2, 2, 32, 32, generator=g), torch.ones(2, 2, dtype=torch.bool))
    with torch.no_grad():
        return model.encode_video(*inputs)[0], model.encode_text(["dilated lv", "normal study"])


@pytest.fixture
def release(mini_release: Path, tmp_path: Path) -> Path:
    """A copy of the session's release that a test may spoil."""
    return Path(shutil.copytree(mini_release, tmp_path / "release"))


def _state(folder: Path) -> OrderedDict[str, torch.Tensor]:
    return OrderedDict(torch.load(folder / "pytorch_model.bin", weights_only=True))


def test_a_release_loads_with_its_file_digest_as_identity(release: Path) -> None:
    model, identity = load_checkpoint(release)
    assert isinstance(model, PublishedCMRClip) and is_release(release)
    digest = hashlib.sha256((release / "pytorch_model.bin").read_bytes()).hexdigest()
    assert identity.weights_sha256 == digest and identity.architecture == MINI.name
    assert identity.clip_spec_version == MINI.clip_spec.version
    assert read_identity(release) == identity  # without loading the weights
    again, _ = load_release(release)
    for a, b in zip(_outputs(model), _outputs(again), strict=True):
        assert torch.allclose(a, b)


def test_safetensors_and_wrapped_training_checkpoints_load_the_same_model(release: Path,
                                                                          tmp_path: Path) -> None:
    expected = _outputs(load_release(release)[0])
    state = _state(release)
    (release / "pytorch_model.bin").unlink()
    save_file(dict(state), str(release / "model.safetensors"))
    assert torch.allclose(_outputs(load_release(release)[0])[0], expected[0])
    (release / "model.safetensors").unlink()
    # a DataParallel training checkpoint: state dict inside, "module." on every key, fp16
    wrapped = {"state_dict": {f"module.{k}": v.half() for k, v in state.items()}, "epoch": 3}
    torch.save(wrapped, release / "pytorch_model.bin")
    assert torch.allclose(_outputs(load_release(release)[0])[0], expected[0], atol=5e-2)


def _refused(folder: Path) -> str:
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(folder)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_missing_or_wrongly_shaped_key_is_named(release: Path) -> None:
    state = _state(release)
    del state["video_model.blocks.1.timeattn.qkv.bias"]
    torch.save(state, release / "pytorch_model.bin")
    assert _refused(release) == (
        f"{release / 'pytorch_model.bin'}: key 'video_model.blocks.1.timeattn.qkv.bias' is "
        f"missing ({MINI.name} expects shape (96,); 1 missing in all)")
    state = _state(release)  # the same file, read again: still missing
    state["video_model.blocks.1.timeattn.qkv.bias"] = torch.zeros(96)
    state["txt_proj.1.weight"] = torch.zeros(16, 33)
    torch.save(state, release / "pytorch_model.bin")
    assert _refused(release).endswith(
        "key 'txt_proj.1.weight' has shape (16, 33), cmrclip-published-mini expects (16, 32)")
    state["txt_proj.1.weight"] = torch.zeros(16, 32)
    state["head.weight"] = torch.zeros(3)
    torch.save(state, release / "pytorch_model.bin")
    assert "unexpected key 'head.weight'" in _refused(release)


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("this must never run",))


def test_a_pickle_that_is_not_a_plain_state_dict_is_refused(release: Path) -> None:
    weights = release / "pytorch_model.bin"
    torch.save({"video_model.cls_token": _Payload()}, weights)
    message = _refused(release)
    assert message.startswith(f"{weights}: not a plain state dict; the safe loader refused it")
    assert "Unsupported global" in message
    torch.save([torch.zeros(2)], weights)
    assert _refused(release) == f"{weights}: holds a list, not a state dict"
    torch.save({"video_model.cls_token": 3}, weights)
    assert _refused(release) == f"{weights}: key 'video_model.cls_token' holds a int, not a tensor"
    weights.write_bytes(b"not a weights file at all")
    assert _refused(release).startswith(f"{weights}: not a plain state dict")
    # damaged pickles tripped the unpickler into a traceback ("pop from empty list")
    for damaged in (b"\x80\x02R.", b"hello world\n"):
        weights.write_bytes(damaged)
        assert _refused(release) == (f"{weights}: not a PyTorch weights file (damaged: the "
                                     "unpickler failed)")
    weights.write_bytes(b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n")
    assert _refused(release) == f"{weights}: a Git LFS pointer, not the weights (git lfs pull)"


def test_config_vocab_and_weights_files_are_checked(release: Path) -> None:
    config = release / "config.json"
    config.write_text(json.dumps(release_config(frames=64)))
    assert _refused(release) == (f"{config}: video_params.num_frames is 64; "
                                 f"{MINI.name} has 8")
    config.write_text(json.dumps(release_config(architecture="tiny")))
    assert "is not a released-model layout" in _refused(release)
    config.write_text("{")
    assert _refused(release).startswith(f"{config}: unreadable")
    config.write_text(json.dumps(release_config()))
    (release / "vocab.txt").unlink()
    assert "vocab.txt: missing" in _refused(release)
    (release / "vocab.txt").write_text("\n".join(f"w{i}" for i in range(500)))
    assert "500 WordPieces, the text tower has 96 embeddings" in _refused(release)
    (release / "pytorch_model.bin").unlink()
    assert _refused(release) == f"{release}: no pytorch_model.bin or .safetensors weights file"
