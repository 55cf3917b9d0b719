"""Train the segmentation network on synthetic images only, resumably, on CPU or GPU.

The label maps come from the caller (`slab_source(seed)` yields label slabs); this module never
sees a real image or a real label. Progress goes to the library logger; a state file written
every few minutes lets `resume=True` carry on after an interruption.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from monai.losses import DiceCELoss
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from segment.checkpoint import WEIGHTS, CheckpointError, check_weights, save_checkpoint
from segment.model import CONFIGS, SegConfig, build_model
from segment.paths import CARD
from segment.synth import SynthImages, SynthRecipe

logger = logging.getLogger(__name__)

SlabSource = Callable[[int], Iterator[np.ndarray]]
STATE = "train_state.pt"  # the training state beside a run's checkpoint


class ResumeError(ValueError):
    """A run that cannot be resumed as asked; the message names the folder and the fix."""


def has_state(folder: Path) -> bool:
    """Whether `folder` holds a training state that `resume=True` carries on from."""
    return (folder / STATE).is_file()


@dataclass(frozen=True)
class TrainRecipe:
    """Everything that decides the trained weights (with the label-map recipe of the caller)."""

    config: str = "sax-dynunet16"
    seed: int = 13
    iterations: int = 8000
    batch: int = 8
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup: int = 200
    reuse: int = 6  # training images drawn from each label slab
    shuffle_buffer: int = 96
    workers: int = 1
    bf16: bool = True  # autocast to bfloat16 where the processor does it natively
    synth: SynthRecipe = field(default_factory=SynthRecipe)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _SynthStream(IterableDataset[tuple[torch.Tensor, torch.Tensor]]):
    """Endless shuffled training pairs; each worker and each (re)start has its own seeds."""

    def __init__(self, source: SlabSource, recipe: TrainRecipe, start: int) -> None:
        self.source, self.recipe, self.start = source, recipe, start

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        info = get_worker_info()
        worker = 0 if info is None else info.id
        torch.set_num_threads(1)
        base = int(np.random.SeedSequence([self.recipe.seed, worker, self.start])
                   .generate_state(1)[0])
        rng = np.random.default_rng(base)
        synth = SynthImages(self.recipe.synth)
        buffer: list[tuple[torch.Tensor, torch.Tensor]] = []
        for slab in self.source(base):
            for _ in range(self.recipe.reuse):
                image, target = synth(slab, int(rng.integers(2**62)))
                buffer.append((torch.from_numpy(image), torch.from_numpy(target)[None]))
            while len(buffer) > self.recipe.shuffle_buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))


def _lr(recipe: TrainRecipe, step: int) -> float:
    if step < recipe.warmup:
        return recipe.lr * (step + 1) / recipe.warmup
    progress = (step - recipe.warmup) / max(recipe.iterations - recipe.warmup, 1)
    return recipe.lr * (0.02 + 0.98 * 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0))))


@dataclass
class _Run:
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    step: int = 0
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)
    schedule: list[dict[str, int]] = field(default_factory=list)


def _start(recipe: TrainRecipe, out: Path, resume: bool, init: Path | None) -> _Run:
    config = CONFIGS[recipe.config]
    torch.manual_seed(recipe.seed)
    model = build_model(config)
    if init is not None:
        _initialise(model, init)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr,
                                  weight_decay=recipe.weight_decay)
    run = _Run(model, optimizer)
    state_path = out / STATE
    if resume and state_path.exists():
        state = torch.load(state_path, weights_only=False)
        saved = dict(state["recipe"])
        if {**saved, "iterations": recipe.iterations} != recipe.as_dict():
            raise ResumeError(f"{state_path}: saved with another recipe; start afresh")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        run.step, run.seconds = int(state["step"]), float(state["seconds"])
        run.schedule = list(state.get("schedule", []))
        if saved["iterations"] != recipe.iterations:
            # a longer (or shorter) run: the cosine schedule is redrawn from here on
            run.schedule.append({"at_step": run.step, "from": saved["iterations"],
                                 "to": recipe.iterations})
            logger.info("schedule changed at step %d: %d -> %d iterations", run.step,
                        saved["iterations"], recipe.iterations)
        logger.info("resuming at step %d (%.0f s trained)", run.step, run.seconds)
    return run


def _initialise(model: torch.nn.Module, init: Path) -> None:
    """`model` given the weights of the checkpoint `init` (checked against its card's
    checksum when it has one); a one-line `CheckpointError` naming the file otherwise."""
    weights = init / WEIGHTS
    try:
        card = json.loads((init / CARD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        card = {}  # bare weights: nothing to check them against
    check_weights(init, card if isinstance(card, dict) else {})
    try:
        model.load_state_dict(_widened(load_file(str(weights)), model), strict=False)
    except SafetensorError as error:  # truncated or overwritten
        raise CheckpointError(f"{weights}: damaged weights file ({error})") from error
    except (OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{weights}: cannot start from these weights "
                              f"({type(error).__name__}: {error})") from error
    logger.info("weights initialised from %s", init)


def _widened(saved: dict[str, torch.Tensor], model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """`saved` weights fitted to `model`: a one-channel input layer fine-tuned into a 2.5D one
    gets zero weights for the neighbouring slices, so it starts as the 2D network it was."""
    own = model.state_dict()
    out = dict(saved)
    for key, old in saved.items():
        new = own.get(key)
        if new is None or new.shape == old.shape:
            continue
        if old.ndim < 2 or old.shape[1] != 1 or new.shape[:1] + new.shape[2:] != (
                old.shape[:1] + old.shape[2:]) or new.shape[1] % 2 == 0:
            raise ValueError(f"{key}: saved shape {tuple(old.shape)} does not fit "
                             f"{tuple(new.shape)}")
        wide = torch.zeros(new.shape, dtype=old.dtype)
        wide[:, new.shape[1] // 2] = old[:, 0]
        out[key] = wide
    return out


def _save_state(run: _Run, recipe: TrainRecipe, out: Path) -> None:
    tmp = out / (STATE + ".tmp")
    torch.save({"model": run.model.state_dict(), "optimizer": run.optimizer.state_dict(),
                "step": run.step, "seconds": run.seconds, "recipe": recipe.as_dict(),
                "schedule": run.schedule}, tmp)
    tmp.replace(out / STATE)


def _bf16(recipe: TrainRecipe, device: str) -> bool:
    """bfloat16 autocast: on a GPU, or a CPU with native bfloat16 (AVX-512 BF16 or AMX)."""
    if not recipe.bf16:
        return False
    if device != "cpu":
        return True
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


class _Loss:
    """Dice + cross-entropy; with deep supervision a weighted sum over the heads (halving the
    weight at each coarser head, as nnU-Net does)."""

    def __init__(self) -> None:
        self.dice_ce = DiceCELoss(to_onehot_y=True, softmax=True, include_background=False,
                                  batch=True)

    def __call__(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if logits.ndim == target.ndim:
            return torch.as_tensor(self.dice_ce(logits, target))
        weights = [0.5**k for k in range(logits.shape[1])]
        total = sum(w * self.dice_ce(logits[:, k], target) for k, w in enumerate(weights))
        return torch.as_tensor(total) / sum(weights)


def train(source: SlabSource, out: Path, recipe: TrainRecipe | None = None,
          resume: bool = False, label_recipe: dict[str, object] | None = None,
          save_every_s: float = 300.0, device: str = "cpu", init: Path | None = None) -> Path:
    """Train until `recipe.iterations`; returns the checkpoint folder (`out`).

    `label_recipe` describes how the caller draws label maps; it goes into the model card.
    `init` starts from another checkpoint's weights (fine-tuning; recorded in the card).
    """
    r = recipe or TrainRecipe()
    if device == "auto":  # the settings' default: a GPU when there is one
        device = "cuda" if torch.cuda.is_available() else "cpu"
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - r.workers))
    run = _start(r, out, resume, init)
    run.model.to(device)
    loss_fn, bf16 = _Loss(), _bf16(r, device)
    logger.info("training on %s%s", device, " with bfloat16 autocast" if bf16 else "")
    loader = DataLoader(_SynthStream(source, r, run.step), batch_size=r.batch,
                        num_workers=r.workers, persistent_workers=r.workers > 0)
    last_save = started = time.monotonic()
    seconds_before = run.seconds
    run.model.train()
    for images, targets in loader:
        if run.step >= r.iterations:
            break
        for group in run.optimizer.param_groups:
            group["lr"] = _lr(r, run.step)
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16, enabled=bf16):
            logits = run.model(images.to(device))
        loss = loss_fn(logits.float(), targets.to(device))
        run.optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        run.optimizer.step()
        run.losses.append(float(loss.detach()))
        run.step += 1
        run.seconds = seconds_before + time.monotonic() - started
        if run.step % 50 == 0:
            logger.info("step %d/%d loss %.4f lr %.2e %.0f s", run.step, r.iterations,
                        float(np.mean(run.losses[-50:])), _lr(r, run.step), run.seconds)
        if time.monotonic() - last_save > save_every_s:
            _save_state(run, r, out)
            save_checkpoint(out, run.model, CONFIGS[r.config],
                            _card(r, run, label_recipe, init))
            last_save = time.monotonic()
    _save_state(run, r, out)
    save_checkpoint(out, run.model, CONFIGS[r.config], _card(r, run, label_recipe, init))
    logger.info("checkpoint at step %d written to %s", run.step, out)
    return out


def _card(recipe: TrainRecipe, run: _Run, label_recipe: dict[str, object] | None,
          init: Path | None) -> dict[str, object]:
    return {
        "training_data": "synthetic images drawn from phantom label maps only; no real images "
                         "and no real labels were used for training or tuning weights",
        "architecture": "MONAI DynUNet, 2D, instance norm; Dice + cross-entropy loss",
        "input": ("one short-axis slice (with `config.context` neighbouring slices of its "
                  "stack on each side as further channels, the ends repeated) resampled to "
                  "inference.spacing_mm (the config's spacing_mm, the training grid, without "
                  "one), each slice scaled to 0..1 between its 0.5th and 99.5th percentiles"),
        "output": "softmax over label_codes; papillary muscles and trabeculation count as LV "
                  "cavity, RV myocardium is background",
        "reproduce": "cmr-search train-seg --replace-shipped (the defaults; --out DIR writes "
                     "a copy elsewhere)",
        "train_recipe": recipe.as_dict(),
        "label_recipe": label_recipe or {},
        "initialised_from": None if init is None else str(init),
        "steps": run.step,
        "schedule_changes": run.schedule,
        "train_seconds": round(run.seconds, 1),
        "final_loss": round(float(np.mean(run.losses[-200:])), 4) if run.losses else None,
    }


def config_of(recipe: TrainRecipe) -> SegConfig:
    return CONFIGS[recipe.config]
