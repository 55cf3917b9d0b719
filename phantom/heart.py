"""The beating heart as signed-distance fields in the heart frame (see `phantom.anatomy`).

Every structure is an implicit surface: a field that is negative inside, positive outside and
roughly equal to the distance in millimetres near the surface, so the renderer can draw
partial-volume edges and the same fields give exact label masks for volumes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phantom.anatomy import TERRITORY_SPAN, HeartAnatomy, ScarRegion, Territory

Array = np.ndarray

_AORTIC_VALVE_THETA_DEG = 125.0
_PAPILLARY_THETAS_DEG = (40.0, 250.0)
_SCAR_RAMP = 0.08


def angular_bump(theta_deg: Array, center_deg: float, half_width_deg: float) -> Array:
    """Smooth weight: 1 at `center_deg`, falling to 0 at +-`half_width_deg` (cos^2 profile)."""
    d = np.abs((theta_deg - center_deg + 180.0) % 360.0 - 180.0)
    w = np.cos(0.5 * np.pi * np.clip(d / half_width_deg, 0.0, 1.0))
    return w * w


def _window(x: Array, start: float, end: float, ramp: float) -> Array:
    """1 inside [start, end], ramping linearly to 0 over `ramp` outside."""
    return np.clip(np.minimum(x - start + ramp, end - x + ramp) / ramp, 0.0, 1.0)


def _angular_window(theta_deg: Array, start: float, end: float, ramp: float) -> Array:
    t = np.mod(theta_deg - start, 360.0) + start  # unwrap into [start, start + 360)
    return np.asarray(np.maximum(_window(t, start, end, ramp),
                                 _window(t - 360.0, start, end, ramp)))


class HeartPoints:
    """Points in the heart frame with their cylindrical coordinates.

    The heart frame does not move with the cycle, so angles, radii and angular weights are
    computed once per image plane and reused for every phase.
    """

    def __init__(self, x: Array, y: Array, z: Array) -> None:
        self.x, self.y, self.z = x, y, z
        self.theta = np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, dtype=x.dtype)
        self.rho = np.hypot(x, y)
        self._cache: dict[tuple[object, ...], Array] = {}

    def bump(self, center_deg: float, half_width_deg: float) -> Array:
        key = ("bump", center_deg, half_width_deg)
        if key not in self._cache:
            self._cache[key] = angular_bump(self.theta, center_deg, half_width_deg)
        return self._cache[key]

    def sector(self, start: float, end: float, ramp: float) -> Array:
        key = ("sector", start, end, ramp)
        if key not in self._cache:
            self._cache[key] = _angular_window(self.theta, start, end, ramp)
        return self._cache[key]

    def noise(self, seed: int, wavelength_mm: float) -> Array:
        key = ("noise", seed, wavelength_mm)
        if key not in self._cache:
            self._cache[key] = _smooth_noise(seed, self.x, self.y, self.z, wavelength_mm)
        return self._cache[key]


def territory_weight(anatomy: HeartAnatomy, pts: HeartPoints, level: Array) -> Array:
    """How much each point belongs to the infarct territory (0..1)."""
    if anatomy.territory is None:
        return np.zeros_like(level)
    t0, t1, l0, l1 = TERRITORY_SPAN[anatomy.territory]
    weight = pts.sector(t0, t1, 15.0) * _window(level, l0, l1, 0.1)
    if anatomy.territory is Territory.LAD:  # the LAD wraps the apex
        weight = np.maximum(weight, np.clip((level - 0.75) / 0.1, 0.0, 1.0))
    return np.asarray(weight)


_WIDEST_LEVEL = 0.22
_BASE_RADIUS_RATIO = 0.8


def radial_profile(level: Array, exponent: float) -> Array:
    """LV radius relative to its widest, from base (level 0) to apex (1).

    The annulus is narrower than the ventricle, which is widest about a fifth of the way down
    and then tapers to the apex along a super-ellipse.
    """
    u = np.clip(level, 0.0, 1.0)
    below = np.clip((u - _WIDEST_LEVEL) / (1.0 - _WIDEST_LEVEL), 0.0, 1.0)
    above = np.clip((_WIDEST_LEVEL - u) / _WIDEST_LEVEL, 0.0, 1.0)
    apical = np.clip(1.0 - below**exponent, 0.0, 1.0)
    basal = 1.0 - (1.0 - _BASE_RADIUS_RATIO**2) * above**2
    return np.asarray(np.sqrt(apical * basal))


@dataclass(frozen=True)
class LvShape:
    """LV cavity and wall at one contraction state, sampled at given angles and heights."""

    r_endo: Array
    r_epi: Array
    base_z: float
    length: float
    epi_length: float
    level: Array
    territory: Array


def lv_shape(anatomy: HeartAnatomy, f: float, pts: HeartPoints) -> LvShape:
    """Endocardial and epicardial radii (mm) at contraction `f` at the points."""
    a = anatomy
    base_z = -a.base_descent_mm * f
    length = a.lv_length_mm - a.base_descent_mm * f
    z = pts.z
    level = np.clip((base_z - z) / length, 0.0, 1.0)
    terr = territory_weight(a, pts, level)
    septum = pts.bump(180.0, 70.0)
    radius_ed = a.lv_radius_mm * (1.0 - a.septal_flattening * septum)
    radius = radius_ed * (1.0 - a.lv_radial_shortening * f * (1.0 - a.hypokinesis * terr))
    wall_ed = (
        a.lv_wall_mm
        + (a.septal_wall_mm - a.lv_wall_mm) * pts.bump(180.0, 60.0)
        * (1.0 - 0.6 * level)
        + (a.apical_wall_mm - a.lv_wall_mm) * level**2
        - a.infarct_thinning_mm * terr
    )
    wall_ed = np.maximum(wall_ed, 2.0)
    # The myocardium keeps its cross-sectional area, so the wall thickens as the cavity shrinks
    # and an akinetic segment (radius unchanged) does not thicken.
    outer_ed = radius_ed + wall_ed
    wall = np.sqrt(radius**2 + outer_ed**2 - radius_ed**2) - radius
    epi_length = length + a.apical_wall_mm * (1.0 + 0.3 * f)
    p = a.lv_shape_exponent
    r_endo = radius * radial_profile(level, p)
    level_epi = np.clip((base_z - z) / epi_length, 0.0, 1.0)
    r_epi = (radius + wall) * radial_profile(level_epi, p)
    return LvShape(r_endo, r_epi, base_z, length, epi_length, level, terr)


def ellipsoid_distance(dx: Array, dy: Array, dz: Array, a: float, b: float, c: float) -> Array:
    """Approximate signed distance (mm) to an axis-aligned ellipsoid with semi-axes a, b, c."""
    q = np.sqrt((dx / a) ** 2 + (dy / b) ** 2 + (dz / c) ** 2) + 1e-6
    grad = np.sqrt((dx / a**2) ** 2 + (dy / b**2) ** 2 + (dz / c**2) ** 2) / q + 1e-6
    return np.asarray((q - 1.0) / np.maximum(grad, 1.0 / max(a, b, c)))


@dataclass(frozen=True)
class HeartFields:
    """Signed distances (mm, negative inside) of every structure, plus LV wall coordinates."""

    lv_blood: Array
    lv_epi: Array
    papillary: Array
    rv_blood: Array
    rv_outer: Array
    la_blood: Array
    la_outer: Array
    ra_blood: Array
    ra_outer: Array
    aorta_lumen: Array
    aorta_outer: Array
    ventricles: Array
    level: Array
    tau: Array


def _papillary(anatomy: HeartAnatomy, f: float, pts: HeartPoints, shape: LvShape) -> Array:
    x, y, z = pts.x, pts.y, pts.z
    radial = 0.55 * anatomy.lv_radius_mm * (1.0 - anatomy.lv_radial_shortening * f)
    radius = 4.0 * (1.0 + 0.3 * f)
    z_top, z_bottom = shape.base_z - 0.3 * shape.length, shape.base_z - 0.72 * shape.length
    along = np.maximum(z - z_top, z_bottom - z)
    sd = np.full_like(x, np.inf)
    for theta in _PAPILLARY_THETAS_DEG:
        px, py = radial * np.cos(np.radians(theta)), radial * np.sin(np.radians(theta))
        sd = np.minimum(sd, np.maximum(np.hypot(x - px, y - py) - radius, along))
    return sd


@dataclass(frozen=True)
class RvShape:
    depth: Array  # mm from the LV epicardium to the RV free wall
    base_z: float
    length: float


def rv_base_z(anatomy: HeartAnatomy, f: float) -> float:
    """The RV base (the tricuspid plane, mm along the long axis) at contraction `f`: it descends
    by the tricuspid annular excursion and never rises above the LV base (`lv_shape`)."""
    return min(-anatomy.rv_shortening * 70.0 * f, -anatomy.base_descent_mm * f)


def rv_shape(anatomy: HeartAnatomy, f: float, pts: HeartPoints) -> RvShape:
    """RV crescent depth at the points' angles and heights, at contraction `f`."""
    a = anatomy
    base_z = rv_base_z(a, f)
    length = a.rv_length_mm + base_z
    level = (base_z - pts.z) / length
    along = np.sqrt(np.clip(1.0 - np.clip(level, 0.0, 1.0) ** 2.2, 0.0, 1.0))
    around = pts.bump(165.0, a.rv_span_deg)
    depth = a.rv_width_mm * (1.0 - a.rv_shortening * f) * around * along
    return RvShape(depth, base_z, length)


def _rv(anatomy: HeartAnatomy, f: float, pts: HeartPoints, lv_epi: Array,
        lv: LvShape) -> tuple[Array, Array]:
    """RV cavity and outer surface: a crescent over the septal half of the LV, base to near apex.

    Its depth (mm, septum to free wall) is largest over the mid septum and tapers to nothing at
    the two insertion points and towards the RV apex.
    """
    a = anatomy
    x, y, z = pts.x, pts.y, pts.z
    rv = rv_shape(a, f, pts)
    r_epi, depth, base_z, length = lv.r_epi, rv.depth, rv.base_z, rv.length
    rho = pts.rho
    ends = np.maximum(z - base_z, base_z - length - z)
    inner = np.maximum(rho - r_epi - depth, ends)
    wall = a.rv_wall_mm * np.clip(depth / 4.0, 0.0, 1.0)
    outer = np.maximum(rho - r_epi - depth - wall, ends - a.rv_wall_mm)
    if a.rv_aneurysm_mm > 0:
        # a non-contracting outpouching of the inferior free wall
        ang = np.radians(205.0)
        reach = a.lv_radius_mm + a.septal_wall_mm + a.rv_width_mm
        ax, ay, az = reach * np.cos(ang), reach * np.sin(ang), base_z - 0.5 * length
        dist = np.sqrt((x - ax) ** 2 + (y - ay) ** 2 + (z - az) ** 2)
        inner = np.minimum(inner, dist - a.rv_aneurysm_mm)
        outer = np.minimum(outer, dist - a.rv_aneurysm_mm - 0.6 * a.rv_wall_mm)
    return np.maximum(inner, -lv_epi), np.maximum(outer, -lv_epi)


def _atrium(center: tuple[float, float, float], radii: tuple[float, float, float],
            wall: float, x: Array, y: Array, z: Array, floor_z: float) -> tuple[Array, Array]:
    dx, dy, dz = x - center[0], y - center[1], z - center[2]
    below = floor_z - z
    blood = np.maximum(ellipsoid_distance(dx, dy, dz, *radii), below)
    outer_radii = (radii[0] + wall, radii[1] + wall, radii[2] + wall)
    outer = np.maximum(ellipsoid_distance(dx, dy, dz, *outer_radii), below - wall)
    return blood, outer


def right_atrium(anatomy: HeartAnatomy, f: float, pts: HeartPoints, seat: float = 0.75,
                 over_rv: float = 0.0) -> tuple[Array, Array]:
    """Right-atrial blood and outer wall fields, the atrium cut flat at the RV base; its centre
    sits `seat` radii above that floor (a lower seat gives a wider floor over the RV). With
    `over_rv` > 0 it is that much wider in plane and centred over the middle of the RV
    crescent, so that its floor covers the RV's inflow as a real atrium does."""
    a = anatomy
    ra_r = a.ra_radius_mm * (1.0 + 0.12 * f)
    rv_base = -a.rv_shortening * 70.0 * f
    septal_epi = a.lv_radius_mm + a.septal_wall_mm
    x, y = -septal_epi - 0.6 * a.rv_width_mm, -8.0
    if over_rv:
        theta, reach = np.radians(165.0), septal_epi + 0.5 * a.rv_width_mm
        x, y = reach * np.cos(theta), reach * np.sin(theta)
    wide = ra_r * (1.0 + over_rv)
    return _atrium((x, y, rv_base + seat * ra_r), (wide, wide, 1.1 * ra_r),
                   a.atrial_wall_mm, pts.x, pts.y, pts.z, rv_base)


def aortic_axis(anatomy: HeartAnatomy, f: float) -> tuple[Array, Array]:
    """Aortic valve centre and unit direction of the ascending aorta, in the heart frame."""
    theta = np.radians(_AORTIC_VALVE_THETA_DEG)
    toward = np.array([np.cos(theta), np.sin(theta), 0.0])
    valve = 0.45 * anatomy.lv_radius_mm * toward + np.array(
        [0.0, 0.0, -anatomy.base_descent_mm * f])
    direction = toward * 0.35 + np.array([0.0, 0.0, 1.0])
    return valve, direction / np.linalg.norm(direction)


def _aorta(anatomy: HeartAnatomy, f: float, x: Array, y: Array, z: Array) -> tuple[Array, Array]:
    """Aortic root lumen and wall: a tube with sinuses of Valsalva, from the valve upwards."""
    valve, d = aortic_axis(anatomy, f)
    px, py, pz = x - valve[0], y - valve[1], z - valve[2]
    s = px * d[0] + py * d[1] + pz * d[2]
    radial = np.sqrt(np.maximum((px - s * d[0]) ** 2 + (py - s * d[1]) ** 2
                                + (pz - s * d[2]) ** 2, 0.0))
    half = anatomy.aortic_root_mm / 2.0
    # annulus, sinuses of Valsalva, sinotubular junction and ascending aorta
    radius = half * np.interp(s, [-6.0, 0.0, 12.0, 24.0, 60.0], [0.78, 0.78, 1.0, 0.86, 0.86])
    ends = np.maximum(-6.0 - s, s - 60.0)
    wall_ends = np.maximum(2.0 - s, s - 60.0)
    return np.maximum(radial - radius, ends), np.maximum(radial - radius - 2.0, wall_ends)


def _transmural(shape: LvShape, rho: Array, z: Array) -> Array:
    apex_z = shape.base_z - shape.length
    radial = (rho - shape.r_endo) / np.maximum(shape.r_epi - shape.r_endo, 0.5)
    cap = (apex_z - z) / max(shape.epi_length - shape.length, 0.5)
    return np.clip(np.where(z < apex_z, cap, radial), 0.0, 1.0)


def _lv(anatomy: HeartAnatomy, f: float, pts: HeartPoints) -> tuple[Array, Array, LvShape]:
    """LV cavity and epicardium fields, with the shape they came from."""
    z, rho = pts.z, pts.rho
    shape = lv_shape(anatomy, f, pts)
    apex_z = shape.base_z - shape.length
    base_cut = z - shape.base_z
    blood = np.maximum.reduce([rho - shape.r_endo, base_cut, apex_z - z])
    epi = np.maximum.reduce([rho - shape.r_epi, base_cut, shape.base_z - shape.epi_length - z])
    return blood, epi, shape


def rv_blood_field(anatomy: HeartAnatomy, f: float, pts: HeartPoints) -> Array:
    """Signed distance (mm) of the RV cavity alone, for volume measurement."""
    _, lv_epi, shape = _lv(anatomy, f, pts)
    return _rv(anatomy, f, pts, lv_epi, shape)[0]


def heart_fields(anatomy: HeartAnatomy, f: float, pts: HeartPoints) -> HeartFields:
    """All signed-distance fields at contraction `f` for points in the heart frame."""
    a = anatomy
    x, y, z = pts.x, pts.y, pts.z
    lv_blood, lv_epi, shape = _lv(a, f, pts)
    rv_blood, rv_outer = _rv(a, f, pts, lv_epi, shape)
    atrial_growth = 1.0 + 0.12 * f
    la_r = a.la_radius_mm * atrial_growth
    la_blood, la_outer = _atrium(
        (4.0, -14.0, shape.base_z + 0.75 * la_r), (1.05 * la_r, 0.95 * la_r, 1.1 * la_r),
        a.atrial_wall_mm, x, y, z, shape.base_z)
    ra_blood, ra_outer = right_atrium(a, f, pts)
    aorta_lumen, aorta_outer = _aorta(a, f, x, y, z)
    return HeartFields(
        lv_blood=lv_blood, lv_epi=lv_epi, papillary=_papillary(a, f, pts, shape),
        rv_blood=rv_blood, rv_outer=rv_outer, la_blood=la_blood, la_outer=la_outer,
        ra_blood=ra_blood, ra_outer=ra_outer, aorta_lumen=aorta_lumen, aorta_outer=aorta_outer,
        ventricles=np.minimum(lv_epi, rv_outer),
        level=np.clip((shape.base_z - z) / shape.epi_length, 0.0, 1.0),
        tau=_transmural(shape, pts.rho, z),
    )


def _smooth_noise(seed: int, x: Array, y: Array, z: Array, wavelength_mm: float) -> Array:
    """Deterministic smooth random field in [-1, 1] made of a few plane waves."""
    rng = np.random.default_rng(seed)
    total = np.zeros_like(x)
    n = 6
    for _ in range(n):
        k = rng.normal(size=3)
        k *= 2.0 * np.pi / wavelength_mm / np.linalg.norm(k)
        total += np.cos(k[0] * x + k[1] * y + k[2] * z + rng.uniform(0, 2 * np.pi))
    return np.asarray(total / np.sqrt(n / 2.0) / 2.0)


def scar_weight(scars: tuple[ScarRegion, ...], fields: HeartFields, pts: HeartPoints) -> Array:
    """Fraction (0..1) of each point that is enhancing scar, inside the LV wall only."""
    weight = np.zeros_like(pts.x)
    if not scars:
        return weight
    in_wall = (fields.lv_epi < 0) & (fields.lv_blood > 0) & (fields.papillary > 0)
    for scar in scars:
        w = (
            pts.sector(scar.theta_start, scar.theta_end, 12.0)
            * _window(fields.level, scar.level_start, scar.level_end, _SCAR_RAMP)
            * _window(fields.tau, scar.tau_start, scar.tau_end, _SCAR_RAMP)
        )
        if scar.patchiness > 0:
            noise = pts.noise(scar.seed, 22.0)
            w = w * np.clip((noise + 0.6 - scar.patchiness) * 4.0, 0.0, 1.0)
        weight = np.maximum(weight, w)
    return np.where(in_wall, weight, 0.0)
