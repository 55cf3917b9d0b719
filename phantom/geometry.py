"""Where the heart sits in the patient, and the imaging planes cut through it.

Patient coordinates are DICOM LPS millimetres: +x towards the patient's left, +y posterior,
+z superior (head first supine).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phantom.anatomy import HeartAnatomy
from phantom.heart import aortic_axis

Array = np.ndarray


def _unit(v: Array) -> Array:
    return np.asarray(v / np.linalg.norm(v), dtype=np.float64)


@dataclass(frozen=True)
class HeartPose:
    """The heart frame in patient coordinates: origin (mm) and axes (unit vectors, LPS)."""

    origin: Array
    lateral: Array   # heart +x
    anterior: Array  # heart +y
    basal: Array     # heart +z

    def __post_init__(self) -> None:
        axes = np.stack([self.lateral, self.anterior, self.basal])
        if not np.allclose(axes @ axes.T, np.eye(3), atol=1e-6):
            raise ValueError("heart axes must be orthonormal")

    def to_heart(self, points: Array) -> tuple[Array, Array, Array]:
        """Patient points (..., 3) to heart-frame coordinates x, y, z (float32)."""
        d = points - self.origin
        return (
            (d @ self.lateral).astype(np.float32),
            (d @ self.anterior).astype(np.float32),
            (d @ self.basal).astype(np.float32),
        )

    def to_patient(self, x: float, y: float, z: float) -> Array:
        return np.asarray(self.origin + x * self.lateral + y * self.anterior + z * self.basal)

    def direction(self, x: float, y: float, z: float) -> Array:
        return _unit(x * self.lateral + y * self.anterior + z * self.basal)


def sample_pose(rng: np.random.Generator) -> HeartPose:
    """A plausible heart position and axis: apex pointing left, anterior and inferior."""
    apex = _unit(np.array([0.62, -0.5, -0.6]) + rng.normal(scale=0.08, size=3))
    basal = -apex
    forward = np.array([0.0, -1.0, 0.0])
    anterior = _unit(forward - (forward @ basal) * basal)
    lateral = np.cross(basal, anterior)
    spin = np.radians(rng.normal(scale=6.0))
    anterior, lateral = (
        np.cos(spin) * anterior + np.sin(spin) * lateral,
        np.cos(spin) * lateral - np.sin(spin) * anterior,
    )
    origin = np.array([15.0, -20.0, 0.0]) + rng.normal(scale=[6.0, 6.0, 10.0])
    return HeartPose(origin, _unit(lateral), _unit(anterior), basal)


@dataclass(frozen=True)
class Plane:
    """An image plane: pixel (r, c) lies at position + spacing * (c * row_dir + r * col_dir).

    `position` is the centre of the first pixel (DICOM ImagePositionPatient, mm); `row_dir` is
    the direction along a row and `col_dir` along a column (DICOM ImageOrientationPatient order);
    `spacing` is the square pixel size in mm.
    """

    position: Array
    row_dir: Array
    col_dir: Array
    rows: int
    cols: int
    spacing: float

    def __post_init__(self) -> None:
        if abs(float(self.row_dir @ self.col_dir)) > 1e-6:
            raise ValueError("row and column directions must be orthogonal")
        if self.rows <= 0 or self.cols <= 0 or self.spacing <= 0:
            raise ValueError("plane needs positive size and spacing")

    @property
    def normal(self) -> Array:
        return np.cross(self.row_dir, self.col_dir)

    @property
    def center(self) -> Array:
        return np.asarray(self.position + self.spacing * (
            (self.cols - 1) / 2 * self.row_dir + (self.rows - 1) / 2 * self.col_dir))

    def points(self, r0: int = 0, r1: int | None = None, c0: int = 0,
               c1: int | None = None) -> Array:
        """Patient coordinates (rows, cols, 3) of pixel centres in a sub-rectangle."""
        r = np.arange(r0, self.rows if r1 is None else r1, dtype=np.float64)
        c = np.arange(c0, self.cols if c1 is None else c1, dtype=np.float64)
        return np.asarray(self.position + self.spacing * (
            c[None, :, None] * self.row_dir + r[:, None, None] * self.col_dir))

    def subsampled(self, step: int) -> Plane:
        """The same plane sampled every `step` pixels (pixel k here is pixel k*step there)."""
        return Plane(self.position, self.row_dir, self.col_dir, -(-self.rows // step),
                     -(-self.cols // step), self.spacing * step)

    def pixel_box(self, center: Array, radius: float) -> tuple[int, int, int, int]:
        """Pixel rectangle (r0, r1, c0, c1) covering a sphere's cut through this plane."""
        d = center - self.position
        along = float(d @ self.normal)
        half = np.sqrt(max(radius**2 - along**2, 0.0)) / self.spacing + 2
        c, r = float(d @ self.row_dir) / self.spacing, float(d @ self.col_dir) / self.spacing
        return (
            int(np.clip(r - half, 0, self.rows)), int(np.clip(r + half + 1, 0, self.rows)),
            int(np.clip(c - half, 0, self.cols)), int(np.clip(c + half + 1, 0, self.cols)),
        )


def centered_plane(center: Array, row_dir: Array, col_dir: Array, rows: int, cols: int,
                   spacing: float) -> Plane:
    row_dir, col_dir = _unit(row_dir), _unit(col_dir)
    position = center - spacing * ((cols - 1) / 2 * row_dir + (rows - 1) / 2 * col_dir)
    return Plane(position, row_dir, col_dir, rows, cols, spacing)


def _spin(row: Array, col: Array, degrees: float) -> tuple[Array, Array]:
    a = np.radians(degrees)
    return np.cos(a) * row + np.sin(a) * col, np.cos(a) * col - np.sin(a) * row


@dataclass(frozen=True)
class ViewAxes:
    """Row and column directions and a point on the plane, for each standard view."""

    center: Array
    row_dir: Array
    col_dir: Array


def long_axis_views(pose: HeartPose, anatomy: HeartAnatomy) -> dict[str, ViewAxes]:
    """The 2-, 3-, 4-chamber and LVOT planes: apex up, cut through the same heart."""
    mid = pose.to_patient(0.0, 0.0, -0.35 * anatomy.lv_length_mm)
    down = pose.basal  # image rows run from apex (top) towards the base
    valve, aorta = aortic_axis(anatomy, 0.0)
    toward_valve = pose.direction(float(valve[0]), float(valve[1]), 0.0)
    aorta_dir = pose.direction(*(float(v) for v in aorta))
    across_3ch = _unit(np.cross(toward_valve, pose.basal))
    return {
        "4ch": ViewAxes(mid + pose.anterior * -10.0, pose.lateral, down),
        "2ch": ViewAxes(mid + pose.lateral * 2.0, pose.anterior, down),
        "3ch": ViewAxes(mid, -toward_valve, down),
        "lvot": ViewAxes(pose.to_patient(*(float(v) for v in valve)), across_3ch, -aorta_dir),
    }


def short_axis_stack(pose: HeartPose, anatomy: HeartAnatomy, n_slices: int, spacing_mm: float,
                     first_offset_mm: float, in_plane_spin_deg: float, rows: int, cols: int,
                     pixel_mm: float) -> list[Plane]:
    """Short-axis planes from the mitral annulus towards the apex, anterior up, RV on the left."""
    row, col = _spin(pose.lateral, -pose.anterior, in_plane_spin_deg)
    planes = []
    for k in range(n_slices):
        z = first_offset_mm - spacing_mm * (k + 0.5)
        center = pose.to_patient(-8.0, 0.0, z)
        planes.append(centered_plane(center, row, col, rows, cols, pixel_mm))
    return planes


def long_axis_plane(axes: ViewAxes, in_plane_spin_deg: float, rows: int, cols: int,
                    pixel_mm: float, shift_mm: Array | None = None) -> Plane:
    row, col = _spin(axes.row_dir, axes.col_dir, in_plane_spin_deg)
    center = axes.center if shift_mm is None else axes.center + shift_mm
    return centered_plane(center, row, col, rows, cols, pixel_mm)
