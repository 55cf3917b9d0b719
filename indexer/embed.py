"""The encode stage: a CMR-CLIP checkpoint turned into the vectors a study point stores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from cmr_search.vocab import CMR_CLIP_FINDINGS
from cmrclip.checkpoint import ModelIdentity, load_checkpoint
from cmrclip.model import CMRClip
from cmrclip.prompts import PROMPTS
from indexer.clips import CINE_SLOTS, STILL_SLOTS, ClipSpec, StudyClips

STUDY = "study"  # the study video embedding (joint space)
IMPRESSION = "impression"  # the report impression through the CLIP text tower (joint space)
REPORT = "report"  # the report in the text model's own space (report-to-report search)
KEYWORDS = "keywords"  # sparse BM25 vector of the report
VIEW_SLOTS = CINE_SLOTS + STILL_SLOTS
VIEW_VECTORS = {slot: f"view_{slot}" for slot in VIEW_SLOTS}


@dataclass(frozen=True)
class TextVectors:
    joint: np.ndarray  # (N, E) through the CLIP text tower
    own: np.ndarray  # (N, D) the text model's own (mean-pooled, normalised) space


def model_key(identity: ModelIdentity) -> str:
    """A short folder-safe key for everything derived from one model."""
    text = f"{identity.architecture}:{identity.weights_sha256}:{identity.clip_spec_version}"
    return f"{identity.architecture}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


class Embedder:
    """Study clips and texts in, normalised numpy vectors out; inference only, CPU by default."""

    def __init__(self, model: CMRClip, identity: ModelIdentity) -> None:
        self.model = model.eval()
        self.identity = identity
        self._directions: dict[str, np.ndarray] | None = None

    @classmethod
    def from_checkpoint(cls, folder: Path) -> Embedder:
        model, identity = load_checkpoint(folder)
        return cls(model, identity)

    @property
    def spec(self) -> ClipSpec:
        return self.model.config.clip_spec

    @property
    def key(self) -> str:
        return model_key(self.identity)

    def dense_sizes(self) -> dict[str, int]:
        joint = self.model.config.embed_dim
        sizes = {STUDY: joint, IMPRESSION: joint, REPORT: int(self.model.text.width)}
        sizes.update({name: joint for name in VIEW_VECTORS.values()})
        return sizes

    @torch.no_grad()
    def encode_clips(self, clips: list[StudyClips]) -> list[dict[str, np.ndarray]]:
        """Per study: the study vector and one vector per view that is present."""
        def batch(name: str, dtype: torch.dtype) -> torch.Tensor:
            return torch.from_numpy(np.stack([getattr(c, name) for c in clips])).to(dtype)

        study, views, mask = self.model.encode_video(
            batch("cine", torch.float32), batch("cine_present", torch.bool),
            batch("stills", torch.float32), batch("stills_present", torch.bool))
        out = []
        for i in range(len(clips)):
            vectors = {STUDY: study[i].numpy()}
            for j, slot in enumerate(VIEW_SLOTS):
                if bool(mask[i, j]):
                    vectors[VIEW_VECTORS[slot]] = views[i, j].numpy()
            out.append(vectors)
        return out

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
