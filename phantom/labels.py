"""Fine anatomy label maps of any plane and phase, for training a segmentation network.

The maps follow clinical contouring conventions through `cmr_search.vocab.STRUCTURE_OF`
(papillary muscles and trabeculae are their own labels here and count as cavity there) and give
every surrounding tissue its own label. They add shape variety the rendered phantom lacks:
irregular LV and RV surfaces, trabeculation, papillary muscles of varying size and place. The
network side (`segment.synth`) turns them into images; this module draws nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from cmr_search.vocab import AnatomyLabel, Diagnosis, Sex
from phantom.anatomy import HeartAnatomy
from phantom.body import body_layers, sample_habitus
from phantom.geometry import Plane, centered_plane, sample_pose
from phantom.heart import (
    HeartFields,
    HeartPoints,
    heart_fields,
    right_atrium,
    rv_base_z,
    scar_weight,
)
from phantom.population import body_surface_area, sample_anatomy
from phantom.render import Scene
from phantom.rv_apex import RvApex, apical_rv_trabeculae, moderator_band, sample_rv_apex
from phantom.tissue import Tissue

Array = np.ndarray
A = AnatomyLabel

_OUTFLOW_THETA_DEG = 105.0  # anterior RV, in front of the aortic valve (heart.py: 125)
_BODY_LABEL: dict[Tissue, AnatomyLabel] = {
    Tissue.FAT: A.FAT, Tissue.MUSCLE: A.MUSCLE, Tissue.SOFT: A.SOFT_TISSUE, Tissue.LUNG: A.LUNG,
    Tissue.LIVER: A.LIVER, Tissue.ABDOMEN: A.ABDOMEN, Tissue.BONE: A.BONE, Tissue.CSF: A.CSF,
    Tissue.BLOOD: A.DESCENDING_AORTA,
}
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


@dataclass(frozen=True)
class ShapeVariety:
    """Departures from the phantom's smooth surfaces (mm unless said otherwise).

    `trabeculation` is the share (0..1) of the endocardial band that is trabecular; the band is
    `trabecular_depth_mm` deep at the base and deeper towards the apex; its pattern has strands
    about `trabecular_wavelength_mm` apart. `septal_trabeculae` lets RV trabeculae (and a
    moderator band's roots) attach to the septum, which contouring counts as RV cavity.
    """

    lv_irregularity_mm: float = 0.0
    rv_irregularity_mm: float = 0.0
    trabeculation: float = 0.0
    trabecular_depth_mm: float = 0.0
    rv_trabecular_depth_mm: float = 0.0
    papillary_radius_mm: float = 4.0
    papillary_thetas_deg: tuple[float, float] = (40.0, 250.0)
    papillary_offset: float = 0.55  # papillary axis at this fraction of the cavity radius
    trabecular_wavelength_mm: float = 7.0
    septal_trabeculae: bool = False
    trabecular_depth_ed_es: tuple[float, float] = (1.0, 1.4)  # depth factor at ED and at ES
    papillary_wall_at_es: bool = False  # papillary muscles are wall from mid-systole on
    outflow_tract: bool = False  # the RV infundibulum and pulmonary trunk above the RV base
    open_rv_base: bool = False  # no muscular lid over the RV: it opens into the right atrium
    atrium_over_rv: float = 0.0  # with an open base: the atrium this much wider, over the RV
    outer_fat_mm: float = 5.0  # fat outside the pericardium
    epicardial_fat_mm: float = 1.0  # fat under the pericardium everywhere
    groove_fat: float = 1.0  # scale of the extra fat in the atrioventricular and septal grooves
    rv_apex: RvApex | None = None  # coarse apical RV trabeculae and a moderator band
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.trabeculation <= 1.0:
            raise ValueError(f"trabeculation must lie in [0, 1]: {self.trabeculation}")
        if min(self.lv_irregularity_mm, self.rv_irregularity_mm, self.trabecular_depth_mm,
               self.rv_trabecular_depth_mm, self.epicardial_fat_mm, self.groove_fat,
               self.atrium_over_rv) < 0 or min(self.papillary_radius_mm,
                                               self.trabecular_wavelength_mm,
                                               *self.trabecular_depth_ed_es) <= 0:
            raise ValueError(f"implausible shape variety: {self}")


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


def _papillary(scene: Scene, f: float, pts: HeartPoints, v: ShapeVariety) -> Array:
    a = scene.anatomy
    base_z = -a.base_descent_mm * f
    length = a.lv_length_mm - a.base_descent_mm * f
    radial = v.papillary_offset * a.lv_radius_mm * (1.0 - a.lv_radial_shortening * f)
    radius = v.papillary_radius_mm * (1.0 + 0.3 * f)
    along = np.maximum(pts.z - (base_z - 0.25 * length), (base_z - 0.75 * length) - pts.z)
    sd = np.full_like(pts.x, np.inf)
    for theta in np.radians(v.papillary_thetas_deg):
        px, py = radial * np.cos(theta), radial * np.sin(theta)
        sd = np.minimum(sd, np.maximum(np.hypot(pts.x - px, pts.y - py) - radius, along))
    return sd


def _irregular(fields: HeartFields, pts: HeartPoints, v: ShapeVariety) -> HeartFields:
    """Wobble the ventricular surfaces with smooth noise, keeping walls and cavities apart."""
    s = v.seed
    lv_epi = fields.lv_epi + 0.7 * v.lv_irregularity_mm * pts.noise(s + 1, 38.0)
    lv_blood = fields.lv_blood + v.lv_irregularity_mm * pts.noise(s + 2, 27.0)
    lv_blood = np.maximum(lv_blood, lv_epi + 2.0)
    rv_wobble = v.rv_irregularity_mm * pts.noise(s + 3, 45.0)
    rv_blood = np.maximum(fields.rv_blood + rv_wobble, -lv_epi)
    rv_outer = np.maximum(fields.rv_outer + rv_wobble, -lv_epi)
    return replace(fields, lv_epi=lv_epi, lv_blood=lv_blood, rv_blood=rv_blood,
                   rv_outer=rv_outer, ventricles=np.minimum(lv_epi, rv_outer))


def _trabecular(pts: HeartPoints, seed: int, share: float, wavelength_mm: float = 7.0) -> Array:
    """A patchy mask covering about `share` of the points (fine-grained, 3D-consistent)."""
    pattern = (pts.noise(seed, wavelength_mm)
               + 0.7 * pts.noise(seed + 1, wavelength_mm * 11.0 / 7.0))
    return np.asarray(pattern > np.quantile(pattern, 1.0 - share)) if share > 0 else (
        np.zeros(pattern.shape, dtype=bool))


def _outflow_tract(a: HeartAnatomy, f: float, pts: HeartPoints) -> list[
        tuple[Array, AnatomyLabel]]:
    """The RV infundibulum and pulmonary trunk: a muscular tube rising from the anterior RV
    above the RV base (which descends in systole), in front of the aortic root. Readers leave
    it out of the RV cavity (ACDC: "the infundibulum is not included"); its lumen is labelled
    as great-artery blood, its wall as RV wall."""
    theta = np.radians(_OUTFLOW_THETA_DEG)
    reach = a.lv_radius_mm + a.septal_wall_mm + 0.5 * a.rv_width_mm
    base_z = rv_base_z(a, f)
    lean = 0.35 * np.array([np.cos(theta), np.sin(theta), 0.0]) + np.array([0.0, 0.0, 1.0])
    d = lean / np.linalg.norm(lean)
    px, py, pz = pts.x - reach * np.cos(theta), pts.y - reach * np.sin(theta), pts.z - base_z
    s = px * d[0] + py * d[1] + pz * d[2]
    radial = np.sqrt(np.maximum(px ** 2 + py ** 2 + pz ** 2 - s ** 2, 0.0))
    radius = float(np.clip(0.45 * a.rv_width_mm, 9.0, 16.0))
    above = (pts.z > base_z) & (s < 60.0)
    return [(above & (radial < radius + a.rv_wall_mm), A.RV_MYOCARDIUM),
            (above & (radial < radius), A.AORTA)]


def _heart_labels(scene: Scene, f: float, pts: HeartPoints, v: ShapeVariety) -> list[
        tuple[Array, AnatomyLabel]]:
    """(inside mask, label) layers of the heart in painting order, outermost first."""
    a = scene.anatomy
    fields = _irregular(heart_fields(a, f, pts), pts, v)
    if v.open_rv_base:
        # the phantom caps the RV with a wall as thick as its free wall; a real RV ends at the
        # tricuspid annulus, where its blood meets the atrium's, the atrium seated low on it
        rv_outer = np.maximum(fields.rv_outer, pts.z - rv_base_z(a, f))
        ra_blood, ra_outer = right_atrium(a, f, pts, seat=0.3, over_rv=v.atrium_over_rv)
        fields = replace(fields, rv_outer=rv_outer, ventricles=np.minimum(fields.lv_epi, rv_outer),
                         ra_blood=ra_blood, ra_outer=ra_outer)
    groove = v.epicardial_fat_mm + v.groove_fat * (3.5 * np.exp(-((pts.z / 9.0) ** 2)) + 2.0 * (
        pts.bump(110.0, 25.0) + pts.bump(250.0, 25.0)))
    effusion = a.effusion_mm * (0.45 + 0.55 * pts.bump(300.0, 130.0))
    ventricles = fields.ventricles
    papillary = _papillary(scene, f, pts, v)
    ed, es = v.trabecular_depth_ed_es
    depth = v.trabecular_depth_mm * (0.6 + 1.2 * fields.level) * (ed + (es - ed) * f)
    trabecular = _trabecular(pts, v.seed + 5, v.trabeculation, v.trabecular_wavelength_mm)
    lv_trabeculae = (fields.lv_blood < 0) & (fields.lv_blood > -depth) & trabecular
    rv_trabeculae = ((fields.rv_blood < 0) & (fields.rv_blood > -v.rv_trabecular_depth_mm)
                     & trabecular & ((fields.rv_outer < -1.0) | v.septal_trabeculae))
    if v.rv_apex is not None:
        rv_trabeculae |= apical_rv_trabeculae(v.rv_apex, fields, pts, v.rv_trabecular_depth_mm,
                                              not v.septal_trabeculae)
        rv_trabeculae |= moderator_band(v.rv_apex, a, f, pts, fields)
    layers = [
        (ventricles < groove + effusion + v.outer_fat_mm, A.EPICARDIAL_FAT),
        (ventricles < groove + effusion + 1.6, A.PERICARDIUM),
        (ventricles < groove + effusion, A.EFFUSION if a.effusion_mm > 0 else A.EPICARDIAL_FAT),
        (ventricles < groove, A.EPICARDIAL_FAT),
        (fields.la_outer < 0, A.VESSEL_WALL), (fields.ra_outer < 0, A.VESSEL_WALL),
        (fields.la_blood < 0, A.LA_BLOOD), (fields.ra_blood < 0, A.RA_BLOOD),
        *(_outflow_tract(a, f, pts) if v.outflow_tract else []),
        (fields.rv_outer < 0, A.RV_MYOCARDIUM), (fields.lv_epi < 0, A.LV_MYOCARDIUM),
        (fields.rv_blood < 0, A.RV_BLOOD), (rv_trabeculae, A.RV_TRABECULAE),
        (fields.lv_blood < 0, A.LV_BLOOD), (lv_trabeculae, A.LV_TRABECULAE),
        (np.maximum(papillary, fields.lv_blood) < 0,
         A.LV_MYOCARDIUM if v.papillary_wall_at_es and f >= 0.5 else A.PAPILLARY),
        (fields.aorta_outer < 0, A.VESSEL_WALL), (fields.aorta_lumen < 0, A.AORTA),
    ]
    if a.scars:
        wall = (fields.lv_epi < 0) & (fields.lv_blood > 0)
        layers.append((wall & (scar_weight(a.scars, fields, pts) > 0.5), A.SCAR))
    return layers


def label_map(scene: Scene, plane: Plane, contraction_f: float,
              variety: ShapeVariety | None = None) -> Array:
    """Anatomy labels (uint8, `AnatomyLabel` codes) of `plane` at contraction `contraction_f`.

    `contraction_f` is 0 at end-diastole and 1 at end-systole (see `phantom.cycle`).
    """
    v = variety or ShapeVariety()
    p = plane.points()
    labels = np.zeros((plane.rows, plane.cols), dtype=np.uint8)
    for tissue, cover in body_layers(scene.habitus, p, 0.8 * plane.spacing):
        labels[cover >= 0.5] = _BODY_LABEL[tissue]
    pts = HeartPoints(*scene.pose.to_heart(p))
    lung = labels == A.LUNG
    labels[lung & (pts.noise(v.seed + 9, 9.0) > 0.75)] = A.LUNG_VESSEL
    for inside, label in _heart_labels(scene, contraction_f, pts, v):
        labels[inside] = label
    return labels


def label_slab(scene: Scene, plane: Plane, contraction_f: float, thickness_mm: float,
               n_sub: int, variety: ShapeVariety | None = None) -> Array:
    """Label maps (n_sub, rows, cols) of `n_sub` planes spread evenly through a thick slice.

    An image drawn from each and averaged has the partial volume of a slice `thickness_mm`
    thick; the middle map is the contour a reader draws on it.
    """
    if n_sub < 1 or thickness_mm <= 0:
        raise ValueError(f"need n_sub >= 1 and a positive thickness: {n_sub}, {thickness_mm}")
    offsets = (np.arange(n_sub) - (n_sub - 1) / 2) * thickness_mm / n_sub
    return np.stack([label_map(scene, replace(plane, position=plane.position + d * plane.normal),
                               contraction_f, variety) for d in offsets])


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
