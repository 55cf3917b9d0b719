"""Training label slabs: random patients (diagnoses weighted for training, sometimes pushed
beyond the archive population), their shape variety, and short-axis planes and phases, drawn
endlessly for a segmentation network. The maps themselves are `phantom.label_maps`'.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from cmr_search.vocab import Diagnosis, Sex
from phantom.anatomy import HeartAnatomy
from phantom.body import sample_habitus
from phantom.geometry import Plane, centered_plane, sample_pose
from phantom.label_maps import ShapeVariety, label_map, label_slab
from phantom.population import body_surface_area, sample_anatomy
from phantom.render import Scene
from phantom.rv_apex import sample_rv_apex

# label_map and ShapeVariety are imported from here too (the maps are drawn in label_maps)
__all__ = ["TRAINING_DIAGNOSES", "Extremes", "ShapeVariety", "SlabRecipe", "dense_trabeculae",
           "label_map", "label_slab", "sample_scene", "sample_short_axis_plane",
           "sample_variety", "stretch_anatomy", "training_slabs"]
Array = np.ndarray

# Diagnoses drawn for training and how often (relative weights): every shape must be seen, not
# the archive mix, and the shapes a network trained on smooth hearts gets wrong (dilated RV,
# thick walls with small cavities, dilated LV) more often.
TRAINING_DIAGNOSES: dict[Diagnosis, float] = {
    Diagnosis.NORMAL: 1.0, Diagnosis.DCM: 1.5, Diagnosis.HCM: 1.5, Diagnosis.ISCHEMIC: 1.0,
    Diagnosis.MYOCARDITIS: 0.5, Diagnosis.AMYLOIDOSIS: 0.75, Diagnosis.ARVC: 1.25,
    Diagnosis.HYPERTENSIVE: 1.0, Diagnosis.PULMONARY_HYPERTENSION: 1.25,
    Diagnosis.PERICARDITIS: 0.5,
}


@dataclass(frozen=True)
class Extremes:
    """How often (0..1) a training heart is pushed beyond the archive population's ranges.

    A dilated RV (wider, wrapping further round the LV, hypokinetic, larger than the LV as in
    ARVC, pulmonary hypertension or biventricular DCM), a thick-walled hyperdynamic LV
    whose end-systolic cavity shrinks to a slit (HCM), and a thin LV wall (4.5 to 7 mm: the
    lower half of the normal CMR range, Kawel-Boehm et al. 2020, under the phantom's 6 to
    10 mm) so that a network does not learn that walls are thick.
    """

    p_dilated_rv: float = 0.25
    p_thick_small_cavity: float = 0.2
    p_thin_wall: float = 0.0
    rv_width_scale: tuple[float, float] = (1.3, 2.3)  # a dilated RV's width over the archive's
    max_septal_flattening: float = 0.3  # a dilated RV's pressure flattens the septum (0..1)

    def __post_init__(self) -> None:
        if not all(0 <= p <= 1 for p in (self.p_dilated_rv, self.p_thick_small_cavity,
                                         self.p_thin_wall)):
            raise ValueError(f"probabilities must lie in [0, 1]: {self}")
        low, high = self.rv_width_scale
        if not 1.0 <= low <= high or not 0.0 <= self.max_septal_flattening < 1.0:
            raise ValueError(f"a dilated RV is wider (scale >= 1, low <= high) and flattens the "
                             f"septum by under 1: {self}")


def stretch_anatomy(a: HeartAnatomy, rng: np.random.Generator,
                    extremes: Extremes) -> HeartAnatomy:
    """`a`, sometimes with a dilated RV and sometimes with a thick wall and tiny ES cavity."""
    if rng.random() < extremes.p_dilated_rv:
        a = replace(a, rv_width_mm=a.rv_width_mm * float(rng.uniform(*extremes.rv_width_scale)),
                    rv_span_deg=float(rng.uniform(100.0, 125.0)),
                    rv_length_mm=max(a.rv_length_mm, a.lv_length_mm * rng.uniform(0.85, 1.05)),
                    rv_shortening=float(rng.uniform(0.04, 0.3)),
                    septal_flattening=float(rng.uniform(0.0, extremes.max_septal_flattening)))
    if rng.random() < extremes.p_thick_small_cavity:
        wall = float(rng.uniform(10.0, 18.0))
        a = replace(a, lv_wall_mm=wall, septal_wall_mm=wall + float(rng.uniform(0.0, 12.0)),
                    apical_wall_mm=wall * float(rng.uniform(0.6, 0.9)),
                    lv_radius_mm=a.lv_radius_mm * float(rng.uniform(0.75, 1.0)),
                    lv_radial_shortening=float(rng.uniform(0.45, 0.72)))
    elif extremes.p_thin_wall and rng.random() < extremes.p_thin_wall:
        wall = float(rng.uniform(4.5, 7.0))
        a = replace(a, lv_wall_mm=wall, septal_wall_mm=wall + float(rng.uniform(0.0, 1.0)),
                    apical_wall_mm=wall * 0.75)
    return a


def sample_variety(rng: np.random.Generator) -> ShapeVariety:
    return ShapeVariety(
        lv_irregularity_mm=float(rng.uniform(0.0, 2.5)),
        rv_irregularity_mm=float(rng.uniform(0.0, 7.0)),
        trabeculation=float(rng.uniform(0.0, 0.8)),
        trabecular_depth_mm=float(rng.uniform(1.0, 4.5)),
        rv_trabecular_depth_mm=float(rng.uniform(0.0, 5.0)),
        papillary_radius_mm=float(rng.uniform(2.5, 7.0)),
        papillary_thetas_deg=(float(rng.uniform(15.0, 75.0)), float(rng.uniform(220.0, 285.0))),
        papillary_offset=float(rng.uniform(0.45, 0.75)),
        outer_fat_mm=float(rng.uniform(0.5, 6.0)),
        epicardial_fat_mm=float(rng.uniform(0.3, 3.0)),
        groove_fat=float(rng.uniform(0.3, 2.5)),
        seed=int(rng.integers(2**31)),
    )


def dense_trabeculae(v: ShapeVariety, rng: np.random.Generator) -> ShapeVariety:
    """`v` with a deep, fine-stranded non-compacted layer in both ventricles, attached to the
    walls and the septum, and papillary muscles against the wall: on real cine this dark tissue
    inside the compact wall is contoured as cavity, and smooth phantom walls never show it."""
    return replace(v, trabeculation=float(rng.uniform(0.45, 0.85)),
                   trabecular_depth_mm=float(rng.uniform(2.5, 6.0)),
                   rv_trabecular_depth_mm=float(rng.uniform(2.0, 6.0)),
                   trabecular_wavelength_mm=float(rng.uniform(2.5, 5.0)),
                   papillary_offset=float(rng.uniform(0.6, 0.85)), septal_trabeculae=True)


def sample_scene(rng: np.random.Generator, extremes: Extremes | None = None) -> Scene:
    """A random patient for training: diagnoses by `TRAINING_DIAGNOSES`, adult body sizes,
    sometimes pushed to the extremes."""
    names = list(TRAINING_DIAGNOSES)
    weights = np.array([TRAINING_DIAGNOSES[d] for d in names])
    diagnosis = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
    height = float(rng.normal(177.0 if sex is Sex.MALE else 164.0, 8.0))
    weight = float(np.clip(rng.normal(80.0 if sex is Sex.MALE else 66.0, 15.0), 42.0, 150.0))
    bsa = body_surface_area(height, weight)
    anatomy = sample_anatomy(rng, diagnosis, sex, int(rng.integers(18, 85)), bsa)
    anatomy = stretch_anatomy(anatomy, rng, extremes or Extremes())
    return Scene(anatomy, sample_pose(rng), sample_habitus(rng, weight / (height / 100) ** 2))


def _tilted_axes(scene: Scene, rng: np.random.Generator, tilt_deg: float) -> tuple[Array, Array]:
    pose = scene.pose
    tilt = np.radians(rng.uniform(0.0, tilt_deg))
    toward = rng.uniform(0.0, 2.0 * np.pi)
    normal = (np.cos(tilt) * pose.basal + np.sin(tilt) * (
        np.cos(toward) * pose.lateral + np.sin(toward) * pose.anterior))
    row = pose.lateral - (pose.lateral @ normal) * normal
    row /= np.linalg.norm(row)
    return row, np.cross(normal, row)


def sample_short_axis_plane(scene: Scene, rng: np.random.Generator, size: int,
                            spacing_mm: float, tilt_deg: float = 15.0) -> Plane:
    """A short-axis plane from above the base to beyond the apex, tilted up to `tilt_deg`."""
    a = scene.anatomy
    z = rng.uniform(-(a.lv_length_mm + a.apical_wall_mm + 8.0), 18.0)
    center = scene.pose.to_patient(-8.0 + rng.normal(scale=12.0), rng.normal(scale=12.0), z)
    row, col = _tilted_axes(scene, rng, tilt_deg)
    return centered_plane(center, row, col, size, size, spacing_mm)


@dataclass(frozen=True)
class SlabRecipe:
    """How training slabs are drawn: matrix (pixels), pixel size and slice thickness (mm)."""

    size: int = 176
    spacing_mm: float = 1.5
    thickness_mm: tuple[float, float] = (5.0, 10.0)
    n_sub: int = 3
    tilt_deg: float = 15.0
    extremes: Extremes = field(default_factory=Extremes)
    p_dense_trabeculae: float = 0.0  # patients drawn with `dense_trabeculae`
    p_rv_apex: float = 0.0  # patients drawn with a trabeculated RV apex (`phantom.rv_apex`)
    # the trabecular band's depth factor at ED and ES (`ShapeVariety.trabecular_depth_ed_es`)
    trabecular_depth_ed_es: tuple[float, float] = (1.0, 1.4)
    papillary_wall_at_es: bool = False  # `ShapeVariety.papillary_wall_at_es`
    outflow_tract: bool = False  # `ShapeVariety.outflow_tract`
    open_rv_base: bool = False  # `ShapeVariety.open_rv_base`
    atrium_over_rv: float = 0.0  # `ShapeVariety.atrium_over_rv`
    # neighbouring slices drawn on each side (2.5D input), one slice thickness plus a gap apart
    context: int = 0
    gap_mm: tuple[float, float] = (0.0, 3.0)


def training_slabs(seed: int, recipe: SlabRecipe | None = None) -> Iterator[Array]:
    """Endless label slabs (n_sub, size, size) of random patients, planes and phases.

    Phases lean towards end-diastole and end-systole, the two a reader contours. With
    `recipe.context` = c the slabs of the 2c neighbouring slices of a short-axis stack come
    too, ((2c + 1) * n_sub, size, size), ordered along the plane's normal, the middle slice's
    sub-planes in the middle.
    """
    r = recipe or SlabRecipe()
    rng = np.random.default_rng(seed)
    while True:
        scene = sample_scene(rng, r.extremes)
        variety = sample_variety(rng)
        if r.p_dense_trabeculae and rng.random() < r.p_dense_trabeculae:
            variety = dense_trabeculae(variety, rng)
        if r.p_rv_apex and rng.random() < r.p_rv_apex:
            variety = replace(variety, rv_apex=sample_rv_apex(rng))
        variety = replace(variety, trabecular_depth_ed_es=r.trabecular_depth_ed_es,
                          papillary_wall_at_es=r.papillary_wall_at_es,
                          outflow_tract=r.outflow_tract, open_rv_base=r.open_rv_base,
                          atrium_over_rv=r.atrium_over_rv)
        for _ in range(4):  # a few planes and phases per patient
            u = rng.random()
            f = float(rng.uniform(0, 0.15) if u < 0.35 else rng.uniform(0.85, 1.0)
                      if u < 0.7 else rng.uniform(0, 1))
            plane = sample_short_axis_plane(scene, rng, r.size, r.spacing_mm, r.tilt_deg)
            thickness = float(rng.uniform(*r.thickness_mm))
            step = thickness + float(rng.uniform(*r.gap_mm)) if r.context else 0.0
            yield np.concatenate([
                label_slab(scene, replace(plane, position=plane.position + j * step
                                          * plane.normal), f, thickness, r.n_sub, variety)
                for j in range(-r.context, r.context + 1)])
