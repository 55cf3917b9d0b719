"""Contrastive training of CMR-CLIP on (study clips, report impression) pairs."""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from cmrclip.checkpoint import load_checkpoint, save_checkpoint
from cmrclip.data import PairSet, augment, load_pairs, split_by_patient
from cmrclip.metrics import retrieval
from cmrclip.model import CMRClip, create_model

logger = logging.getLogger(__name__)
_STATE = "train_state.pt"


@dataclass(frozen=True)
class TrainConfig:
    archive: Path
    out: Path
    arch: str = "tiny"
    epochs: int = 40
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.05
    validation: float = 0.15
    patience: int = 8
    seed: int = 7
    workers: int = 1
    resume: bool = False
    amp: bool = False
    cache_root: Path = Path("data/clips")


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


@torch.no_grad()
def embed_pairs(model: CMRClip, pairs: PairSet, device: torch.device,
                text_features: Tensor, batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Study and text embeddings of a pair set (model in eval mode)."""
    model.eval()
    videos = []
    for start in range(0, len(pairs), batch_size):
        index = torch.arange(start, min(start + batch_size, len(pairs)))
        videos.append(model.encode_video(*_batch(pairs, index, device))[0].cpu())
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


def train(config: TrainConfig, progress: Callable[[EpochLog], None] | None = None,
          pairs: PairSet | None = None,
          preparing: Callable[[int, int], None] | None = None) -> list[EpochLog]:
    """Train and checkpoint every epoch into `config.out` (best by validation R@5 in `best/`)."""
    generator = _seed_everything(config.seed)
    rank, world = _distributed()
    device = torch.device(f"cuda:{rank % max(torch.cuda.device_count(), 1)}"
                          if torch.cuda.is_available() else "cpu")
    model, spec = create_model(config.arch)
    if config.resume and (config.out / "last").is_dir():
        model, _ = load_checkpoint(config.out / "last", model.text)
    model.to(device)
    if pairs is None:
        pairs = load_pairs(config.archive, spec, config.cache_root, config.workers, preparing)
    train_idx, val_idx = split_by_patient(pairs.patient_ids, config.validation, config.seed)
    train_set, val_set = pairs.subset(train_idx), pairs.subset(val_idx)
    with torch.no_grad():
        model.text.to(device)
        train_text = torch.cat([model.text_features(train_set.texts[i:i + 64])
                                for i in range(0, len(train_set), 64)]).cpu()
        val_text = torch.cat([model.text_features(val_set.texts[i:i + 64])
                              for i in range(0, len(val_set), 64)]).cpu() if len(val_set) \
            else torch.zeros(0, model.text.width)
    params = [p for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = max(1, math.ceil(len(train_set) / (config.batch_size * world)))
    start_epoch, best, stale, history = 0, -1.0, 0, []
    state_path = config.out / _STATE
    if config.resume and state_path.exists():
        state = torch.load(state_path, weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        start_epoch, best, stale = state["epoch"] + 1, state["best"], state["stale"]
        history = [EpochLog(**h) for h in state["history"]]
        generator.set_state(state["generator"])
    # built after a resume so that a longer --epochs stretches the schedule from where it was
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, config.lr, total_steps=max(config.epochs, start_epoch + 1) * steps_per_epoch,
        pct_start=0.15, last_epoch=start_epoch * steps_per_epoch - 1)
    ddp_model: Any = model
    if world > 1:
        ddp_model = torch.nn.parallel.DistributedDataParallel(model)
    for epoch in range(start_epoch, config.epochs):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(train_set), generator=generator)
        shard = order[rank::world]
        losses = []
        for start in range(0, len(shard), config.batch_size):
            index = shard[start:start + config.batch_size]
            if len(index) < 2:
                continue
            cine, cine_present, stills, still_present = _batch(train_set, index, device)
            cine, stills = augment(cine.cpu(), stills.cpu(), generator)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.amp):
                video = ddp_model(cine.to(device), cine_present, stills.to(device),
                                  still_present)
                text = model.project_text(train_text[index].to(device))
                loss = model.loss(video.float(), text.float())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            losses.append(float(loss.detach()))
        r5, median_rank, score = _validate(model, val_set, val_text, device)
        log = EpochLog(epoch, float(np.mean(losses)) if losses else float("nan"), r5,
                       median_rank, time.perf_counter() - started, score)
        history.append(log)
        if rank == 0:
            card = _card(config, history, len(train_set), len(val_set))
            save_checkpoint(model, config.out / "last", card)
            improved = score > best
            if improved:
                best, stale = score, 0
                save_checkpoint(model, config.out / "best", card)
            else:
                stale += 1
            torch.save({"optimizer": optimizer.state_dict(), "epoch": epoch, "best": best,
                        "stale": stale, "history": [asdict(h) for h in history],
                        "generator": generator.get_state()}, state_path)
        if progress:
            progress(log)
        if stale >= config.patience:
            logger.info("early stop at epoch %d: no better validation R@5 in %d epochs",
                        epoch, config.patience)
            break
    return history


def _card(config: TrainConfig, history: list[EpochLog], n_train: int,
          n_val: int) -> dict[str, Any]:
    best = max(history, key=lambda h: h.val_score)
    return {
        "training": {
            "archive": str(config.archive), "train_studies": n_train, "val_studies": n_val,
            "split": "by patient", "seed": config.seed, "epochs_run": len(history),
            "batch_size": config.batch_size, "lr": config.lr, "augmentation":
            "shift/rotate +-10 deg, gamma, gain, cycle offset; no flips",
            "data": "synthetic CMR archive from phantom/ (reports are synthetic impressions)",
        },
        "metrics": {"best_epoch": best.epoch, "val_r5": best.val_r5, "val_score": best.val_score,
                    "val_median_rank": best.val_median_rank},
        "history": [asdict(h) for h in history],
    }
