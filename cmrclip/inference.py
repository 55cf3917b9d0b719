"""The model at inference: study clips and texts in, L2-normalised numpy vectors out.

What the indexer embeds studies with and search encodes queries with; on a GPU when torch sees
one (`device="auto"`), else on the CPU.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from cmr_search.vocab import CINE_SLOTS, CMR_CLIP_FINDINGS, STILL_SLOTS, ClipSlot
from cmrclip.checkpoint import load_checkpoint
from cmrclip.clips import ClipSpec, StudyClips
from cmrclip.fast_text import OnnxText, TextRuntime, onnx_text
from cmrclip.model import ClipModel
from cmrclip.preprocess import Preprocess
from cmrclip.prompts import prompts_for
from cmrclip.types import ModelIdentity, StudyVectors, TextVectors

VIEW_SLOTS: tuple[ClipSlot, ...] = (*CINE_SLOTS, *STILL_SLOTS)


class Encoder:
    """A loaded CMR-CLIP model with its identity; inference only."""

    def __init__(self, model: ClipModel, identity: ModelIdentity, device: str = "cpu") -> None:
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.identity = identity
        self._directions: dict[str, np.ndarray] | None = None
        self._fast_text: OnnxText | None = None

    @classmethod
    def from_checkpoint(cls, folder: Path, device: str = "auto") -> Encoder:
        """The checkpoint (or released model) in `folder`, on `device` ("auto": a GPU if
        torch sees one)."""
        model, identity = load_checkpoint(folder)
        return cls(model, identity, device)

    @property
    def per_view(self) -> bool:
        """Whether studies get a vector per view (the released model sees one video)."""
        return self.model.config.per_view_vectors

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
            array = torch.from_numpy(np.stack([getattr(c, name) for c in clips]))
            return array.to(self.device).to(dtype)

        study, views, mask = self.model.encode_video(
            batch("cine", torch.float32), batch("cine_present", torch.bool),
            batch("stills", torch.float32), batch("stills_present", torch.bool))
        study, views, mask = study.cpu(), views.cpu(), mask.cpu()
        slots = VIEW_SLOTS[:views.shape[1]]  # none for a model without per-view vectors
        return [StudyVectors(study[i].numpy(),
                             {slot: views[i, j].numpy() for j, slot in enumerate(slots)
                              if bool(mask[i, j])})
                for i in range(len(clips))]

    def accelerate_text(self, folder: Path, runtime: str = TextRuntime.ONNX) -> str:
        """Embed texts through ONNX Runtime from now on (the graph exported under `folder`
        on first use); returns the runtime in use ("torch" where the tower cannot be)."""
        if self.device.type != "cpu":
            return TextRuntime.TORCH.value  # a GPU runs the torch tower fast enough
        self._fast_text = onnx_text(self.model, self.identity, folder, TextRuntime(runtime))
        self._directions = None  # prompt directions in the same runtime as the queries
        return runtime if self._fast_text is not None else TextRuntime.TORCH.value

    @torch.no_grad()
    def encode_texts(self, texts: list[str]) -> TextVectors:
        if self._fast_text is not None:
            return self._fast_text(texts)
        features = self.model.text_features(texts)
        return TextVectors(self.model.project_text(features).cpu().numpy(),
                           F.normalize(features, dim=-1).cpu().numpy())

    def finding_directions(self) -> dict[str, np.ndarray]:
        """Mean positive minus mean negative prompt embedding, per CMR-CLIP finding; the
        prompts worded and the negative part weighted as the model's identity says
        (`cmrclip.contrast`)."""
        if self._directions is None:  # built whole, then published: threads share it
            directions = {}
            for finding in CMR_CLIP_FINDINGS:
                positive, negative = prompts_for(
                    finding, self.identity.prompt_variant(finding.value))
                pos = self.encode_texts(list(positive)).joint.mean(0)
                neg = self.encode_texts(list(negative)).joint.mean(0)
                directions[finding.value] = pos - self.identity.negative_weight(finding) * neg
            self._directions = directions
        return self._directions

    def raw_scores(self, study_vector: np.ndarray) -> dict[str, float]:
        """Zero-shot scores (uncalibrated): how much closer to the positive prompts than
        (the weighted) negative ones."""
        return {name: float(study_vector @ d) for name, d in self.finding_directions().items()}


def resolve_device(name: str) -> torch.device:
    """"auto" is the first GPU torch sees, else the CPU; "cuda" without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r}: torch sees no GPU here (use auto or cpu)")
    return device
