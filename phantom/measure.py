"""Ground-truth measurements of a synthetic heart, computed from the same fields that are drawn."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from phantom.anatomy import HeartAnatomy
from phantom.cycle import contraction, end_systolic_frame
from phantom.heart import (
    HeartPoints,
    heart_fields,
    lv_shape,
    rv_blood_field,
    rv_shape,
    scar_weight,
)

MYOCARDIAL_DENSITY_G_PER_ML = 1.05
_THETA_STEPS = 180
_Z_STEPS = 400
_RV_VOXEL_MM = 1.5


def _polar(theta_deg: np.ndarray, z: np.ndarray) -> HeartPoints:
    t = np.radians(theta_deg)
    return HeartPoints(np.cos(t), np.sin(t), z)


def lv_volumes_ml(anatomy: HeartAnatomy, f: float) -> tuple[float, float]:
    """LV cavity volume and myocardial volume (ml) at contraction `f`, by integration in (theta, z).

    Papillary muscles count as cavity, as in a smooth endocardial contour.
    """
    theta = np.linspace(0.0, 360.0, _THETA_STEPS, endpoint=False)
    shape0 = lv_shape(anatomy, f, _polar(theta[:1], np.zeros(1)))
    z = np.linspace(shape0.base_z - shape0.epi_length, shape0.base_z, _Z_STEPS, endpoint=False)
    z = z + 0.5 * (z[1] - z[0])
    tt, zz = np.meshgrid(theta, z)
    shape = lv_shape(anatomy, f, _polar(tt, zz))
    cell = np.radians(360.0 / _THETA_STEPS) * (z[1] - z[0])
    cavity = 0.5 * np.sum(shape.r_endo**2) * cell
    myocardium = 0.5 * np.sum(shape.r_epi**2 - shape.r_endo**2) * cell
    return cavity / 1000.0, myocardium / 1000.0


def _rv_grid(anatomy: HeartAnatomy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = anatomy
    reach = a.lv_radius_mm + a.septal_wall_mm + 2 * a.rv_width_mm + a.rv_aneurysm_mm * 2 + 10
    side = reach
    xs = np.arange(-reach, a.lv_radius_mm, _RV_VOXEL_MM)
    ys = np.arange(-side, side, _RV_VOXEL_MM)
    zs = np.arange(-(a.rv_length_mm + a.rv_wall_mm + 5), 3.0, _RV_VOXEL_MM)
    x, y, z = np.meshgrid(xs, ys, zs, indexing="ij")
    return x.ravel().astype(np.float32), y.ravel().astype(np.float32), z.ravel().astype(np.float32)


def rv_volume_ml(anatomy: HeartAnatomy, f: float) -> float:
    """RV cavity volume (ml) at contraction `f`.

    The crescent lies between the LV epicardium and the free wall, so it integrates exactly in
    (theta, z); an aneurysm is not a crescent, so then voxels of the rendered field are counted.
    """
    if anatomy.rv_aneurysm_mm > 0:
        return rv_voxel_volume_ml(anatomy, f)
    theta = np.linspace(0.0, 360.0, _THETA_STEPS, endpoint=False)
    probe = rv_shape(anatomy, f, _polar(theta[:1], np.zeros(1)))
    z = np.linspace(probe.base_z - probe.length, probe.base_z, _Z_STEPS, endpoint=False)
    z = z + 0.5 * (z[1] - z[0])
    pts = _polar(*np.meshgrid(theta, z))
    r_epi = lv_shape(anatomy, f, pts).r_epi
    depth = rv_shape(anatomy, f, pts).depth
    cell = np.radians(360.0 / _THETA_STEPS) * (z[1] - z[0])
    return float(0.5 * np.sum((r_epi + depth) ** 2 - r_epi**2) * cell / 1000.0)


def rv_voxel_volume_ml(anatomy: HeartAnatomy, f: float) -> float:
    """RV cavity volume (ml) by counting voxels of the rendered field."""
    pts = HeartPoints(*_rv_grid(anatomy))
    return float(np.count_nonzero(rv_blood_field(anatomy, f, pts) < 0)) * _RV_VOXEL_MM**3 / 1000.0


def scar_fraction(anatomy: HeartAnatomy) -> float:
    """Fraction of the LV myocardium (by volume, end-diastole) that enhances."""
    if not anatomy.scars:
        return 0.0
    r = anatomy.lv_radius_mm + anatomy.septal_wall_mm + 2
    step = 1.5
    xs = np.arange(-r, r, step)
    zs = np.arange(-(anatomy.lv_length_mm + anatomy.apical_wall_mm + 2), 0.0, step)
    pts = HeartPoints(*(g.ravel() for g in np.meshgrid(xs, xs, zs, indexing="ij")))
    fields = heart_fields(anatomy, 0.0, pts)
    wall = (fields.lv_epi < 0) & (fields.lv_blood > 0) & (fields.papillary > 0)
    weight = scar_weight(anatomy.scars, fields, pts)
    return float(np.sum(weight[wall] > 0.5)) / max(int(np.count_nonzero(wall)), 1)


@dataclass(frozen=True)
class Measurements:
    """Clinical CMR measurements of one study (volumes in ml, mass in g, lengths in mm, EF in %)."""

    lvedv_ml: float
    lvesv_ml: float
    lvef_pct: float
    lv_mass_g: float
    rvedv_ml: float
    rvesv_ml: float
    rvef_pct: float
    max_wall_thickness_mm: float
    aortic_root_mm: float
    effusion_mm: float
    lge_fraction_pct: float
    end_systolic_frame: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(float(v), 1) if isinstance(v, float) else int(v))
                for k, v in asdict(self).items()}


def measure(anatomy: HeartAnatomy, phases: np.ndarray) -> Measurements:
    """Measure the heart at the acquired cine phases (RR fractions), as a reader would."""
    es = end_systolic_frame(anatomy, phases)
    f_es = float(contraction(anatomy, phases[es]))
    edv, myo = lv_volumes_ml(anatomy, 0.0)
    esv, _ = lv_volumes_ml(anatomy, f_es)
    rvedv, rvesv = rv_volume_ml(anatomy, 0.0), rv_volume_ml(anatomy, f_es)
    return Measurements(
        lvedv_ml=edv,
        lvesv_ml=esv,
        lvef_pct=100.0 * (edv - esv) / edv,
        lv_mass_g=myo * MYOCARDIAL_DENSITY_G_PER_ML,
        rvedv_ml=rvedv,
        rvesv_ml=rvesv,
        rvef_pct=100.0 * (rvedv - rvesv) / rvedv,
        max_wall_thickness_mm=max(anatomy.lv_wall_mm, anatomy.septal_wall_mm),
        aortic_root_mm=anatomy.aortic_root_mm,
        effusion_mm=anatomy.effusion_mm,
        lge_fraction_pct=100.0 * scar_fraction(anatomy),
        end_systolic_frame=es,
    )
