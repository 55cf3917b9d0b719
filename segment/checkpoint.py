"""Checkpoints: weights as safetensors beside a model card (JSON) that says how they were made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_model, save_model

from cmr_search.digest import file_sha256
from cmr_search.vocab import Structure
from segment.model import SegConfig, build_model
from segment.paths import CARD

WEIGHTS = "model.safetensors"


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be loaded; the message names the file and the reason."""


def label_codes() -> dict[str, int]:
    """Mask label codes by name, as written to JSON sidecars and model cards."""
    return {s.name.lower(): int(s) for s in Structure}


def weights_digest(path: Path) -> str:
    """SHA-256 (hex) of a weights file."""
    return file_sha256(path)


def check_weights(folder: Path, card: dict[str, Any]) -> None:
    """Refuse weights whose SHA-256 differs from the card's `weights_sha256` (a card without
    one, as the shipped card written before it was recorded, is not checked)."""
    expected = card.get("weights_sha256")
    if expected is None:
        return
    weights = folder / WEIGHTS
    try:
        found = weights_digest(weights)
    except OSError as error:
        raise CheckpointError(f"{weights}: cannot be read "
                              f"({error.strerror or type(error).__name__})") from error
    if found != expected:
        raise CheckpointError(f"{weights}: SHA-256 {found[:12]} does not match the model card "
                              f"({str(expected)[:12]}); the weights are damaged or replaced")


def save_checkpoint(folder: Path, model: torch.nn.Module, config: SegConfig,
                    card: dict[str, Any]) -> None:
    """Write weights and card atomically enough for a resumable run (temp file, then rename);
    the card records the weights' SHA-256 (`weights_sha256`), checked when they are loaded."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (WEIGHTS + ".tmp")
    save_model(model, str(tmp))
    tmp.chmod(0o644)
    digest = weights_digest(tmp)
    tmp.replace(folder / WEIGHTS)
    full = {"config": config.as_dict(), "label_codes": label_codes(), **card,
            "weights_sha256": digest}
    (folder / CARD).write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")


# the network grid may be finer than the training grid, never coarser or absurdly fine
_GRID_SHARE = (0.5, 1.0)


def inference_spacing_mm(card: dict[str, Any], config: SegConfig, where: Path) -> float:
    """Pixel size (mm) at which images are presented to the network: the card's
    `inference.spacing_mm` when it has one, else the training grid (`config.spacing_mm`)."""
    value = (card.get("inference") or {}).get("spacing_mm", config.spacing_mm)
    if not isinstance(value, int | float) or not (
            _GRID_SHARE[0] * config.spacing_mm <= value <= _GRID_SHARE[1] * config.spacing_mm):
        raise CheckpointError(f"{where}: inference.spacing_mm {value!r} must lie between "
                              f"{_GRID_SHARE[0]} and {_GRID_SHARE[1]} x the training grid "
                              f"({config.spacing_mm} mm)")
    return float(value)


def update_card(folder: Path, **sections: Any) -> None:
    """Set top-level `sections` of a checkpoint's model card, keeping the rest."""
    path = folder / CARD
    card = json.loads(path.read_text(encoding="utf-8"))
    card.update(sections)
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def write_inference(folder: Path, spacing_mm: float, why: str) -> None:
    """Record in the card the grid (mm per pixel) images are presented to the network at."""
    update_card(folder, inference={"spacing_mm": spacing_mm, "why": why})


def _unfinished(card: dict[str, Any]) -> bool:
    """A card written by a training run (`segment.train`) that was never calibrated: the run
    was stopped before its end, or its calibration has not been run."""
    return "train_recipe" in card and not card.get("calibration")


def load_checkpoint(folder: Path, calibrated: bool = True,
                    ) -> tuple[torch.nn.Module, SegConfig, dict[str, Any]]:
    """The network in eval mode, its config and its card. Refuses weights that differ from
    the card's checksum, and (unless `calibrated` is False, as the calibration itself loads
    it) a trained checkpoint whose calibration is missing."""
    card_path, weights_path = folder / CARD, folder / WEIGHTS
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        raw = dict(card["config"])
        raw["filters"] = tuple(raw["filters"])
        config = SegConfig(**raw)
        model = build_model(config)
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{folder}: not a segmentation checkpoint "
                              f"({type(error).__name__}: {error})") from error
    check_weights(folder, card)
    try:
        missing, unexpected = load_model(model, str(weights_path), strict=False)
    except SafetensorError as error:  # truncated or overwritten
        raise CheckpointError(f"{weights_path}: damaged weights file ({error})") from error
    except (OSError, RuntimeError) as error:
        raise CheckpointError(f"{folder}: not a segmentation checkpoint "
                              f"({type(error).__name__}: {error})") from error
    if missing or unexpected:
        raise CheckpointError(f"{weights_path}: weights do not fit the card's network: "
                              f"{len(missing)} missing, {len(unexpected)} extra")
    if card.get("label_codes") != label_codes():
        raise CheckpointError(f"{card_path}: label codes differ from this version's")
    inference_spacing_mm(card, config, card_path)  # refused here, not at the first study
    if calibrated and _unfinished(card):
        raise CheckpointError(f"{card_path}: not calibrated; run cmr-search calibrate-seg "
                              f"--checkpoint {folder} (or finish its training run)")
    model.eval()
    return model, config, card
