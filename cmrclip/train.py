"""Contrastive training of CMR-CLIP on (study clips, report impression) pairs."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from cmrclip.checkpoint import load_checkpoint, save_checkpoint
from cmrclip.data import PairSet, augment, split_by_patient
from cmrclip.metrics import retrieval
from cmrclip.model import ClipModel, CMRClip, create_model
from cmrclip.release import file_digest

logger = logging.getLogger(__name__)
_STATE = "train_state.pt"


@dataclass(frozen=True)
class TrainConfig:
    """One training run; `out` holds last/, best/ and the resumable state. `data` names where
    the pairs came from (an archive folder), for the model card."""

    out: Path
    data: str = ""
    arch: str = "tiny"
    epochs: int = 40
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.05
    validation: float = 0.15
    patience: int = 8
    seed: int = 7
    resume: bool = False
    amp: bool = False
    # the segmentation weights an architecture with an anatomy stem starts from
    anatomy_weights: Path | None = None


@dataclass
class EpochLog:
    epoch: int
    loss: float
    val_r5: float
    val_median_rank: float
    seconds: float
    val_score: float = 0.0  # mean of R@1, R@5 and R@10: what early stopping watches


def _seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    generator = torch.Generator().manual_seed(seed)
    return generator


def _distributed() -> tuple[int, int]:
    """(rank, world size) under torchrun, else (0, 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
    rank = torch.distributed.get_rank() if world > 1 else 0
    return rank, world


def _batch(pairs: PairSet, index: Tensor, device: torch.device) -> tuple[Tensor, ...]:
    return (pairs.cine[index].to(device).float(), pairs.cine_present[index].to(device),
            pairs.stills[index].to(device).float(), pairs.still_present[index].to(device))


def _anatomy(pairs: PairSet, index: Tensor, device: torch.device) -> Tensor | None:
    return None if pairs.anatomy is None else pairs.anatomy[index].to(device).float()


@torch.no_grad()
def precompute_anatomy(model: CMRClip, pairs: PairSet, device: torch.device,
                       batch_size: int = 8) -> None:
    """Run a frozen anatomy stem over every study once (it costs more than the tower it feeds,
    and its maps do not change during training); they are kept in `pairs.anatomy`."""
    if model.video.stem is None or pairs.anatomy is not None:
        return
    started, maps = time.perf_counter(), []
    for start in range(0, len(pairs), batch_size):
        index = torch.arange(start, min(start + batch_size, len(pairs)))
        maps.append(model.video.anatomy(pairs.cine[index].to(device).float()).half().cpu())
        logger.info("anatomy maps: %d of %d studies", start + len(index), len(pairs))
    pairs.anatomy = torch.cat(maps)
    logger.info("anatomy maps of %d studies in %.0f s", len(pairs), time.perf_counter() - started)


@torch.no_grad()
def embed_pairs(model: ClipModel, pairs: PairSet, device: torch.device,
                text_features: Tensor | None, batch_size: int = 32) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Study and text embeddings of a pair set (model in eval mode); no text embeddings (an
    empty array) without `text_features`."""
    model.eval()
    videos = []
    for start in range(0, len(pairs), batch_size):
        index = torch.arange(start, min(start + batch_size, len(pairs)))
        cine, cine_present, stills, still_present = _batch(pairs, index, device)
        anatomy = _anatomy(pairs, index, device)
        if anatomy is not None and isinstance(model, CMRClip):
            video = model.encode_video(cine, cine_present, stills, still_present, anatomy)[0]
        else:
            video = model.encode_video(cine, cine_present, stills, still_present)[0]
        videos.append(video.cpu())
    if text_features is None:
        return torch.cat(videos).numpy(), np.zeros((0, 0), dtype=np.float32)
    texts = model.project_text(text_features.to(device)).cpu()
    return torch.cat(videos).numpy(), texts.numpy()


def _validate(model: CMRClip, pairs: PairSet, features: Tensor,
              device: torch.device) -> tuple[float, float, float]:
    """(R@5, median rank, mean of R@1/R@5/R@10) of study-to-impression retrieval."""
    if len(pairs) < 2:
        return 0.0, float("nan"), 0.0
    video, text = embed_pairs(model, pairs, device, features)
    same = np.array([[a == b for b in pairs.texts] for a in pairs.texts])
    result = retrieval(video @ text.T, same)
    return result.r5, result.median_rank, (result.r1 + result.r5 + result.r10) / 3


@dataclass
class _Run:
    """Everything one training run carries from epoch to epoch."""

    model: CMRClip
    optimizer: torch.optim.Optimizer
    generator: torch.Generator
    device: torch.device
    rank: int
    world: int
    start_epoch: int = 0
    best: float = -1.0
    stale: int = 0
    history: list[EpochLog] = field(default_factory=list)


def _texts(model: CMRClip, texts: list[str], device: torch.device) -> Tensor:
    """Locked text-tower features of every text, computed once."""
    if not texts:
        return torch.zeros(0, model.text.width)
    with torch.no_grad():
        model.text.to(device)
        return torch.cat([model.text_features(texts[i:i + 64])
                          for i in range(0, len(texts), 64)]).cpu()


def _trainable(model: ClipModel) -> CMRClip:
    if not isinstance(model, CMRClip):
        raise ValueError(f"architecture {model.config.name!r} runs released weights and is not "
                         "trained here; train tiny or base")
    return model


def check_resumable(config: TrainConfig) -> None:
    """ValueError unless OUT holds a run of the same architecture to resume: a resume with
    nothing saved started afresh, and one of another architecture went on as the saved one,
    the `--arch` asked for silently ignored."""
    card = config.out / "last" / "model_card.json"
    if not card.is_file():
        raise ValueError(f"{config.out}: nothing to resume (no saved run); drop --resume")
    try:
        saved = json.loads(card.read_text()).get("architecture")
    except (OSError, ValueError) as error:
        raise ValueError(f"{card}: unreadable ({error}); drop --resume") from None
    if saved != config.arch:
        raise ValueError(f"{config.out}: saved with architecture {saved!r}, not "
                         f"{config.arch!r}; drop --resume or use --arch {saved}")


def _start(config: TrainConfig) -> _Run:
    generator = _seed_everything(config.seed)
    rank, world = _distributed()
    device = torch.device(f"cuda:{rank % max(torch.cuda.device_count(), 1)}"
                          if torch.cuda.is_available() else "cpu")
    model = _trainable(create_model(config.arch)[0])
    if model.video.stem is not None:
        if config.anatomy_weights is None:
            raise ValueError(f"architecture {config.arch!r} reads short-axis clips through a "
                             "segmentation network: give its weights (anatomy_weights)")
        model.video.stem.load(config.anatomy_weights)
    if config.resume:
        check_resumable(config)
        model = _trainable(load_checkpoint(config.out / "last", model.text)[0])
    model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    run = _Run(model, optimizer, generator, device, rank, world)
    state_path = config.out / _STATE
    if config.resume and state_path.exists():
        state = torch.load(state_path, weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        run.start_epoch, run.best, run.stale = state["epoch"] + 1, state["best"], state["stale"]
        run.history = [EpochLog(**h) for h in state["history"]]
        generator.set_state(state["generator"])
    return run


def _epoch(run: _Run, config: TrainConfig, pairs: PairSet, texts: Tensor, step: Any,
           ddp_model: Any) -> list[float]:
    """One pass over this rank's shard of the training pairs; the batch losses."""
    model, device = run.model, run.device
    model.train()
    order = torch.randperm(len(pairs), generator=run.generator)
    # equal shards: every rank must run as many steps as the others (each step all-reduces)
    shard = order[:len(order) - len(order) % run.world][run.rank::run.world]
    params = [p for p in model.parameters() if p.requires_grad]
    losses = []
    for start in range(0, len(shard), config.batch_size):
        index = shard[start:start + config.batch_size]
        if len(index) < 2:
            continue
        cine, cine_present, stills, still_present = _batch(pairs, index, device)
        anatomy = _anatomy(pairs, index, torch.device("cpu"))
        cine, stills, anatomy = augment(cine.cpu(), stills.cpu(), run.generator, anatomy)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.amp):
            video = ddp_model(cine.to(device), cine_present, stills.to(device), still_present,
                              None if anatomy is None else anatomy.to(device))
            text = model.project_text(texts[index].to(device))
            loss = model.loss(video.float(), text.float())
        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        run.optimizer.step()
        step.step()
        losses.append(float(loss.detach()))
    return losses


def _save(run: _Run, config: TrainConfig, score: float, sizes: tuple[int, int],
          epoch: int) -> None:
    """Rank 0 writes last/ (and best/ when the validation score improved) and the state."""
    card = _card(config, run.history, *sizes)
    save_checkpoint(run.model, config.out / "last", card)
    if score > run.best:
        run.best, run.stale = score, 0
        save_checkpoint(run.model, config.out / "best", card)
    else:
        run.stale += 1
    torch.save({"optimizer": run.optimizer.state_dict(), "epoch": epoch, "best": run.best,
                "stale": run.stale, "history": [asdict(h) for h in run.history],
                "generator": run.generator.get_state()}, config.out / _STATE)


def _should_stop(run: _Run, patience: int) -> bool:
    """Rank 0's early-stopping verdict, shared with every rank so all leave the loop together
    (a rank that stays would wait forever in the next all-reduce)."""
    stop = torch.tensor([int(run.stale >= patience)], device=run.device)
    if run.world > 1:
        torch.distributed.broadcast(stop, src=0)
    return bool(stop.item())


def train(config: TrainConfig, pairs: PairSet,
          progress: Callable[[EpochLog], None] | None = None) -> list[EpochLog]:
    """Train on `pairs` and checkpoint every epoch into `config.out` (best in `best/`)."""
    run = _start(config)
    precompute_anatomy(run.model, pairs, run.device)
    train_idx, val_idx = split_by_patient(pairs.patient_ids, config.validation, config.seed)
    train_set, val_set = pairs.subset(train_idx), pairs.subset(val_idx)
    train_text = _texts(run.model, train_set.texts, run.device)
    val_text = _texts(run.model, val_set.texts, run.device)
    steps_per_epoch = max(1, math.ceil(len(train_set) / (config.batch_size * run.world)))
    # built after a resume so that a longer --epochs stretches the schedule from where it was
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        run.optimizer, config.lr,
        total_steps=max(config.epochs, run.start_epoch + 1) * steps_per_epoch,
        pct_start=0.15, last_epoch=run.start_epoch * steps_per_epoch - 1)
    ddp_model: Any = run.model
    if run.world > 1:
        ddp_model = torch.nn.parallel.DistributedDataParallel(run.model)
    for epoch in range(run.start_epoch, config.epochs):
        started = time.perf_counter()
        losses = _epoch(run, config, train_set, train_text, schedule, ddp_model)
        r5, median_rank, score = _validate(run.model, val_set, val_text, run.device)
        log = EpochLog(epoch, float(np.mean(losses)) if losses else float("nan"), r5,
                       median_rank, time.perf_counter() - started, score)
        run.history.append(log)
        if run.rank == 0:
            _save(run, config, score, (len(train_set), len(val_set)), epoch)
        if progress:
            progress(log)
        if _should_stop(run, config.patience):
            logger.info("early stop at epoch %d: no better validation score in %d epochs",
                        epoch, config.patience)
            break
    return run.history


def _card(config: TrainConfig, history: list[EpochLog], n_train: int,
          n_val: int) -> dict[str, Any]:
    best = max(history, key=lambda h: h.val_score)
    return {
        "training": {
            "archive": config.data, "train_studies": n_train, "val_studies": n_val,
            "split": "by patient", "seed": config.seed, "epochs_run": len(history),
            "batch_size": config.batch_size, "lr": config.lr, "augmentation":
            "shift/rotate +-10 deg, gamma, gain, cycle offset; no flips",
            **_stem_card(config),
        },
        "metrics": {"best_epoch": best.epoch, "val_r5": best.val_r5, "val_score": best.val_score,
                    "val_median_rank": best.val_median_rank},
        "history": [asdict(h) for h in history],
    }


def _stem_card(config: TrainConfig) -> dict[str, Any]:
    """Which segmentation weights the anatomy stem was given (they ship inside the weights)."""
    if config.anatomy_weights is None:
        return {}
    digest = file_digest(config.anatomy_weights, remembered=True)  # the card is written each epoch
    return {"anatomy_stem": {"weights": str(config.anatomy_weights), "sha256": digest,
                             "trained": "frozen; synthetic images only (segment model card)"}}
