"""The released CMR-CLIP video tower: a "frozen-in-time" space-time transformer (ViT-B/16 shape).

Tokens are one CLS token, then every frame's patches, frame-major (1 + T x P). Each block
attends over time (a patch with the same patch in every frame, plus CLS), then over space
(a patch with its own frame's patches, plus CLS); the CLS query always attends to every token.
Attribute names follow the released state dict (`video_model.*`), so its weights load as they
are. Our own code, written from the published description; see `cmrclip.published`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cmrclip.registry import VideoConfig

_EPS = 1e-6  # LayerNorm epsilon of the released model


class PatchEmbed(nn.Module):
    """One Conv2d per frame: (B, T, C, H, W) -> (B, T x P, width), frame-major."""

    def __init__(self, patch: int, width: int, channels: int = 3) -> None:
        super().__init__()
        self.proj = nn.Conv2d(channels, width, kernel_size=patch, stride=patch)

    def forward(self, video: Tensor) -> Tensor:
        b, t, c, h, w = video.shape
        x: Tensor = self.proj(video.reshape(b * t, c, h, w)).flatten(2).transpose(1, 2)
        return x.reshape(b, -1, x.shape[-1])


class DividedAttention(nn.Module):
    """Multi-head attention within groups of patch tokens (one time line, or one frame).

    The CLS token is an extra key and value for every group, and its own query sees all tokens.
    """

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x: Tensor, frames: int, over_time: bool) -> Tensor:
        """x (B, 1 + frames x P, width) -> same shape."""
        b, n, d = x.shape
        h, dh = self.heads, d // self.heads
        q, k, v = self.qkv(x).reshape(b, n, 3, h, dh).permute(2, 0, 3, 1, 4)  # (B, h, n, dh)
        cls_out = F.scaled_dot_product_attention(q[:, :, :1], k, v)
        p = (n - 1) // frames

        def groups(t: Tensor) -> Tensor:  # (B, h, T x P, dh) -> (B, h x groups, members, dh)
            t = t[:, :, 1:].reshape(b, h, frames, p, dh)
            if over_time:
                t = t.transpose(2, 3)  # one group per patch position, its T frames
            return t.reshape(b, -1, t.shape[3], dh)

        def with_cls(t: Tensor, members: Tensor) -> Tensor:
            cls = t[:, :, :1].unsqueeze(2).expand(b, h, members.shape[1] // h, 1, dh)
            return torch.cat([cls.reshape(b, -1, 1, dh), members], dim=2)

        qg, kg, vg = groups(q), groups(k), groups(v)
        out = F.scaled_dot_product_attention(qg, with_cls(k, kg), with_cls(v, vg))
        if over_time:
            out = out.reshape(b, h, p, frames, dh).transpose(2, 3)
        out = out.reshape(b, h, frames * p, dh)
        out = torch.cat([cls_out, out], dim=2).transpose(1, 2).reshape(b, n, d)
        return self.proj(out)  # type: ignore[no-any-return]


class Mlp(nn.Module):
    def __init__(self, width: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(F.gelu(self.fc1(x)))  # type: ignore[no-any-return]


class SpaceTimeBlock(nn.Module):
    """time = TimeAttn(norm3(x)); x = x + SpaceAttn(norm1(x + time)); x = x + MLP(norm2(x)).

    The time output reaches the residual stream only through the space attention's input.
    """

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=_EPS)
        self.attn = DividedAttention(width, heads)
        self.timeattn = DividedAttention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=_EPS)
        self.mlp = Mlp(width, 4 * width)
        self.norm3 = nn.LayerNorm(width, eps=_EPS)

    def forward(self, x: Tensor, frames: int) -> Tensor:
        time = self.timeattn(self.norm3(x), frames, over_time=True)
        x = x + self.attn(self.norm1(x + time), frames, over_time=False)
        return x + self.mlp(self.norm2(x))  # type: ignore[no-any-return]


class SpaceTimeTransformer(nn.Module):
    """(B, T, 3, size, size) video, T <= config.frames -> (B, width) CLS feature."""

    def __init__(self, config: VideoConfig, size: int) -> None:
        super().__init__()
        patches = (size // config.patch) ** 2
        self.patch_embed = PatchEmbed(config.patch, config.width)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.width))
        self.pos_embed = nn.Parameter(torch.zeros(1, patches + 1, config.width))
        self.temporal_embed = nn.Parameter(torch.zeros(1, config.frames, config.width))
        for parameter in (self.cls_token, self.pos_embed, self.temporal_embed):
            if not parameter.is_meta:
                nn.init.trunc_normal_(parameter, std=0.02)
        self.blocks = nn.ModuleList(SpaceTimeBlock(config.width, config.heads)
                                    for _ in range(config.depth))
        self.norm = nn.LayerNorm(config.width, eps=_EPS)

    def forward(self, video: Tensor) -> Tensor:
        b, frames = video.shape[:2]
        if frames > self.temporal_embed.shape[1]:
            raise ValueError(f"{frames} frames; the model takes at most "
                             f"{self.temporal_embed.shape[1]}")
        x = self.patch_embed(video)
        p = x.shape[1] // frames
        # patch (t, p) gets pos_embed[1 + p] + temporal_embed[t]; CLS gets pos_embed[0]
        position = (self.pos_embed[:, None, 1:1 + p] +
                    self.temporal_embed[:, :frames, None]).reshape(1, frames * p, -1)
        x = torch.cat([self.cls_token.expand(b, -1, -1) + self.pos_embed[:, :1], x + position],
                      dim=1)
        for block in self.blocks:
            x = block(x, frames)
        return self.norm(x)[:, 0]  # type: ignore[no-any-return]
