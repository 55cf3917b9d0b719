"""CMR-CLIP: a study video tower and a report text tower projected into one joint space."""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cmrclip.preprocess import Preprocess
from cmrclip.published import PublishedCMRClip, PublishedText, build_published
from cmrclip.registry import SPACE_TIME, Loss, ModelConfig, get_config
from cmrclip.study_video import StudyVideo
from cmrclip.text import TextTower
from cmrclip.video import StudyEncoder


class CMRClip(nn.Module):
    def __init__(self, config: ModelConfig, text: TextTower | None = None) -> None:
        super().__init__()
        self.config = config
        spec = config.clip_spec
        self.video = StudyEncoder(config.video, spec.size, spec.frames, spec.pixel_mm)
        self.video_proj = nn.Linear(config.video.width, config.embed_dim)
        self.text = text if text is not None else TextTower(config.text_tower,
                                                            config.text_trainable)
        self.text_proj = nn.Sequential(nn.Linear(self.text.width, config.embed_dim), nn.GELU(),
                                       nn.Linear(config.embed_dim, config.embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / 0.07)))

    def encode_video(self, cine: Tensor, cine_present: Tensor, stills: Tensor,
                     still_present: Tensor,
                     anatomy: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """L2-normalised study embeddings (B, E), per-view embeddings (B, V, E) and view mask.

        `anatomy`: the anatomy stem's maps, when computed beforehand (`StudyEncoder.anatomy`).
        """
        study, views, mask = self.video(cine, cine_present, stills, still_present, anatomy)
        return (F.normalize(self.video_proj(study), dim=-1),
                F.normalize(self.video_proj(views), dim=-1), mask)

    def forward(self, cine: Tensor, cine_present: Tensor, stills: Tensor,
                still_present: Tensor, anatomy: Tensor | None = None) -> Tensor:
        """Study embeddings only (what data-parallel training needs)."""
        return self.encode_video(cine, cine_present, stills, still_present, anatomy)[0]

    def text_features(self, texts: list[str]) -> Tensor:
        """The text tower's own (pooled, unprojected) features; cacheable when it is locked."""
        return self.text(texts)  # type: ignore[no-any-return]

    def project_text(self, features: Tensor) -> Tensor:
        return F.normalize(self.text_proj(features), dim=-1)

    def encode_text(self, texts: list[str]) -> Tensor:
        return self.project_text(self.text_features(texts))

    def loss(self, video: Tensor, text: Tensor) -> Tensor:
        """Symmetric contrastive loss over the batch (matching pairs on the diagonal)."""
        if self.config.loss is Loss.FIXED_TEMPERATURE:
            scale = torch.tensor(1.0 / self.config.fixed_temperature, device=video.device)
        else:
            scale = self.logit_scale.clamp(max=math.log(100.0)).exp()
        logits = scale * video @ text.t()
        target = torch.arange(len(video), device=video.device)
        return (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2


def preprocess_for(name: str) -> Preprocess:
    """What turns a study's decoded views into the per-view clips a registered architecture
    reads (the clips its model, or its study video, is built from); no model is built."""
    return Preprocess(get_config(name).clip_spec)


ClipModel = CMRClip | PublishedCMRClip  # what indexing, search and evaluation can run
ModelInput = Preprocess | StudyVideo  # decoded views -> the model's input (clips or a video)


def create_model(name: str, text: TextTower | PublishedText | None = None,
                 vocab: Path | None = None) -> tuple[ClipModel, ModelInput]:
    """The model for a registered architecture, with the preprocessing its input needs.

    `text`: a text tower to share (the packaged MiniLM, or a released model's BERT);
    `vocab`: the folder holding vocab.txt, for architectures whose text tower comes with the
    checkpoint (the released CMR-CLIP).
    """
    config = get_config(name)
    if config.video.kind == SPACE_TIME:
        shared = text if isinstance(text, PublishedText) else None
        model = build_published(config, vocab or (shared.folder if shared else None),
                                shared.model.text_model if shared else None)
        return model, model.preprocess
    if isinstance(text, PublishedText):
        raise ValueError(f"architecture {name!r} cannot use a released model's text tower")
    return CMRClip(config, text), preprocess_for(name)
