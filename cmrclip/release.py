"""The released CMR-CLIP weights as the model page ships them, read safely and checked.

A release folder holds `pytorch_model.bin` (or one `.safetensors` file), the model's
`config.json` and the tokenizer's `vocab.txt`. The weights are read without unpickling
arbitrary objects (`torch.load(weights_only=True)`), checked key by key against the registered
architecture (the first wrong key is named), and the file's SHA-256 is the model's identity.
"""

from __future__ import annotations

import functools
import json
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import Tensor

from cmr_search.digest import file_sha256
from cmrclip.published import PublishedCMRClip, build_published, vocab_digest
from cmrclip.registry import SPACE_TIME, ModelConfig, get_config
from cmrclip.types import CheckpointError, ModelIdentity

CONFIG = "config.json"
PICKLE = "pytorch_model.bin"
DEFAULT_ARCHITECTURE = "cmrclip-published"
# buffers older transformers versions saved that the model rebuilds itself
_IGNORED = ("text_model.embeddings.position_ids",)


@dataclass(frozen=True)
class Release:
    """A release folder, understood: its weights file and the architecture it fits."""

    folder: Path
    weights: Path
    config: ModelConfig


def is_release(folder: Path) -> bool:
    """A folder as the model page ships it: config.json beside the weights, no model card."""
    return (folder / CONFIG).is_file() and not (folder / "model_card.json").exists()


def open_release(folder: Path) -> Release:
    """Its weights file and architecture, from config.json; one-line errors."""
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: not a folder")
    config = _architecture(folder / CONFIG)
    tensors = sorted(folder.glob("*.safetensors"))
    if len(tensors) > 1:
        raise CheckpointError(f"{folder}: {len(tensors)} .safetensors files; keep one")
    weights = tensors[0] if tensors else folder / PICKLE
    if not weights.is_file():
        raise CheckpointError(f"{folder}: no {PICKLE} or .safetensors weights file")
    if not (folder / "vocab.txt").is_file():
        raise CheckpointError(f"{folder / 'vocab.txt'}: missing (the tokenizer's vocabulary "
                              "comes with the weights)")
    return Release(folder, weights, config)


def _field(data: dict[str, Any], path: str, default: Any = None) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part, default) if isinstance(value, dict) else default
    return value


def _architecture(path: Path) -> ModelConfig:
    """The registered architecture config.json describes (video frames, joint size)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: unreadable ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("video_params"), dict):
        raise CheckpointError(f"{path}: not a CMR-CLIP config (no video_params)")
    name = data.get("architecture", DEFAULT_ARCHITECTURE)  # ours; absent from the release
    try:
        config = get_config(str(name))
    except ValueError as error:
        raise CheckpointError(f"{path}: {error}") from None
    if config.video.kind != SPACE_TIME:
        raise CheckpointError(f"{path}: architecture {name!r} is not a released-model layout")
    checks = (("video_params.num_frames", config.video.frames, None),
              ("projection_dim", config.embed_dim, 512),
              ("video_params.model", "SpaceTimeTransformer", "SpaceTimeTransformer"),
              ("projection", "minimal", "minimal"))
    for field, expected, default in checks:
        found = _field(data, field, default)
        if found != expected:
            raise CheckpointError(f"{path}: {field} is {found!r}; {name} has {expected!r}")
    return config


def read_state_dict(path: Path) -> dict[str, Any]:
    """The tensors in a weights file, read safely (no arbitrary objects unpickled)."""
    if path.suffix == ".safetensors":
        try:
            return dict(load_file(str(path)))
        except (SafetensorError, OSError) as error:
            raise CheckpointError(f"{path}: not a safetensors file ({_first_line(error)})") \
                from None
    with path.open("rb") as head:
        if head.read(40).startswith(b"version https://git-lfs"):
            raise CheckpointError(f"{path}: a Git LFS pointer, not the weights (git lfs pull)")
    try:  # the zip format maps the file instead of reading 893 MB into memory
        loaded = torch.load(path, map_location="cpu", weights_only=True,
                            mmap=zipfile.is_zipfile(path))
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"{path}: not a plain state dict; the safe loader refused it "
                              f"({_refusal(error)})") from None
    # a damaged pickle fails inside the unpickler as whatever it tripped on ("pop from empty
    # list", "KeyError: 101"): a traceback before
    except (RuntimeError, OSError, EOFError, ValueError) as error:
        raise CheckpointError(f"{path}: not a PyTorch weights file ({_first_line(error)})") \
            from None
    except (IndexError, KeyError, TypeError, AttributeError, struct.error):
        raise CheckpointError(f"{path}: not a PyTorch weights file (damaged: the unpickler "
                              "failed)") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        loaded = loaded["state_dict"]  # a training checkpoint saved with its state dict inside
    if not isinstance(loaded, dict):
        raise CheckpointError(f"{path}: holds a {type(loaded).__name__}, not a state dict")
    if loaded and all(str(k).startswith("module.") for k in loaded):
        loaded = {str(k).removeprefix("module."): v for k, v in loaded.items()}  # DataParallel
    return dict(loaded)


def _refusal(error: BaseException) -> str:
    """The reason in torch's multi-line refusal ("Unsupported global: ...")."""
    for line in str(error).splitlines():
        if "Unsupported" in line or "WeightsUnpickler error" in line:
            reason = line.split("error:", 1)[-1].split(". Please")[0].strip()
            if not reason:  # "WeightsUnpickler error: " with the reason lines below
                continue
            return reason if len(reason) <= 160 else reason[:157] + "..."
    return _first_line(error) if str(error).strip() else "damaged or not a pickle"


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _shape(shape: Any) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def check_state_dict(state: dict[str, Any], expected: dict[str, torch.Size], path: Path,
                     architecture: str) -> dict[str, Tensor]:
    """`state` as float32 tensors, if it has exactly `expected`'s keys and shapes; else a
    one-line CheckpointError naming the first wrong key."""
    state = {k: v for k, v in state.items() if k not in _IGNORED}
    for key, value in state.items():
        if not isinstance(value, Tensor):
            raise CheckpointError(f"{path}: key {key!r} holds a {type(value).__name__}, "
                                  "not a tensor")
    for key, shape in expected.items():
        if key not in state:
            missing = sum(k not in state for k in expected)
            raise CheckpointError(f"{path}: key {key!r} is missing ({architecture} expects "
                                  f"shape {_shape(shape)}; {missing} missing in all)")
        if tuple(state[key].shape) != tuple(shape):
            raise CheckpointError(f"{path}: key {key!r} has shape {_shape(state[key].shape)}, "
                                  f"{architecture} expects {_shape(shape)}")
    extra = [k for k in state if k not in expected]
    if extra:
        raise CheckpointError(f"{path}: unexpected key {extra[0]!r} (not part of "
                              f"{architecture}; {len(extra)} unexpected in all)")
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def expected_shapes(config: ModelConfig) -> dict[str, torch.Size]:
    """Every key and shape of the architecture's state dict (built on the meta device)."""
    model = build_published(config, device="meta")
    return {k: v.shape for k, v in model.state_dict().items()}


def file_digest(path: Path, remembered: bool = False) -> str:
    """SHA-256 of a file; `remembered`: computed once while its size and modification time
    stay the same (a readiness probe asks for a release's identity often; 893 MB take seconds).
    Loading weights always reads the file afresh."""
    if not remembered:
        return _sha256(path)
    stat = path.stat()
    return _remembered(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _remembered(path: Path, size: int, mtime_ns: int) -> str:
    return _sha256(path)


def _sha256(path: Path) -> str:
    return file_sha256(path)


def release_identity(release: Release, remembered: bool = False) -> ModelIdentity:
    """The weights file's SHA-256, the preprocessing and the vocab."""
    config = release.config
    return ModelIdentity(config.name, file_digest(release.weights, remembered),
                         config.embed_dim, config.clip_spec.version,
                         vocab_digest(release.folder))


def load_weights(path: Path, config: ModelConfig, vocab: Path) -> PublishedCMRClip:
    """The released architecture with the checked weights of `path` (tokenizer from `vocab`)."""
    state = check_state_dict(read_state_dict(path), expected_shapes(config), path, config.name)
    model = build_published(config, vocab, device="meta")
    model.load_state_dict(state, assign=True)  # no random init, no second copy
    _rebuild_buffers(model)
    try:
        model.tokenizer()  # a bad vocab.txt fails now, not at the first query
    except (OSError, ValueError) as error:
        raise CheckpointError(_first_line(error)) from None
    return model.eval()


def _rebuild_buffers(model: PublishedCMRClip) -> None:
    """BERT's position and token-type ids are not in a state dict; a meta build leaves them
    empty, so they are made here as BERT makes them."""
    embeddings: Any = model.text_model.embeddings
    ids = torch.arange(embeddings.position_embeddings.num_embeddings).expand((1, -1))
    for name, value in (("position_ids", ids), ("token_type_ids", torch.zeros_like(ids))):
        if name in embeddings._buffers:
            embeddings.register_buffer(name, value, persistent=False)
    left = [n for n, t in (*model.named_parameters(), *model.named_buffers()) if t.is_meta]
    if left:
        raise CheckpointError(f"{model.config.name}: {left[0]} was not loaded")


def load_release(folder: Path) -> tuple[PublishedCMRClip, ModelIdentity]:
    """The released model in `folder` and its identity (the weights file's SHA-256)."""
    release = open_release(folder)
    identity = release_identity(release)
    return load_weights(release.weights, release.config, folder), identity
