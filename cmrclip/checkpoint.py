"""Checkpoints: safetensors weights plus a JSON model card that pins the model's identity."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from cmrclip.model import CMRClip, create_model
from cmrclip.text import TextTower, folder_digest
from cmrclip.types import ModelIdentity

WEIGHTS = "weights.safetensors"
CARD = "model_card.json"
DEMO_CHECKPOINT = Path(__file__).parent / "checkpoints" / "tiny-demo"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message says which file and why."""


def checkpoint_folder(configured: Path | None) -> Path:
    """The checkpoint the settings name, or the demo checkpoint shipped with the package."""
    return configured if configured is not None else DEMO_CHECKPOINT


def _trainable_state(model: CMRClip) -> dict[str, Any]:
    state = model.state_dict()
    if not model.config.text_trainable:
        state = {k: v for k, v in state.items() if not k.startswith("text.")}
    return {k: v.detach().contiguous().cpu() for k, v in state.items()}


def save_checkpoint(model: CMRClip, folder: Path, card: dict[str, Any]) -> ModelIdentity:
    """Write weights and card atomically-enough (weights first, card last)."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / WEIGHTS
    save_file(_trainable_state(model), str(weights))
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    identity = ModelIdentity(model.config.name, digest, model.config.embed_dim,
                             model.config.clip_spec.version, folder_digest(model.text.folder))
    full = {**card, "architecture": model.config.name, "config": model.config.as_dict(),
            "identity": identity.as_dict(), "text_tower_folder": str(model.text.folder)}
    tmp = folder / (CARD + ".partial")
    tmp.write_text(json.dumps(full, indent=2, default=str), encoding="utf-8")
    tmp.replace(folder / CARD)
    return identity


def read_card(folder: Path) -> dict[str, Any]:
    path = folder / CARD
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: unreadable model card ({error})") from error


def read_identity(folder: Path) -> ModelIdentity:
    """The identity a checkpoint's card records, without loading its weights (fast)."""
    try:
        return ModelIdentity(**read_card(folder)["identity"])
    except (KeyError, TypeError) as error:
        raise CheckpointError(f"{folder / CARD}: no model identity ({error})") from error


def load_checkpoint(folder: Path, text: TextTower | None = None) -> tuple[CMRClip, ModelIdentity]:
    """The model saved in `folder`; refuses weights whose checksum differs from the card's."""
    card = read_card(folder)
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise CheckpointError(f"{weights}: missing")
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    identity = ModelIdentity(**card["identity"])
    if digest != identity.weights_sha256:
        raise CheckpointError(f"{weights}: SHA-256 {digest[:12]} does not match the model card "
                              f"({identity.weights_sha256[:12]})")
    model, _ = create_model(identity.architecture, text)
    missing, unexpected = model.load_state_dict(load_file(str(weights)), strict=False)
    missing = [k for k in missing if not k.startswith("text.")]
    if missing or unexpected:
        raise CheckpointError(f"{weights}: does not fit architecture {identity.architecture!r} "
                              f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    model.eval()
    return model, identity
