"""Parameters of one synthetic heart: geometry at end-diastole, function, and tissue findings.

The heart frame: origin on the LV long axis in the plane of the mitral annulus at end-diastole;
+z points from the apex towards the base; angles theta are measured around the long axis with
0 deg = lateral wall, 90 deg = anterior, 180 deg = septum, 270 deg = inferior (AHA orientation).
All lengths are in millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Territory(StrEnum):
    """Coronary territory of an infarct."""

    LAD = "lad"
    RCA = "rca"
    LCX = "lcx"


# Angular span (deg, start and end, counter-clockwise) and apical-fraction span of each territory.
TERRITORY_SPAN: dict[Territory, tuple[float, float, float, float]] = {
    Territory.LAD: (40.0, 190.0, 0.25, 1.0),
    Territory.RCA: (195.0, 300.0, 0.0, 0.75),
    Territory.LCX: (290.0, 400.0, 0.0, 0.7),
}


class LgePattern(StrEnum):
    SUBENDOCARDIAL = "subendocardial"
    TRANSMURAL = "transmural"
    MIDWALL = "midwall"
    SUBEPICARDIAL = "subepicardial"
    DIFFUSE_SUBENDOCARDIAL = "diffuse_subendocardial"
    INSERTION_POINT = "insertion_point"


@dataclass(frozen=True)
class ScarRegion:
    """One region of late gadolinium enhancement in the LV myocardium.

    Angles in degrees (start < end, end may exceed 360); levels as fractions of the LV length
    from base (0) to apex (1); transmural extent as fractions of the wall from endocardium (0)
    to epicardium (1); patchiness 0 gives a solid region, higher values break it into islands.
    """

    pattern: LgePattern
    theta_start: float
    theta_end: float
    level_start: float
    level_end: float
    tau_start: float
    tau_end: float
    patchiness: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not (self.theta_start < self.theta_end <= self.theta_start + 360.0):
            raise ValueError(f"scar angles must increase within one turn: {self}")
        if not (0.0 <= self.level_start < self.level_end <= 1.0):
            raise ValueError(f"scar levels must lie in [0, 1] and increase: {self}")
        if not (0.0 <= self.tau_start < self.tau_end <= 1.0):
            raise ValueError(f"scar transmural extent must lie in [0, 1] and increase: {self}")


@dataclass(frozen=True)
class HeartAnatomy:
    """A heart at end-diastole plus how it moves; every field changes the rendered pixels."""

    # LV cavity: a truncated super-ellipsoid of revolution (radius at base, length base-to-apex).
    lv_radius_mm: float = 27.0
    lv_length_mm: float = 85.0
    lv_shape_exponent: float = 2.4
    lv_wall_mm: float = 8.0
    septal_wall_mm: float = 8.5
    apical_wall_mm: float = 6.0
    # Function: fractional radial shortening of the endocardium and descent of the base (mm).
    lv_radial_shortening: float = 0.36
    base_descent_mm: float = 13.0
    # Regional dysfunction of an infarct: 0 normal motion, 1 akinetic; thinning in mm.
    territory: Territory | None = None
    hypokinesis: float = 0.0
    infarct_thinning_mm: float = 0.0
    # D-shaped LV of pressure-loaded RV (0 = round).
    septal_flattening: float = 0.0
    # RV: a crescent over the septum: depth (mm), half-span around the LV (deg), length (mm).
    rv_width_mm: float = 28.0
    rv_span_deg: float = 100.0
    rv_length_mm: float = 70.0
    rv_wall_mm: float = 3.5
    rv_shortening: float = 0.27
    rv_aneurysm_mm: float = 0.0
    # Atria (radius at end-diastole) and aortic root (diameter at the sinuses).
    la_radius_mm: float = 19.0
    ra_radius_mm: float = 19.0
    atrial_wall_mm: float = 2.0
    aortic_root_mm: float = 31.0
    # Pericardial fluid thickness (mm) at its deepest point.
    effusion_mm: float = 0.0
    scars: tuple[ScarRegion, ...] = field(default_factory=tuple)
    # Amyloid: myocardium and blood both take up gadolinium, so the myocardium cannot be nulled.
    diffuse_myocardial_enhancement: float = 0.0
    # Cardiac cycle: heart rate (beats/min), end-systole as a fraction of the RR interval, and
    # the fraction of filling done in early diastole (lower in diastolic dysfunction).
    heart_rate_bpm: float = 68.0
    end_systole_fraction: float = 0.36
    early_filling_fraction: float = 0.65

    def __post_init__(self) -> None:
        positive = (
            "lv_radius_mm", "lv_length_mm", "lv_wall_mm", "septal_wall_mm", "apical_wall_mm",
            "rv_width_mm", "rv_span_deg", "rv_length_mm", "rv_wall_mm", "la_radius_mm",
            "ra_radius_mm", "aortic_root_mm", "heart_rate_bpm",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0.0 <= self.lv_radial_shortening < 0.8:
            raise ValueError(f"lv_radial_shortening out of range: {self.lv_radial_shortening}")
        if not 0.0 <= self.rv_shortening < 0.8:
            raise ValueError(f"rv_shortening out of range: {self.rv_shortening}")
        if not 0.15 <= self.end_systole_fraction <= 0.6:
            raise ValueError(f"end_systole_fraction out of range: {self.end_systole_fraction}")
        if not 0.0 <= self.hypokinesis <= 1.0:
            raise ValueError(f"hypokinesis must lie in [0, 1]: {self.hypokinesis}")
        if self.effusion_mm < 0 or self.infarct_thinning_mm < 0 or self.rv_aneurysm_mm < 0:
            raise ValueError("effusion, thinning and aneurysm sizes cannot be negative")

    @property
    def rr_interval_ms(self) -> float:
        """RR interval in milliseconds."""
        return 60000.0 / self.heart_rate_bpm
