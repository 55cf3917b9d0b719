"""Training pairs: every usable study's clips with its report impression; split by patient."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from indexer.assemble import ClipCache, assemble_study
from indexer.clips import ClipSpec, StudyClips
from indexer.scan import Study, scan_archive
from indexer.stack import PixelError

logger = logging.getLogger(__name__)


@dataclass
class PairSet:
    """Clips (float16 tensors) and texts of N studies, in one order."""

    study_uids: list[str]
    patient_ids: list[str]
    texts: list[str]
    cine: Tensor  # (N, Vc, T, H, W)
    cine_present: Tensor  # (N, Vc) bool
    stills: Tensor  # (N, Vs, K, H, W)
    still_present: Tensor  # (N, Vs) bool

    def __len__(self) -> int:
        return len(self.study_uids)

    def subset(self, index: list[int]) -> PairSet:
        i = torch.as_tensor(index, dtype=torch.long)
        return PairSet([self.study_uids[k] for k in index], [self.patient_ids[k] for k in index],
                       [self.texts[k] for k in index], self.cine[i], self.cine_present[i],
                       self.stills[i], self.still_present[i])


def _build(args: tuple[Study, ClipSpec, Path]) -> StudyClips | str:
    study, spec, cache_root = args
    cache = ClipCache(cache_root, spec)
    cached = cache.get(study.study_instance_uid)
    if cached is not None:
        return cached
    try:
        clips = assemble_study(study, spec).clips
    except PixelError as error:
        return str(error)
    cache.put(clips)
    return clips


def load_pairs(archive: Path, spec: ClipSpec, cache_root: Path, workers: int = 1,
               progress: Callable[[int, int], None] | None = None,
               require_report: bool = True) -> PairSet:
    """Scan, assemble (or load cached) clips, and keep studies that have an impression."""
    scanned = scan_archive(archive, workers)
    studies = [s for s in scanned.studies
               if not require_report or (s.report is not None and s.report.impression)]
    jobs = [(s, spec, cache_root) for s in studies]
    results: list[StudyClips | str] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for result in pool.map(_build, jobs, chunksize=2):
                results.append(result)
                if progress:
                    progress(len(results), len(jobs))
    else:
        for job in jobs:
            results.append(_build(job))
            if progress:
                progress(len(results), len(jobs))
    kept = [(s, c) for s, c in zip(studies, results, strict=True) if isinstance(c, StudyClips)]
    for s, c in zip(studies, results, strict=True):
        if isinstance(c, str):
            logger.warning("skipped %s: %s", s.study_instance_uid, c)
    return PairSet(
        study_uids=[s.study_instance_uid for s, _ in kept],
        patient_ids=[s.info.patient_id for s, _ in kept],
        texts=[s.report.impression if s.report else "" for s, _ in kept],
        cine=torch.from_numpy(np.stack([c.cine for _, c in kept])),
        cine_present=torch.from_numpy(np.stack([c.cine_present for _, c in kept])),
        stills=torch.from_numpy(np.stack([c.stills for _, c in kept])),
        still_present=torch.from_numpy(np.stack([c.stills_present for _, c in kept])),
    )


def split_by_patient(patient_ids: list[str], validation: float, seed: int) -> tuple[list[int],
                                                                                    list[int]]:
    """Deterministic train/validation indices; a patient's studies all fall on one side."""
    def bucket(pid: str) -> float:
        digest = hashlib.sha256(f"{seed}:{pid}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    train: list[int] = []
    val: list[int] = []
    for i, pid in enumerate(patient_ids):
        (val if bucket(pid) < validation else train).append(i)
    return train, val


def augment(cine: Tensor, stills: Tensor, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Augmentations that keep anatomy: small shifts and rotations, intensity, cycle offset.

    No left-right flips: a mirrored heart puts the RV on the wrong side, which is a different
    (and rare) anatomy, not the same study seen again.
    """
    b, _, t, h, w = cine.shape
    shift = torch.randint(0, t, (b,), generator=generator)
    cine = torch.stack([torch.roll(c, int(s), dims=1) for c, s in zip(cine, shift, strict=True)])
    angle = (torch.rand(b, generator=generator) - 0.5) * (np.pi / 9)  # +-10 degrees
    move = (torch.rand(b, 2, generator=generator) - 0.5) * 0.12  # +-6% of the field
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, move[:, 0]], 1),
                         torch.stack([sin, cos, move[:, 1]], 1)], 1)

    def warp(x: Tensor) -> Tensor:
        n = x.shape[1] * x.shape[2]
        frames = x.reshape(b, n, h, w).float()
        grid = F.affine_grid(theta, [b, n, h, w], align_corners=False)
        return F.grid_sample(frames, grid, align_corners=False).reshape(x.shape)

    gamma = torch.exp((torch.rand(b, generator=generator) - 0.5) * 0.4).view(b, 1, 1, 1, 1)
    gain = (0.9 + 0.2 * torch.rand(b, generator=generator)).view(b, 1, 1, 1, 1)
    cine = (warp(cine).clamp(0, 1) ** gamma * gain).clamp(0, 1)
    stills = (warp(stills).clamp(0, 1) ** gamma * gain).clamp(0, 1)
    return cine, stills
