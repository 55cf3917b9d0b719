"""The chest around the heart: body wall, fat, lungs, spine, descending aorta, liver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phantom.tissue import Tissue

Array = np.ndarray


@dataclass(frozen=True)
class Habitus:
    """Body build in mm (patient LPS coordinates; the heart sits near the origin)."""

    half_width_mm: float
    half_depth_mm: float
    subcutaneous_fat_mm: float
    diaphragm_z_mm: float
    texture_seed: int

    def __post_init__(self) -> None:
        if self.half_width_mm <= self.half_depth_mm or self.subcutaneous_fat_mm <= 0:
            raise ValueError(f"implausible habitus: {self}")


def sample_habitus(rng: np.random.Generator, bmi: float) -> Habitus:
    fat = float(np.clip(4.0 + (bmi - 18.0) * 1.6 + rng.normal(scale=3.0), 3.0, 45.0))
    return Habitus(
        half_width_mm=float(150.0 + fat + rng.normal(scale=8.0)),
        half_depth_mm=float(100.0 + 0.8 * fat + rng.normal(scale=6.0)),
        subcutaneous_fat_mm=fat,
        diaphragm_z_mm=float(-55.0 + rng.normal(scale=8.0)),
        texture_seed=int(rng.integers(2**31)),
    )


def _soft(sd: Array, edge: float) -> Array:
    return np.clip(0.5 - sd / edge, 0.0, 1.0)


def _ellipse_sd(u: Array, v: Array, a: float, b: float) -> Array:
    q = np.sqrt((u / a) ** 2 + (v / b) ** 2) + 1e-6
    return np.asarray((q - 1.0) * min(a, b))


def _ellipsoid_sd(p: Array, center: tuple[float, float, float],
                  radii: tuple[float, float, float]) -> Array:
    d = (p - np.asarray(center)) / np.asarray(radii)
    return np.asarray((np.sqrt(np.sum(d * d, axis=-1)) - 1.0) * min(radii))


def texture(seed: int, p: Array, wavelength_mm: float, amplitude: float) -> Array:
    """Multiplicative tissue texture around 1 (a few random plane waves)."""
    rng = np.random.default_rng(seed)
    total = np.zeros(p.shape[:-1], dtype=np.float32)
    for _ in range(5):
        k = rng.normal(size=3)
        k *= 2.0 * np.pi / (wavelength_mm * rng.uniform(0.6, 1.4)) / np.linalg.norm(k)
        total += np.cos(p @ k + rng.uniform(0, 2 * np.pi)).astype(np.float32)
    return np.asarray(1.0 + amplitude * total / np.sqrt(2.5))


def body_layers(habitus: Habitus, p: Array, edge: float) -> list[tuple[Tissue, Array]]:
    """(tissue, coverage 0..1) layers to paint in order, for patient points p (..., 3)."""
    h = habitus
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    yc = y - 10.0
    skin = _ellipse_sd(x, yc, h.half_width_mm, h.half_depth_mm)
    fat = h.subcutaneous_fat_mm
    wall = _ellipse_sd(x, yc, h.half_width_mm - fat, h.half_depth_mm - fat)
    cavity = _ellipse_sd(x, yc, h.half_width_mm - fat - 12.0, h.half_depth_mm - fat - 10.0)
    dome = h.diaphragm_z_mm - 0.004 * ((x + 50.0) ** 2 + (y - 10.0) ** 2)
    below = z - dome
    layers = [
        (Tissue.FAT, _soft(skin, edge)),
        (Tissue.MUSCLE, _soft(wall, edge)),
        (Tissue.SOFT, _soft(cavity, edge)),
        (Tissue.LUNG, _soft(np.maximum(_ellipsoid_sd(p, (82.0, 15.0, 30.0), (62.0, 82.0, 150.0)),
                                       np.maximum(cavity, -below)), edge)),
        (Tissue.LUNG, _soft(np.maximum(_ellipsoid_sd(p, (-82.0, 15.0, 30.0), (66.0, 85.0, 150.0)),
                                       np.maximum(cavity, -below)), edge)),
        (Tissue.FAT, _soft(_ellipsoid_sd(p, (0.0, -35.0, -20.0), (45.0, 60.0, 100.0)), edge)),
        (Tissue.LIVER, _soft(np.maximum(below, np.maximum(cavity, x - 45.0)), edge)),
        (Tissue.ABDOMEN, _soft(np.maximum(below, np.maximum(cavity, 45.0 - x)), edge)),
        (Tissue.BONE, _soft(np.hypot(x, y - 78.0) - 18.0, edge)),
        (Tissue.CSF, _soft(np.hypot(x, y - 103.0) - 6.0, edge)),
        (Tissue.BLOOD, _soft(np.hypot(x - 26.0, y - 55.0) - 11.0, edge)),
    ]
    return layers
