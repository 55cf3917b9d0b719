"""The model at inference: study clips and texts in, L2-normalised numpy vectors out.

What the indexer embeds studies with and search encodes queries with; CPU by default.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from cmr_search.vocab import CINE_SLOTS, CMR_CLIP_FINDINGS, STILL_SLOTS, ClipSlot
from cmrclip.checkpoint import load_checkpoint
from cmrclip.clips import ClipSpec, StudyClips
from cmrclip.model import CMRClip
from cmrclip.preprocess import Preprocess
from cmrclip.prompts import PROMPTS
from cmrclip.types import ModelIdentity, StudyVectors, TextVectors

VIEW_SLOTS: tuple[ClipSlot, ...] = (*CINE_SLOTS, *STILL_SLOTS)


class Encoder:
    """A loaded CMR-CLIP model with its identity; inference only."""

    def __init__(self, model: CMRClip, identity: ModelIdentity) -> None:
        self.model = model.eval()
        self.identity = identity
        self._directions: dict[str, np.ndarray] | None = None

    @classmethod
    def from_checkpoint(cls, folder: Path) -> Encoder:
        model, identity = load_checkpoint(folder)
        return cls(model, identity)

    @property
    def spec(self) -> ClipSpec:
        return self.model.config.clip_spec

    @property
    def preprocess(self) -> Preprocess:
        """What turns a study's decoded views into this model's input."""
        return Preprocess(self.spec)

    @property
    def key(self) -> str:
        return self.identity.key

    @property
    def joint_dim(self) -> int:
        """Size of the joint (video and text) space."""
        return self.model.config.embed_dim

    @property
    def text_dim(self) -> int:
        """Size of the text tower's own space."""
        return int(self.model.text.width)

    @torch.no_grad()
    def encode_clips(self, clips: list[StudyClips]) -> list[StudyVectors]:
        """Per study: the study vector and one vector per view that is present."""
        def batch(name: str, dtype: torch.dtype) -> torch.Tensor:
            return torch.from_numpy(np.stack([getattr(c, name) for c in clips])).to(dtype)

        study, views, mask = self.model.encode_video(
            batch("cine", torch.float32), batch("cine_present", torch.bool),
            batch("stills", torch.float32), batch("stills_present", torch.bool))
        return [StudyVectors(study[i].numpy(),
                             {slot: views[i, j].numpy() for j, slot in enumerate(VIEW_SLOTS)
                              if bool(mask[i, j])})
                for i in range(len(clips))]

    @torch.no_grad()
    def encode_texts(self, texts: list[str]) -> TextVectors:
        features = self.model.text_features(texts)
        return TextVectors(self.model.project_text(features).numpy(),
                           F.normalize(features, dim=-1).numpy())

    def finding_directions(self) -> dict[str, np.ndarray]:
        """Mean positive minus mean negative prompt embedding, per CMR-CLIP finding."""
        if self._directions is None:  # built whole, then published: threads share it
            directions = {}
            for finding in CMR_CLIP_FINDINGS:
                positive, negative = PROMPTS[finding]
                pos = self.encode_texts(list(positive)).joint.mean(0)
                neg = self.encode_texts(list(negative)).joint.mean(0)
                directions[finding.value] = pos - neg
            self._directions = directions
        return self._directions

    def raw_scores(self, study_vector: np.ndarray) -> dict[str, float]:
        """Zero-shot scores (uncalibrated): how much closer to the positive prompts."""
        return {name: float(study_vector @ d) for name, d in self.finding_directions().items()}
