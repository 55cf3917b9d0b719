"""Fine anatomy label maps of any plane and phase, for training a segmentation network.

The maps follow clinical contouring conventions through `cmr_search.vocab.STRUCTURE_OF`
(papillary muscles and trabeculae are their own labels here and count as cavity there) and give
every surrounding tissue its own label. They add shape variety the rendered phantom lacks
(`ShapeVariety`): irregular LV and RV surfaces, trabeculation, papillary muscles of varying size
and place. Which patients, planes and phases are drawn is `phantom.labels`'; the network side
(`segment.synth`) turns the maps into images; this module draws no image.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from cmr_search.vocab import AnatomyLabel
from phantom.anatomy import HeartAnatomy
from phantom.body import body_layers
from phantom.geometry import Plane
from phantom.heart import (
    HeartFields,
    HeartPoints,
    heart_fields,
    right_atrium,
    rv_base_z,
    scar_weight,
)
from phantom.render import Scene
from phantom.rv_apex import RvApex, apical_rv_trabeculae, moderator_band
from phantom.tissue import Tissue

Array = np.ndarray
A = AnatomyLabel

_OUTFLOW_THETA_DEG = 105.0  # anterior RV, in front of the aortic valve (heart.py: 125)
_BODY_LABEL: dict[Tissue, AnatomyLabel] = {
    Tissue.FAT: A.FAT, Tissue.MUSCLE: A.MUSCLE, Tissue.SOFT: A.SOFT_TISSUE, Tissue.LUNG: A.LUNG,
    Tissue.LIVER: A.LIVER, Tissue.ABDOMEN: A.ABDOMEN, Tissue.BONE: A.BONE, Tissue.CSF: A.CSF,
    Tissue.BLOOD: A.DESCENDING_AORTA,
}


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
