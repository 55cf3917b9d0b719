"""Model architectures as configs; one factory returns a model with its preprocessing spec."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from cmrclip.clips import ClipSpec


class Loss(StrEnum):
    CLIP = "clip"  # symmetric InfoNCE with a learnable temperature
    FIXED_TEMPERATURE = "fixed_temperature"  # normalised softmax at a fixed temperature


@dataclass(frozen=True)
class VideoConfig:
    """The video tower: `kind` picks the encoder; the rest sizes it."""

    kind: str  # "factorised" (2D CNN per frame + temporal conv) or "divided_attention" (ViT)
    width: int  # per-view feature size
    channels: tuple[int, ...] = (16, 32, 64, 96)
    patch: int = 16
    depth: int = 12
    heads: int = 12


@dataclass(frozen=True)
class ModelConfig:
    name: str
    video: VideoConfig
    clip_spec: ClipSpec
    embed_dim: int = 512
    text_tower: str = "minilm"  # "minilm" = the packaged all-MiniLM-L6-v2, else a local folder
    text_trainable: bool = False  # locked-text tuning by default
    loss: Loss = Loss.CLIP
    fixed_temperature: float = 0.07
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["clip_spec"] = self.clip_spec.as_dict()
        return out


REGISTRY: dict[str, ModelConfig] = {
    # trains on 2 CPU cores in minutes: 64 px, 16 frames per cycle, a small CNN per frame
    "tiny": ModelConfig(
        name="tiny",
        video=VideoConfig(kind="factorised", width=192),
        clip_spec=ClipSpec(frames=16, size=64, pixel_mm=2.2),
    ),
    # the paper's scale, for a GPU: ViT-B/16-style divided space-time attention, 224 px, 32 frames
    "base": ModelConfig(
        name="base",
        video=VideoConfig(kind="divided_attention", width=768, patch=16, depth=12, heads=12),
        clip_spec=ClipSpec(frames=32, size=224, pixel_mm=0.9),
    ),
}


def get_config(name: str) -> ModelConfig:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown architecture {name!r}; choose from {sorted(REGISTRY)}") from None
