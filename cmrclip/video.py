"""The video tower: each view is a clip of the beating heart; views are pooled into one study.

Input (from `cmrclip.clips`): cine (batch, cine slots, T, H, W) and stills (batch, still slots,
K, H, W), each with a presence mask. Each slot gets a per-view vector (a space-time encoder
shared across views plus a learned view embedding); attention pooling over the present views
gives the study vector. With an anatomy stem (`cmrclip.anatomy`) the short-axis slots are read
as structure probabilities instead of grey levels: every frame then has 1 + structures channels,
the grey level first (zero in the short-axis slots), the probabilities after (zero elsewhere).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cmr_search.vocab import CINE_SLOTS, SAX_SLOTS, STILL_SLOTS, ClipSlot
from cmrclip.anatomy import AnatomyStem, canonical_pose
from cmrclip.registry import VideoConfig


class FactorisedEncoder(nn.Module):
    """A 2D CNN on every frame, then temporal convolutions; mean and spread over time.

    The spread over time carries motion (how much the wall moves), the mean carries anatomy.
    """

    def __init__(self, config: VideoConfig, in_channels: int = 1) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        previous = in_channels
        for i, channels in enumerate(config.channels):
            kernel = 5 if i == 0 else 3
            layers += [nn.Conv2d(previous, channels, kernel, stride=2, padding=kernel // 2),
                       nn.BatchNorm2d(channels), nn.GELU()]
            previous = channels
        self.frame_cnn = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(3), nn.Flatten())
        self.frame_proj = nn.Linear(previous * 9, config.width)
        self.temporal = nn.Sequential(
            nn.Conv1d(config.width, config.width, 3, padding=1, padding_mode="circular"),
            nn.GELU(),
            nn.Conv1d(config.width, config.width, 3, padding=1, padding_mode="circular"),
            nn.GELU())
        self.out = nn.Linear(2 * config.width, config.width)

    def forward(self, clips: Tensor, temporal: bool = True) -> Tensor:
        """clips (N, T, H, W) or (N, T, C, H, W) -> (N, width)."""
        n, t = clips.shape[:2]
        frames = self.frame_proj(self.frame_cnn(clips.reshape(n * t, -1, *clips.shape[-2:])))
        frames = frames.reshape(n, t, -1)
        if temporal:
            frames = frames + self.temporal(frames.transpose(1, 2)).transpose(1, 2)
        summary = torch.cat([frames.mean(dim=1), frames.std(dim=1, unbiased=False)], dim=-1)
        return self.out(summary)  # type: ignore[no-any-return]


class DividedAttentionBlock(nn.Module):
    """TimeSformer-style block: attention over time per patch, then over space per frame."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm_t, self.norm_s, self.norm_m = (nn.LayerNorm(width) for _ in range(3))
        self.time = nn.MultiheadAttention(width, heads, batch_first=True)
        self.space = nn.MultiheadAttention(width, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(),
                                 nn.Linear(4 * width, width))

    def forward(self, x: Tensor) -> Tensor:
        """x (N, T, P, D)."""
        n, t, p, d = x.shape
        xt = x.transpose(1, 2).reshape(n * p, t, d)
        q = self.norm_t(xt)
        xt = xt + self.time(q, q, q, need_weights=False)[0]
        xs = xt.reshape(n, p, t, d).transpose(1, 2).reshape(n * t, p, d)
        q = self.norm_s(xs)
        xs = xs + self.space(q, q, q, need_weights=False)[0]
        xs = xs + self.mlp(self.norm_m(xs))
        out: Tensor = xs.reshape(n, t, p, d)
        return out


class DividedAttentionEncoder(nn.Module):
    """ViT-B/16-style video transformer with divided space-time attention."""

    def __init__(self, config: VideoConfig, size: int, frames: int) -> None:
        super().__init__()
        patches = (size // config.patch) ** 2
        self.embed = nn.Conv2d(1, config.width, config.patch, stride=config.patch)
        self.pos_space = nn.Parameter(torch.zeros(1, 1, patches, config.width))
        self.pos_time = nn.Parameter(torch.zeros(1, frames, 1, config.width))
        nn.init.trunc_normal_(self.pos_space, std=0.02)
        nn.init.trunc_normal_(self.pos_time, std=0.02)
        self.blocks = nn.ModuleList(DividedAttentionBlock(config.width, config.heads)
                                    for _ in range(config.depth))
        self.norm = nn.LayerNorm(config.width)

    def _pos_space(self, patches: int) -> Tensor:
        """Spatial position embedding, interpolated when the input size differs from training."""
        trained = self.pos_space.shape[2]
        if patches == trained:
            return self.pos_space
        side, new = round(trained**0.5), round(patches**0.5)
        grid = self.pos_space.reshape(1, side, side, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(new, new), mode="bicubic", align_corners=False)
        return grid.permute(0, 2, 3, 1).reshape(1, 1, new * new, -1)

    def forward(self, clips: Tensor, temporal: bool = True) -> Tensor:
        n, t, h, w = clips.shape
        x = self.embed(clips.reshape(n * t, 1, h, w)).flatten(2).transpose(1, 2)
        patches = x.shape[1]
        x = x.reshape(n, t, patches, -1) + self._pos_space(patches)
        x = x + self.pos_time[:, :t]
        for block in self.blocks:
            x = block(x)
        return self.norm(x.mean(dim=(1, 2)))  # type: ignore[no-any-return]


class StudyEncoder(nn.Module):
    """Per-view vectors and an attention-pooled study vector."""

    def __init__(self, config: VideoConfig, size: int, frames: int,
                 pixel_mm: float = 1.0) -> None:
        super().__init__()
        self.stem = AnatomyStem(config.anatomy, pixel_mm) if config.anatomy else None
        channels = 1 + (config.anatomy.n_classes - 1 if config.anatomy else 0)
        self.encoder: nn.Module = (FactorisedEncoder(config, channels)
                                   if config.kind == "factorised"
                                   else DividedAttentionEncoder(config, size, frames))
        n_views = len(CINE_SLOTS) + len(STILL_SLOTS)
        self.view_embedding = nn.Parameter(torch.zeros(n_views, config.width))
        nn.init.normal_(self.view_embedding, std=0.02)
        self.query = nn.Parameter(torch.zeros(config.width))
        self.key = nn.Linear(config.width, config.width)
        self.width = config.width

    def anatomy(self, cine: Tensor) -> Tensor:
        """The stem's maps of the short-axis slots: (B, SAX slots, T, structures, H, W), turned
        to one pose (`canonical_pose`: RV left of the LV, the LV in the middle)."""
        if self.stem is None:
            raise ValueError("this architecture has no anatomy stem")
        b = cine.shape[0]
        maps: Tensor = self.stem(cine[:, :len(SAX_SLOTS)].flatten(0, 1))
        maps = maps.reshape(b, len(SAX_SLOTS), *maps.shape[1:])
        return canonical_pose(maps, SAX_SLOTS.index(ClipSlot.SAX_MID))

    def _channels(self, cine: Tensor, stills: Tensor,
                  anatomy: Tensor | None) -> tuple[Tensor, Tensor]:
        """Grey level first, structure probabilities after (see the module's docstring)."""
        if self.stem is None:
            return cine, stills
        anatomy = self.anatomy(cine) if anatomy is None else anatomy.to(cine.dtype)
        extra = anatomy.shape[3]
        cine = torch.cat([cine.unsqueeze(3), cine.new_zeros(*cine.shape[:3], extra,
                                                            *cine.shape[3:])], dim=3)
        sax = len(SAX_SLOTS)
        cine = torch.cat([torch.cat([torch.zeros_like(cine[:, :sax, :, :1]), anatomy], dim=3),
                          cine[:, sax:]], dim=1)
        stills = torch.cat([stills.unsqueeze(3), stills.new_zeros(*stills.shape[:3], extra,
                                                                  *stills.shape[3:])], dim=3)
        return cine, stills

    def forward(self, cine: Tensor, cine_present: Tensor, stills: Tensor,
                still_present: Tensor,
                anatomy: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Returns (study vector (B, D), view vectors (B, V, D), view mask (B, V)).

        `anatomy`: the stem's maps when computed beforehand (training computes them once).
        """
        b, nc = cine.shape[:2]
        ns = stills.shape[1]
        cine, stills = self._channels(cine, stills, anatomy)
        cine_vec = self.encoder(cine.flatten(0, 1)).reshape(b, nc, -1)
        still_vec = self.encoder(stills.flatten(0, 1), temporal=False).reshape(b, ns, -1)
        views = torch.cat([cine_vec, still_vec], dim=1) + self.view_embedding
        mask = torch.cat([cine_present, still_present], dim=1)
        scores = (self.key(views) @ self.query) / self.width**0.5
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1).nan_to_num(0.0)
        return (weights.unsqueeze(-1) * views).sum(dim=1), views, mask
