"""The released model's input: a study composed into one grey video, ImageNet-normalised.

The released CMR-CLIP was trained on one video per study: a long-axis cine (30 phases), the
mid short-axis cine (30 phases), the LGE short-axis stack (one frame a plane), then the LGE
long-axis images, each repeated as often as there are LGE short-axis planes; 64 frames are
taken at the mid-points of 64 equal intervals of that sequence. Frames are grey replicated to
three channels, scaled to [0, 1] and normalised with the ImageNet mean and spread; a view the
study lacks stays zeros after normalisation, and so do frames past the end of a short sequence.

Here the video is composed from the study's clips (`StudyClips`, cached by the indexer), so the
pipeline, the clip cache and the previews stay the same for every model:

- long-axis cine: the 4-chamber clip (else 2-chamber, 3-chamber, LVOT: the first present);
- mid short-axis cine: the `sax_mid` clip;
- LGE short-axis: the `spec.stills` images spread over the stack, base to apex;
- LGE long-axis: the `spec.stills` long-axis LGE images, each repeated three times (the
  released video holds the 4-chamber, 2-chamber and 3-chamber LGE images, each repeated as
  often as the short-axis stack has planes: three times as many frames as the stack).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from cmr_search.vocab import CINE_SLOTS, STILL_SLOTS, ClipSlot
from cmrclip.clips import ClipSpec
from cmrclip.preprocess import clips_from_stacks
from reader.views import StudyStacks

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LAX_PREFERENCE = (ClipSlot.CH4, ClipSlot.CH2, ClipSlot.CH3, ClipSlot.LVOT)
LGE_LAX_REPEATS = 3


def interval_midpoints(length: int, frames: int) -> np.ndarray:
    """Indices of `min(frames, length)` frames at the mid-points of equal intervals."""
    taken = min(frames, length)
    bounds = np.linspace(0, length, taken + 1).astype(int)
    return np.asarray((bounds[:-1] + bounds[1:] - 1) // 2, dtype=np.int64)


@dataclass(frozen=True)
class StudyVideo:
    """The released model's preprocessing: a study's clips -> (frames, 3, size, size).

    `spec` makes the clips (what the indexer caches); `frames` is the video length the model
    takes. Call it on decoded views, or `compose` batches of clips the cache already holds.
    """

    spec: ClipSpec
    frames: int = 64

    @property
    def sequence_length(self) -> int:
        """Frames of the full composed sequence, before sampling."""
        return 2 * self.spec.frames + (1 + LGE_LAX_REPEATS) * self.spec.stills

    def frame_indices(self) -> np.ndarray:
        return interval_midpoints(self.sequence_length, self.frames)

    def __call__(self, stacks: StudyStacks, timings: dict[str, float] | None = None) -> Tensor:
        """The model input for one study's decoded views: (frames, 3, size, size) float32."""
        clips = clips_from_stacks(stacks, self.spec, timings)

        def one(array: np.ndarray) -> Tensor:
            return torch.from_numpy(np.asarray(array))[None]

        return self.compose(one(clips.cine), one(clips.cine_present), one(clips.stills),
                            one(clips.stills_present))[0]

    def compose(self, cine: Tensor, cine_present: Tensor, stills: Tensor,
                stills_present: Tensor) -> Tensor:
        """Batched clips -> (B, frames, 3, size, size) on their device.

        cine (B, cine slots, T, H, W) and stills (B, still slots, K, H, W) in [0, 1], with
        their presence masks (B, slots).
        """
        spec = self.spec
        if (cine.shape[2], stills.shape[2], cine.shape[-1]) != (spec.frames, spec.stills,
                                                                spec.size):
            raise ValueError(f"clips of {cine.shape[2]} frames, {stills.shape[2]} stills, "
                             f"{cine.shape[-1]} px; {spec.version} makes {spec.frames}, "
                             f"{spec.stills}, {spec.size}")
        b = cine.shape[0]
        lax_index = _first_present(cine_present, [CINE_SLOTS.index(s) for s in LAX_PREFERENCE])
        lax = cine[torch.arange(b, device=cine.device), lax_index.clamp(min=0)]
        mid = CINE_SLOTS.index(ClipSlot.SAX_MID)
        lge_sax, lge_lax = STILL_SLOTS.index(ClipSlot.LGE_SAX), STILL_SLOTS.index(ClipSlot.LGE_LAX)
        parts = [
            (lax, lax_index >= 0),
            (cine[:, mid], cine_present[:, mid]),
            (stills[:, lge_sax], stills_present[:, lge_sax]),
            (stills[:, lge_lax].repeat_interleave(LGE_LAX_REPEATS, dim=1),
             stills_present[:, lge_lax]),
        ]
        grey = torch.cat([frames.float() for frames, _ in parts], dim=1)
        present = torch.cat([ok[:, None].expand(-1, frames.shape[1]) for frames, ok in parts],
                            dim=1)
        index = torch.as_tensor(self.frame_indices(), device=cine.device)
        grey, present = grey[:, index], present[:, index]
        mean = torch.tensor(IMAGENET_MEAN, device=cine.device).view(1, 1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=cine.device).view(1, 1, 3, 1, 1)
        video = (grey[:, :, None] - mean) / std
        video = video * present[:, :, None, None, None]
        if video.shape[1] < self.frames:  # a short sequence: zeros after its last frame
            pad = video.new_zeros(b, self.frames - video.shape[1], *video.shape[2:])
            video = torch.cat([video, pad], dim=1)
        return video


def _first_present(present: Tensor, order: list[int]) -> Tensor:
    """Per study, the first slot of `order` that holds data, else -1."""
    candidates = present[:, order].to(torch.int64)
    first = torch.argmax(candidates, dim=1)
    chosen = torch.as_tensor(order, device=present.device)[first]
    return torch.where(candidates.any(dim=1), chosen, torch.full_like(chosen, -1))
