"""Plan a CMR exam the way a radiographer would: which series, planes, phases and matrix."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
)

from phantom.geometry import (
    Plane,
    centered_plane,
    long_axis_plane,
    long_axis_views,
    short_axis_stack,
)
from phantom.render import Scene
from phantom.tissue import Contrast
from phantom.vendors import VENDORS, ScannerModel, SeriesKind, Vendor

Array = np.ndarray
# Keep a study under 15 MB even before compression.
_STUDY_BUDGET_BYTES = 12_000_000
_MATRIX_CHOICES = (224, 208, 192, 176, 160, 144, 128)
_LAX_KINDS = {"2ch": SeriesKind.CH2_CINE, "3ch": SeriesKind.CH3_CINE,
              "4ch": SeriesKind.CH4_CINE, "lvot": SeriesKind.LVOT_CINE}


@dataclass(frozen=True)
class SeriesPlan:
    """One series to acquire: one image per (plane, phase) pair, planes outermost.

    `phases` are RR fractions; `inversion_times_ms` (one per phase) is set for inversion-recovery
    series; `shifts_mm` displaces the heart per plane (breath-hold misregistration).
    """

    kind: SeriesKind
    description: str
    series_number: int
    contrast: Contrast
    planes: tuple[Plane, ...]
    phases: tuple[float, ...]
    slice_thickness_mm: float
    shifts_mm: tuple[Array | None, ...]
    multiframe: bool
    transfer_syntax: UID
    inversion_times_ms: tuple[float, ...] | None = None
    gated: bool = True

    def __post_init__(self) -> None:
        if not self.planes or not self.phases:
            raise ValueError(f"series {self.description!r} has no images")
        if len(self.shifts_mm) != len(self.planes):
            raise ValueError("one shift per plane")
        if self.inversion_times_ms is not None and len(self.inversion_times_ms) != len(self.phases):
            raise ValueError("one inversion time per phase")

    @property
    def n_images(self) -> int:
        return len(self.planes) * len(self.phases)


@dataclass(frozen=True)
class Protocol:
    vendor: Vendor
    model: ScannerModel
    noise: float  # Rician noise sigma relative to cine blood signal
    blood_value: float  # stored value of cine blood
    series: tuple[SeriesPlan, ...]

    @property
    def manufacturer(self) -> str:
        return VENDORS[self.vendor].manufacturer


def _choose_matrix(n_cine_images: int, n_other_images: int) -> int:
    for cols in _MATRIX_CHOICES:
        if (n_cine_images + n_other_images) * cols * cols * 0.9 * 2 <= _STUDY_BUDGET_BYTES:
            return cols
    return _MATRIX_CHOICES[-1]


class _Planner:
    """Holds the per-study random choices while the series are laid out."""

    def __init__(self, rng: np.random.Generator, scene: Scene, vendor: Vendor) -> None:
        self.rng, self.scene, self.vendor = rng, scene, vendor
        self.style = VENDORS[vendor]
        self.number = 0
        self.generic_names = rng.random() < 0.25

    def description(self, kind: SeriesKind) -> str:
        options = self.style.descriptions[kind]
        is_image_series = kind not in (SeriesKind.LOCALIZER, SeriesKind.TI_SCOUT,
                                       SeriesKind.T1_MAP)
        if self.generic_names and is_image_series and self.rng.random() < 0.3:
            return f"series {self.number + 1}"  # an export that lost its protocol names
        return options[int(self.rng.integers(len(options)))]

    def encoding(self, kind: SeriesKind) -> tuple[bool, UID]:
        cine_or_lge = kind not in (SeriesKind.LOCALIZER, SeriesKind.TI_SCOUT, SeriesKind.T1_MAP)
        p_multi = 0.75 if self.vendor is Vendor.PHILIPS else 0.2
        multiframe = cine_or_lge and self.rng.random() < p_multi
        r = self.rng.random()
        syntax = (RLELossless if r < 0.2 else JPEG2000Lossless if r < 0.25
                  else ImplicitVRLittleEndian if r < 0.4 else ExplicitVRLittleEndian)
        return multiframe, syntax

    def series(self, kind: SeriesKind, contrast: Contrast, planes: list[Plane],
               phases: list[float], thickness: float, shifts: list[Array | None] | None = None,
               inversion_times: list[float] | None = None, gated: bool = True) -> SeriesPlan:
        self.number += 1
        multiframe, syntax = self.encoding(kind)
        return SeriesPlan(
            kind=kind, description=self.description(kind), series_number=self.number,
            contrast=contrast, planes=tuple(planes), phases=tuple(phases),
            slice_thickness_mm=thickness,
            shifts_mm=tuple(shifts if shifts is not None else [None] * len(planes)),
            multiframe=multiframe, transfer_syntax=syntax,
            inversion_times_ms=None if inversion_times is None else tuple(inversion_times),
            gated=gated,
        )

    def misregistration(self, planes: list[Plane]) -> list[Array | None]:
        shifts: list[Array | None] = [None] * len(planes)
        if self.rng.random() < 0.15:
            for k in self.rng.choice(len(planes), size=int(self.rng.integers(1, 4)), replace=False):
                d = self.rng.normal(scale=3.0, size=2)
                shifts[int(k)] = d[0] * planes[k].row_dir + d[1] * planes[k].col_dir
        return shifts


def _localizer(p: _Planner, center: Array) -> SeriesPlan:
    axes = ((np.array([1.0, 0, 0]), np.array([0, 1.0, 0])),   # axial
            (np.array([1.0, 0, 0]), np.array([0, 0, -1.0])),  # coronal
            (np.array([0, 1.0, 0]), np.array([0, 0, -1.0])))  # sagittal
    planes: list[Plane] = []
    for row, col in axes:
        normal = np.cross(row, col)
        planes.extend(centered_plane(center + k * 15.0 * normal, row, col, 128, 128, 3.4)
                      for k in (-1, 0, 1))
    return p.series(SeriesKind.LOCALIZER, Contrast.LOCALIZER, planes, [0.7], 8.0, gated=False)


def plan_protocol(rng: np.random.Generator, scene: Scene, with_contrast: bool) -> Protocol:
    """The series of one exam; every plane is cut through `scene`'s heart."""
    vendor = list(Vendor)[int(rng.integers(3))]
    style = VENDORS[vendor]
    model = style.models[int(rng.integers(len(style.models)))]
    p = _Planner(rng, scene, vendor)
    a, pose = scene.anatomy, scene.pose
    n_phases = int(rng.integers(20, 31))
    phases = [(k + float(rng.uniform(-0.15, 0.15))) / n_phases % 1.0 for k in range(n_phases)]
    phases[0] = 0.0
    thickness = float(rng.choice([6.0, 7.0, 8.0]))
    spacing = thickness + float(rng.choice([2.0, 3.0, 4.0]))
    n_sax = int(np.clip(math.ceil((a.lv_length_mm + a.apical_wall_mm + 6) / spacing), 8, 14))
    lax_names = [n for n, prob in (("2ch", 0.95), ("3ch", 0.9), ("4ch", 0.97), ("lvot", 0.35))
                 if rng.random() < prob]
    n_lge = (n_sax + 3) if with_contrast else 0
    cols = _choose_matrix(n_phases * (n_sax + len(lax_names)), n_lge + 35)
    rows = int(round(cols * rng.uniform(0.78, 1.0) / 8.0) * 8)
    fov = float(np.clip(2.0 * scene.habitus.half_width_mm * rng.uniform(0.8, 1.0), 300, 400))
    pixel = fov / cols
    spin = float(rng.normal(scale=8.0))
    sax = short_axis_stack(pose, a, n_sax, spacing, float(rng.uniform(-2.0, 3.0)), spin,
                           rows, cols, pixel)
    series = [_localizer(p, scene.heart_center)]
    series.append(p.series(SeriesKind.SAX_CINE, Contrast.CINE, sax, phases, thickness,
                           p.misregistration(sax)))
    views = long_axis_views(pose, a)
    lax_planes = {n: long_axis_plane(views[n], float(rng.normal(scale=6.0)), rows, cols, pixel)
                  for n in ("2ch", "3ch", "4ch", "lvot")}
    series.extend(p.series(_LAX_KINDS[n], Contrast.CINE, [lax_planes[n]], phases, thickness)
                  for n in lax_names)
    if with_contrast:
        series.extend(_contrast_series(p, rng, sax, lax_planes, thickness, model))
    blood = float(rng.uniform(*style.intensity_range))
    noise = float(rng.uniform(0.02, 0.035) if model.field_strength_t > 2 else
                  rng.uniform(0.03, 0.055))
    return Protocol(vendor, model, noise, blood, tuple(series))


def _contrast_series(p: _Planner, rng: np.random.Generator, sax: list[Plane],
                     lax: dict[str, Plane], thickness: float,
                     model: ScannerModel) -> list[SeriesPlan]:
    mid = sax[len(sax) // 2]
    null_ti = 300.0 if model.field_strength_t < 2 else 350.0
    scout_tis = [100.0 + 25.0 * k for k in range(16)]
    out = [p.series(SeriesKind.TI_SCOUT, Contrast.LGE, [mid], [k / 16 for k in range(16)],
                    thickness, inversion_times=scout_tis)]
    if rng.random() < 0.4:
        molli = [100.0, 180.0, 260.0, 1100.0, 1180.0, 2100.0, 2200.0, 3200.0]
        out.append(p.series(SeriesKind.T1_MAP, Contrast.T1_MAP, [mid], [0.72] * 8, thickness,
                            inversion_times=molli))
    ti = null_ti + float(rng.normal(scale=15.0))
    out.append(p.series(SeriesKind.LGE_SAX, Contrast.LGE, sax, [0.72], thickness,
                        p.misregistration(sax), inversion_times=[ti]))
    for name in [n for n in ("4ch", "2ch", "3ch") if rng.random() < 0.75]:
        out.append(p.series(SeriesKind.LGE_LAX, Contrast.LGE, [lax[name]], [0.72], thickness,
                            inversion_times=[ti]))
    return out
