"""Model architectures as configs; one factory returns a model with its preprocessing spec."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from cmrclip.clips import ClipSpec


class Loss(StrEnum):
    CLIP = "clip"  # symmetric InfoNCE with a learnable temperature
    FIXED_TEMPERATURE = "fixed_temperature"  # normalised softmax at a fixed temperature


@dataclass(frozen=True)
class AnatomyConfig:
    """A frozen segmentation network read by the short-axis slots (`cmrclip.anatomy`): its
    filters per level, its pixel size (mm) and its classes (background first). The shipped
    segmentation checkpoint (`segment/checkpoints/sax-synth`) has these."""

    filters: tuple[int, ...] = (16, 32, 64, 128, 256)
    spacing_mm: float = 1.5
    n_classes: int = 4


@dataclass(frozen=True)
class VideoConfig:
    """The video tower: `kind` picks the encoder; the rest sizes it."""

    kind: str  # "factorised" (2D CNN per frame + temporal conv), "divided_attention" (ViT per
    # view) or "space_time" (the released CMR-CLIP: one composed study video, see `published`)
    width: int  # per-view feature size
    channels: tuple[int, ...] = (16, 32, 64, 96)
    patch: int = 16
    depth: int = 12
    heads: int = 12
    frames: int = 0  # "space_time" only: frames of the composed study video
    # "factorised" only: short-axis slots read as the anatomy stem's probability maps
    anatomy: AnatomyConfig | None = None

    def __post_init__(self) -> None:
        if self.anatomy is not None and self.kind != "factorised":
            raise ValueError(f"an anatomy stem needs the factorised encoder, not {self.kind!r}")


SPACE_TIME = "space_time"


@dataclass(frozen=True)
class BertShape:
    """A BERT-shaped text tower whose weights come with the checkpoint (not a packaged model).

    The tokenizer (`vocab.txt`) comes from the checkpoint folder too.
    """

    vocab_size: int = 28_996
    width: int = 768
    layers: int = 12
    heads: int = 12
    intermediate: int = 3072
    positions: int = 512


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
    bert: BertShape | None = None  # a text tower inside the checkpoint (the released model)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def per_view_vectors(self) -> bool:
        """Whether the model embeds each view on its own (the released model does not)."""
        return self.video.kind != SPACE_TIME

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
    # the same, its short-axis slots read as LV cavity, LV wall and RV cavity over the cycle by
    # the frozen segmentation network (what transfers from the phantom to real hearts)
    "tiny-anatomy": ModelConfig(
        name="tiny-anatomy",
        video=VideoConfig(kind="factorised", width=192, anatomy=AnatomyConfig()),
        clip_spec=ClipSpec(frames=16, size=64, pixel_mm=2.2),
    ),
    # the paper's scale, for a GPU: ViT-B/16-style divided space-time attention, 224 px, 32 frames
    "base": ModelConfig(
        name="base",
        video=VideoConfig(kind="divided_attention", width=768, patch=16, depth=12, heads=12),
        clip_spec=ClipSpec(frames=32, size=224, pixel_mm=0.9),
    ),
    # the released CMR-CLIP weights (Makiya11/CMRCLIP, MIT): frozen-in-time space-time ViT-B/16
    # over one 64-frame study video, Bio_ClinicalBERT text tower; inference only, on a GPU.
    # Clips: 30 phases a cine, 12 LGE short-axis planes, 224 px at 1.6 mm (a whole-FOV view)
    "cmrclip-published": ModelConfig(
        name="cmrclip-published",
        video=VideoConfig(kind=SPACE_TIME, width=768, patch=16, depth=12, heads=12, frames=64),
        clip_spec=ClipSpec(frames=30, size=224, pixel_mm=1.6, stills=12,
                           name="cmrclip-published-v1"),
        text_tower="checkpoint", text_trainable=True, bert=BertShape(),
        loss=Loss.FIXED_TEMPERATURE, fixed_temperature=0.05,
    ),
}


def get_config(name: str) -> ModelConfig:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown architecture {name!r}; choose from {sorted(REGISTRY)}") from None
