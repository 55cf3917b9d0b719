"""Training pairs: studies' clips with their report impressions; split by patient; augmented.

The pairs are built by the caller (`indexer.pairs` reads them from an archive): the model
knows clips and texts, not archives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from cmrclip.clips import StudyClips


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
    # the anatomy stem's maps of the short-axis slots, computed once before training when the
    # architecture has a stem: (N, SAX slots, T, structures, H, W), float16
    anatomy: Tensor | None = None

    def __len__(self) -> int:
        return len(self.study_uids)

    @classmethod
    def from_clips(cls, clips: Sequence[StudyClips], patient_ids: list[str],
                   texts: list[str]) -> PairSet:
        """Pairs of studies' clips and texts (one patient ID and one text per study)."""
        if not len(clips) == len(patient_ids) == len(texts):
            raise ValueError("one patient ID and one text per study")
        return cls(
            study_uids=[c.study_instance_uid for c in clips], patient_ids=list(patient_ids),
            texts=list(texts),
            cine=torch.from_numpy(np.stack([c.cine for c in clips])),
            cine_present=torch.from_numpy(np.stack([c.cine_present for c in clips])),
            stills=torch.from_numpy(np.stack([c.stills for c in clips])),
            still_present=torch.from_numpy(np.stack([c.stills_present for c in clips])))

    def subset(self, index: list[int]) -> PairSet:
        i = torch.as_tensor(index, dtype=torch.long)
        return PairSet([self.study_uids[k] for k in index], [self.patient_ids[k] for k in index],
                       [self.texts[k] for k in index], self.cine[i], self.cine_present[i],
                       self.stills[i], self.still_present[i],
                       None if self.anatomy is None else self.anatomy[i])


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


def augment(cine: Tensor, stills: Tensor, generator: torch.Generator,
            anatomy: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor | None]:
    """Augmentations that keep anatomy: small shifts and rotations, intensity, cycle offset.

    No left-right flips: a mirrored heart puts the RV on the wrong side, which is a different
    (and rare) anatomy, not the same study seen again. The anatomy stem's maps (B, SAX slots,
    T, structures, H, W) move with their clips; intensity changes do not touch them.
    """
    b, _, t, h, w = cine.shape
    shift = torch.randint(0, t, (b,), generator=generator)
    cine = torch.stack([torch.roll(c, int(s), dims=1) for c, s in zip(cine, shift, strict=True)])
    if anatomy is not None:
        anatomy = torch.stack([torch.roll(a, int(s), dims=1)
                               for a, s in zip(anatomy, shift, strict=True)])
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
    if anatomy is not None:
        # (B, slots, T, structures, H, W): slots x T x structures as warp's channels
        anatomy = warp(anatomy.reshape(b, -1, 1, h, w)).reshape(anatomy.shape).clamp(0, 1)
    return cine, stills, anatomy
