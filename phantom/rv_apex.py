"""The RV's coarse apical trabeculation and its moderator band, for training label maps only.

A real RV apex is filled with coarse muscle strands with blood between them, and the moderator
band crosses the apical third from the septum to the free wall; readers draw the RV cavity
round both (ACDC counts trabeculae as cavity). The phantom's RV is smooth blood to its apex
with at most a thin trabecular band along the free wall, so the network trained on it took a
real apical RV, dark strands and all, for background: at end-systole it found under half of
the experts' apical RV (docs/segmentation/README.md, "Where the RV is lost"). These layers are
labelled `RV_TRABECULAE`, which counts as RV cavity; the rendered phantom never draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phantom.anatomy import HeartAnatomy
from phantom.heart import HeartFields, HeartPoints, rv_base_z

Array = np.ndarray


@dataclass(frozen=True)
class RvApex:
    """How one heart's RV apex is trabeculated (mm, degrees; levels 0 at the base, 1 apex).

    The trabecular band along the RV wall deepens towards the apex by `gain` x level², so the
    apical RV fills with strands of about `wavelength_mm`, covering `share` of the band. A
    moderator band of radius `band_radius_mm` (0: none) crosses the RV at `band_level` of its
    length, at `band_theta_deg` round the LV axis (the RV lies round 165°)."""

    gain: float = 3.0
    share: float = 0.55
    wavelength_mm: float = 6.0
    band_radius_mm: float = 2.5
    band_level: float = 0.65
    band_theta_deg: float = 165.0
    seed: int = 0

    def __post_init__(self) -> None:
        if (self.gain < 0 or not 0.0 < self.share <= 1.0 or self.wavelength_mm <= 0
                or self.band_radius_mm < 0 or not 0.0 <= self.band_level <= 1.0):
            raise ValueError(f"implausible RV apex: {self}")


def sample_rv_apex(rng: np.random.Generator) -> RvApex:
    """A random RV apex; seven hearts in ten with a moderator band this plane may cut."""
    return RvApex(gain=float(rng.uniform(1.5, 5.0)), share=float(rng.uniform(0.4, 0.7)),
                  wavelength_mm=float(rng.uniform(4.0, 9.0)),
                  band_radius_mm=float(rng.uniform(1.5, 3.5)) if rng.random() < 0.7 else 0.0,
                  band_level=float(rng.uniform(0.5, 0.8)),
                  band_theta_deg=float(rng.uniform(140.0, 190.0)),
                  seed=int(rng.integers(2**31)))


def apical_rv_trabeculae(apex: RvApex, fields: HeartFields, pts: HeartPoints,
                         depth_mm: float, free_wall_only: bool) -> Array:
    """Where the RV cavity is trabecular: a band `depth_mm` deep at the base, deepening to the
    apex (boolean, the points' shape). `free_wall_only` keeps the strands off the septum."""
    pattern = pts.noise(apex.seed, apex.wavelength_mm) + 0.7 * pts.noise(
        apex.seed + 1, apex.wavelength_mm * 1.6)
    strands = pattern > np.quantile(pattern, 1.0 - apex.share)
    depth = max(depth_mm, 1.0) * (1.0 + apex.gain * fields.level ** 2)
    inside = (fields.rv_blood < 0) & (fields.rv_blood > -depth) & strands
    return inside & (fields.rv_outer < -1.0) if free_wall_only else inside


def moderator_band(apex: RvApex, anatomy: HeartAnatomy, f: float, pts: HeartPoints,
                   fields: HeartFields) -> Array:
    """The moderator band inside the RV cavity at contraction `f` (boolean): a rod from the
    septum across the cavity, thicker in systole as the muscle shortens."""
    if apex.band_radius_mm <= 0:
        return np.zeros(pts.x.shape, dtype=bool)
    base = rv_base_z(anatomy, f)
    z0 = base - apex.band_level * (anatomy.rv_length_mm + base)
    theta = np.radians(apex.band_theta_deg)
    along = pts.x * np.cos(theta) + pts.y * np.sin(theta)
    across = -pts.x * np.sin(theta) + pts.y * np.cos(theta)
    radius = apex.band_radius_mm * (1.0 + 0.3 * f)
    return np.asarray((fields.rv_blood < 0) & (along > 0)
                      & (np.hypot(across, pts.z - z0) < radius))
