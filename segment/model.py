"""Segmentation network configurations (a registry) and the one factory that builds them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from monai.networks.nets import DynUNet

from cmr_search.vocab import Structure


@dataclass(frozen=True)
class SegConfig:
    """A 2D short-axis network: its input grid (`spacing_mm` per pixel, training crop in
    pixels), its filters per level, the classes it predicts (`Structure` codes) and how many
    coarser decoder levels get an output head of their own during training (deep supervision;
    inference reads the full-resolution head only). With `context` = c the input is the slice
    with c neighbouring slices of its stack on each side (2.5D, 2c + 1 channels)."""

    name: str
    filters: tuple[int, ...] = (16, 32, 64, 128, 256)
    spacing_mm: float = 1.5
    crop: int = 128
    n_classes: int = len(Structure)
    deep_supervision: int = 0
    context: int = 0

    @property
    def in_channels(self) -> int:
        return 2 * self.context + 1

    def __post_init__(self) -> None:
        if len(self.filters) < 3 or self.spacing_mm <= 0 or self.crop % 2 ** (
                len(self.filters) - 1) or not 0 <= self.deep_supervision < len(self.filters) - 1 \
                or not 0 <= self.context <= 2:
            raise ValueError(f"implausible segmentation config: {self}")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


CONFIGS: dict[str, SegConfig] = {
    "sax-dynunet16": SegConfig("sax-dynunet16"),
    "sax-dynunet16-ds": SegConfig("sax-dynunet16-ds", deep_supervision=2),
    "sax-dynunet8": SegConfig("sax-dynunet8", filters=(8, 16, 32, 64, 128)),
    "sax-dynunet16-ctx1": SegConfig("sax-dynunet16-ctx1", context=1),
}


def build_model(config: SegConfig) -> torch.nn.Module:
    """A MONAI DynUNet (instance norm) for `config`; logits out.

    In training mode with deep supervision the output is (batch, 1 + heads, classes, h, w),
    the coarser heads upsampled to full size; in eval mode always (batch, classes, h, w).
    """
    n = len(config.filters)
    model: torch.nn.Module = DynUNet(
        spatial_dims=2, in_channels=config.in_channels, out_channels=config.n_classes,
        kernel_size=[3] * n, strides=[1] + [2] * (n - 1), upsample_kernel_size=[2] * (n - 1),
        filters=list(config.filters), norm_name="instance", res_block=False,
        deep_supervision=config.deep_supervision > 0,
        deep_supr_num=max(config.deep_supervision, 1),
    )
    return model
