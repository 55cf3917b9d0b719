"""The anatomy stem: a frozen short-axis segmentation network in front of the video tower.

Real short-axis cine does not look like the phantom's (noise, fat, coil shading, trabeculae),
so a video tower trained on the phantom's pixels embeds real hearts by their look. What does
carry over is anatomy: the segmentation network (`segment`, trained only on randomised
synthetic images) finds the LV cavity, LV wall and RV cavity in real images. With a stem, the
short-axis slots are read as those three probability maps over the cycle instead of as grey
levels, so the tower learns sizes, wall thickness and motion, which real hearts share with the
phantom. The stem is frozen; its weights travel inside the CLIP checkpoint.

The network is the one `segment.model.build_model` makes (MONAI DynUNet, instance norm);
`cmrclip` cannot import `segment` (same layer), so the few lines that build it are here, and a
test loads the shipped segmentation weights into both.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from monai.networks.nets import DynUNet
from safetensors import SafetensorError
from safetensors.torch import load_model
from torch import Tensor, nn

from cmrclip.registry import AnatomyConfig

_MULTIPLE = 16  # the network halves the grid four times
# Where the pose puts the RV as seen from the LV: image left, as radiological short-axis
# views (and the phantom) show it. Real archives rotate the short axis freely (ACDC's RV sits
# anywhere from 40 to 150 degrees); a tower trained on one pose cannot read another.
RV_DIRECTION_RAD = math.pi
_CHUNK = 64  # frames per forward pass: bounds the memory of a long batch


def build_network(config: AnatomyConfig) -> nn.Module:
    """The segmentation network's architecture (weights loaded by the caller)."""
    n = len(config.filters)
    net: nn.Module = DynUNet(
        spatial_dims=2, in_channels=1, out_channels=config.n_classes,
        kernel_size=[3] * n, strides=[1] + [2] * (n - 1), upsample_kernel_size=[2] * (n - 1),
        filters=list(config.filters), norm_name="instance", res_block=False)
    return net


def _normalise(frames: Tensor) -> Tensor:
    """Each frame to 0..1 between its 0.5th and 99.5th percentiles (the network's input)."""
    flat = frames.flatten(1)
    low = torch.quantile(flat, 0.005, dim=1).view(-1, 1, 1, 1)
    high = torch.quantile(flat, 0.995, dim=1).view(-1, 1, 1, 1)
    return ((frames - low) / (high - low).clamp(min=1e-6)).clamp(0.0, 1.0)


class AnatomyStem(nn.Module):
    """Frames of short-axis clips -> probabilities of the foreground structures.

    `pixel_mm` is the clips' pixel size; the network runs at its own (`config.spacing_mm`).
    """

    def __init__(self, config: AnatomyConfig, pixel_mm: float) -> None:
        super().__init__()
        self.config = config
        self.scale = pixel_mm / config.spacing_mm
        self.net = build_network(config)
        self.net.requires_grad_(False)
        self.net.eval()

    def load(self, weights: Path) -> None:
        """Load a segmentation checkpoint's weights (its `model.safetensors`)."""
        try:
            load_model(self.net, str(weights), strict=True)
        except (OSError, RuntimeError, ValueError, SafetensorError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ValueError(f"{weights}: not weights of the anatomy stem's network "
                             f"({type(error).__name__}: {first[:200]})") from None
        self.net.requires_grad_(False)

    def train(self, mode: bool = True) -> AnatomyStem:
        """Frozen: the network stays in evaluation mode while the tower trains."""
        super().train(mode)
        self.net.eval()
        return self

    @torch.no_grad()
    def forward(self, clips: Tensor) -> Tensor:
        """clips (N, T, H, W) in 0..1 -> (N, T, classes - 1, H, W), background dropped."""
        n, t, h, w = clips.shape
        frames = clips.reshape(n * t, 1, h, w).float()
        size = (round(h * self.scale), round(w * self.scale))
        out = []
        for start in range(0, len(frames), _CHUNK):
            x = F.interpolate(frames[start:start + _CHUNK], size=size, mode="bilinear",
                              align_corners=False)
            x = _normalise(x)
            ph, pw = -size[0] % _MULTIPLE, -size[1] % _MULTIPLE
            x = F.pad(x, (0, pw, 0, ph))
            p = torch.softmax(self.net(x), dim=1)[:, 1:, :size[0], :size[1]]
            out.append(F.interpolate(p, size=(h, w), mode="bilinear", align_corners=False,
                                     antialias=True))
        return torch.cat(out).reshape(n, t, -1, h, w)


def _centroid(p: Tensor) -> Tensor:
    """Probability-weighted (x, y) of maps (B, H, W), in grid_sample's -1..1 coordinates."""
    h, w = p.shape[-2:]
    ys = (2 * torch.arange(h, dtype=p.dtype, device=p.device) + 1) / h - 1
    xs = (2 * torch.arange(w, dtype=p.dtype, device=p.device) + 1) / w - 1
    mass = p.sum(dim=(1, 2)).clamp(min=1e-6)
    return torch.stack([(p.sum(dim=1) * xs).sum(dim=1) / mass,
                        (p.sum(dim=2) * ys).sum(dim=1) / mass], dim=1)


def canonical_pose(maps: Tensor, reference: int) -> Tensor:
    """Turn each study's maps so the RV lies left of the LV, the LV in the middle.

    maps (B, slots, T, 3 structures, H, W); the pose comes from slot `reference` over the whole
    cycle (the mid-ventricular slice shows both ventricles best) and is applied to every slot.
    A study whose reference slot shows no RV keeps its rotation (it is only centred); one whose
    reference slot shows no LV either (a study without that cine) is left as it is.
    """
    b, slots, t, c, h, w = maps.shape
    mid = maps[:, reference].mean(dim=1)  # (B, 3, H, W)
    least = 0.002 * h * w  # about 0.4 cm2 at 64 px / 2.2 mm
    lv_seen = (mid[:, 0] + mid[:, 1]).sum(dim=(1, 2)) > least
    # the centroid of an empty map is noise divided by almost nothing: no shift then
    lv = torch.where(lv_seen.unsqueeze(1), _centroid(mid[:, 0] + mid[:, 1]),
                     torch.zeros(b, 2, dtype=maps.dtype, device=maps.device))
    rv = _centroid(mid[:, 2])
    seen = lv_seen & (mid[:, 2].sum(dim=(1, 2)) > least)
    d = rv - lv
    turn = torch.where(seen, torch.atan2(d[:, 1], d[:, 0]) - RV_DIRECTION_RAD,
                       torch.zeros_like(d[:, 0]))
    cos, sin = torch.cos(turn), torch.sin(turn)
    # output pixel o samples the input at R(turn) o + lv: what lay toward the RV now lies left
    theta = torch.stack([torch.stack([cos, -sin, lv[:, 0]], 1),
                         torch.stack([sin, cos, lv[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, [b, 1, h, w], align_corners=False)
    flat = maps.reshape(b, slots * t * c, h, w)
    turned = F.grid_sample(flat, grid, align_corners=False, padding_mode="zeros")
    return turned.reshape(maps.shape)
