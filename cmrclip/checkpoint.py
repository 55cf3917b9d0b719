"""Checkpoints: safetensors weights plus a JSON model card that pins the model's identity.

A folder as the released CMR-CLIP model page ships it (`pytorch_model.bin`, `config.json`,
`vocab.txt`) loads too (`cmrclip.release`); `convert_release` turns it into a checkpoint.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from cmrclip.model import ClipModel, create_model
from cmrclip.published import VOCAB, PublishedCMRClip, vocab_digest
from cmrclip.registry import SPACE_TIME, get_config
from cmrclip.release import (
    file_digest,
    is_release,
    load_release,
    load_weights,
    open_release,
    release_identity,
)
from cmrclip.text import TextTower, folder_digest
from cmrclip.types import CheckpointError, MissingCheckpointError, ModelIdentity

WEIGHTS = "weights.safetensors"
CARD = "model_card.json"
DEMO_CHECKPOINT = Path(__file__).parent / "checkpoints" / "tiny-demo"
_TOKENIZER_FILES = (VOCAB, "tokenizer_config.json")

__all__ = ["CARD", "DEMO_CHECKPOINT", "WEIGHTS", "CheckpointError", "MissingCheckpointError",
           "checkpoint_folder", "convert_release", "load_checkpoint", "read_card",
           "read_identity", "save_checkpoint"]


def checkpoint_folder(configured: Path | None) -> Path:
    """The checkpoint folder configured, or the demo checkpoint shipped with the package; a
    folder that is not there is a `MissingCheckpointError`, which the caller words (it knows
    whether a setting or an option named it)."""
    if configured is None:
        return DEMO_CHECKPOINT
    if not configured.is_dir():
        raise MissingCheckpointError(configured)
    return configured


def _aliases(model: ClipModel) -> set[str]:
    """State keys naming a tensor an earlier key already names (MONAI's DynUNet reaches its
    encoder twice); safetensors stores a tensor once, and loading the first key fills both."""
    seen: set[tuple[int, tuple[int, ...]]] = set()
    out = set()
    for key, value in model.state_dict().items():
        ident = (value.data_ptr(), tuple(value.shape))
        if ident in seen and value.numel():
            out.add(key)
        seen.add(ident)
    return out


def _trainable_state(model: ClipModel) -> dict[str, Any]:
    state = model.state_dict()
    if not model.config.text_trainable:
        state = {k: v for k, v in state.items() if not k.startswith("text.")}
    aliases = _aliases(model)
    return {k: v.detach().contiguous().cpu() for k, v in state.items() if k not in aliases}


def _write_weights(state: dict[str, Any], folder: Path) -> str:
    """weights.safetensors (written aside, then moved in place); its SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (WEIGHTS + ".partial")
    save_file(state, str(partial))
    partial.replace(folder / WEIGHTS)
    return file_digest(folder / WEIGHTS)


def write_card(folder: Path, card: dict[str, Any]) -> None:
    """Write a model card (a temporary file first, so a crash leaves the old card)."""
    tmp = folder / (CARD + ".partial")
    tmp.write_text(json.dumps(card, indent=2, default=str), encoding="utf-8")
    tmp.replace(folder / CARD)


def _copy_tokenizer(source: Path | None, folder: Path) -> None:
    """The released model's tokenizer files travel with its checkpoint."""
    for name in _TOKENIZER_FILES:
        if source is not None and (source / name).is_file() and \
                (source / name).resolve() != (folder / name).resolve():
            shutil.copyfile(source / name, folder / name)


def save_checkpoint(model: ClipModel, folder: Path, card: dict[str, Any]) -> ModelIdentity:
    """Write weights and card atomically-enough (weights first, card last)."""
    digest = _write_weights(_trainable_state(model), folder)
    if isinstance(model, PublishedCMRClip):
        _copy_tokenizer(model.tokenizer_folder, folder)
        text_digest = vocab_digest(folder)
    else:
        text_digest = folder_digest(model.text.folder)
    identity = ModelIdentity(model.config.name, digest, model.config.embed_dim,
                             model.config.clip_spec.version, text_digest)
    write_card(folder, {**card, "architecture": model.config.name,
                        "config": model.config.as_dict(), "identity": identity.as_dict(),
                        "text_tower_folder": str(model.text.folder)})
    return identity


def convert_release(source: Path, folder: Path) -> ModelIdentity:
    """A released model folder as a checkpoint: weights.safetensors, its tokenizer files and a
    model card. The identity stays the released file's SHA-256, so an index built from the
    release is served by the copy; the card also pins the copy's own checksum."""
    release = open_release(source)
    model, identity = load_release(source)
    digest = _write_weights({k: v.contiguous() for k, v in model.state_dict().items()}, folder)
    _copy_tokenizer(source, folder)
    shutil.copyfile(source / "config.json", folder / "config.json")
    write_card(folder, {
        "architecture": identity.architecture, "config": model.config.as_dict(),
        "identity": identity.as_dict(), "weights_file_sha256": digest,
        "converted_from": {"folder": str(source.resolve()), "file": release.weights.name,
                           "sha256": identity.weights_sha256},
        "converted_at": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "model": "CMR-CLIP (Nakashima et al.), released weights: model page makiyeah/CMRCLIP, "
                 "code Makiya11/CMRCLIP",
        "licence": "MIT (the released weights and code)",
        "intended_use": "case retrieval and zero-shot finding scores on cardiac MRI studies; "
                        "research use, not a diagnosis",
        "input": "one 64-frame grey study video at 224 px (cine long axis, mid short axis, "
                 "LGE short-axis stack, LGE long axis), ImageNet normalisation",
    })
    return identity


def read_card(folder: Path) -> dict[str, Any]:
    path = folder / CARD
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: not a folder")
    if not path.exists():
        raise CheckpointError(f"{folder}: no model card ({CARD}) and no config.json: neither "
                              "a checkpoint nor a released model")
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: unreadable model card ({error})") from error


def read_identity(folder: Path) -> ModelIdentity:
    """The identity a checkpoint's card records, without loading its weights (fast); for a
    released model's folder, the SHA-256 of its weights file (seconds for 893 MB)."""
    if is_release(folder):
        return release_identity(open_release(folder), remembered=True)
    card = read_card(folder)
    try:
        return ModelIdentity(**card["identity"])
    except (KeyError, TypeError) as error:
        raise CheckpointError(f"{folder / CARD}: no model identity ({error})") from error
    except CheckpointError as error:
        raise CheckpointError(f"{folder / CARD}: identity.{error}") from error


def load_checkpoint(folder: Path,
                    text: TextTower | None = None) -> tuple[ClipModel, ModelIdentity]:
    """The model saved in `folder` (or a released model's folder); refuses weights whose
    checksum differs from the card's and weights that do not fit the architecture."""
    if is_release(folder):
        return load_release(folder)
    card = read_card(folder)
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise CheckpointError(f"{weights}: missing")
    digest = file_digest(weights)
    identity = read_identity(folder)
    expected = str(card.get("weights_file_sha256", identity.weights_sha256))
    if digest != expected:
        raise CheckpointError(f"{weights}: SHA-256 {digest[:12]} does not match the model card "
                              f"({expected[:12]})")
    try:
        config = get_config(identity.architecture)
    except ValueError as error:
        raise CheckpointError(f"{folder / CARD}: {error}") from None
    if config.video.kind == SPACE_TIME:
        return load_weights(weights, config, folder), identity
    model, _ = create_model(identity.architecture, text)
    missing, unexpected = model.load_state_dict(load_file(str(weights)), strict=False)
    aliases = _aliases(model)
    missing = [k for k in missing if not k.startswith("text.") and k not in aliases]
    if missing or unexpected:
        raise CheckpointError(f"{weights}: does not fit architecture {identity.architecture!r} "
                              f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    model.eval()
    return model, identity
