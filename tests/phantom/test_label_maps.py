"""Anatomy label maps for segmentation training: conventions, surroundings, variety."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cmr_search.vocab import STRUCTURE_OF, AnatomyLabel, Structure
from phantom.anatomy import HeartAnatomy
from phantom.body import Habitus
from phantom.geometry import HeartPose, centered_plane
from phantom.label_maps import ShapeVariety, label_map, label_slab
from phantom.labels import dense_trabeculae, sample_variety
from phantom.render import Scene

A = AnatomyLabel


def _scene() -> Scene:
    pose = HeartPose(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]),
                     np.array([0, 0, 1.0]))
    return Scene(HeartAnatomy(), pose, Habitus(160.0, 110.0, 15.0, -60.0, 1))


def _mid_plane(size: int = 96, z: float = -35.0):  # type: ignore[no-untyped-def]
    return centered_plane(np.array([0.0, 0.0, z]), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]),
                          size, size, 1.5)


def _structures(labels: np.ndarray) -> np.ndarray:
    out = np.zeros_like(labels)
    for label, structure in STRUCTURE_OF.items():
        out[labels == label] = structure
    return out


def test_mid_ventricular_map_has_the_heart_and_its_surroundings() -> None:
    labels = label_map(_scene(), _mid_plane(), 0.0)
    present = set(np.unique(labels).tolist())
    assert {A.LV_BLOOD, A.LV_MYOCARDIUM, A.RV_BLOOD, A.PAPILLARY, A.LUNG} <= present
    assert len(present) >= 8  # fat, muscle, pericardium... each its own label
    structures = _structures(labels)
    assert set(np.unique(structures).tolist()) == {0, 1, 2, 3}


def test_papillary_muscles_and_trabeculae_count_as_cavity() -> None:
    variety = ShapeVariety(trabeculation=0.6, trabecular_depth_mm=4.0, papillary_radius_mm=6.0)
    labels = label_map(_scene(), _mid_plane(), 0.0, variety)
    assert (labels == A.PAPILLARY).any() and (labels == A.LV_TRABECULAE).any()
    assert STRUCTURE_OF[A.PAPILLARY] is Structure.LV_CAVITY
    assert STRUCTURE_OF[A.LV_TRABECULAE] is Structure.LV_CAVITY
    cavity = np.isin(labels, (A.LV_BLOOD, A.PAPILLARY, A.LV_TRABECULAE))
    plain = label_map(_scene(), _mid_plane(), 0.0, ShapeVariety(papillary_radius_mm=6.0))
    assert abs(int(cavity.sum()) - int(np.isin(plain, (A.LV_BLOOD, A.PAPILLARY)).sum())) < 0.05 * (
        cavity.sum())


def test_dense_trabeculae_line_both_ventricles_and_the_septum() -> None:
    plain = ShapeVariety(trabeculation=0.3, trabecular_depth_mm=1.5, rv_trabecular_depth_mm=3.0)
    dense = dense_trabeculae(plain, np.random.default_rng(0))
    assert dense.septal_trabeculae and dense.trabecular_wavelength_mm < 7.0
    a, b = (label_map(_scene(), _mid_plane(), 0.0, v) for v in (plain, dense))
    assert (b == A.LV_TRABECULAE).sum() > 2 * (a == A.LV_TRABECULAE).sum()
    # RV trabeculae now touch the septum (LV myocardium), counted as RV cavity all the same
    rv_trab = b == A.RV_TRABECULAE
    touching = rv_trab[1:] & (b[:-1] == A.LV_MYOCARDIUM) | rv_trab[:-1] & (b[1:] == A.LV_MYOCARDIUM)
    assert touching.any() and STRUCTURE_OF[A.RV_TRABECULAE] is Structure.RV_CAVITY
    with pytest.raises(ValueError, match="implausible"):
        ShapeVariety(trabecular_wavelength_mm=0.0)
    with pytest.raises(ValueError, match="implausible"):
        ShapeVariety(trabecular_depth_ed_es=(0.0, 1.4))


def test_the_trabecular_band_depth_follows_its_ed_and_es_factors() -> None:
    def band(f: float, factors: tuple[float, float]) -> int:
        v = ShapeVariety(trabeculation=0.6, trabecular_depth_mm=3.0,
                         trabecular_depth_ed_es=factors)
        return int((label_map(_scene(), _mid_plane(), f, v) == A.LV_TRABECULAE).sum())

    # the phantom's band deepens in systole (1.0 -> 1.4); a spread band is as deep in diastole
    assert band(0.0, (1.5, 1.4)) > 1.2 * band(0.0, (1.0, 1.4))
    assert band(1.0, (1.5, 1.4)) == band(1.0, (1.0, 1.4))


def test_papillary_muscles_can_be_wall_from_mid_systole() -> None:
    def labels(f: float, as_wall: bool) -> np.ndarray:
        v = ShapeVariety(papillary_radius_mm=6.0, papillary_wall_at_es=as_wall)
        return label_map(_scene(), _mid_plane(), f, v)

    assert np.array_equal(labels(0.0, True), labels(0.0, False))  # diastole unchanged
    es, es_wall = labels(1.0, False), labels(1.0, True)
    assert (es == A.PAPILLARY).any() and not (es_wall == A.PAPILLARY).any()
    assert np.array_equal(es_wall == A.LV_MYOCARDIUM, (es == A.LV_MYOCARDIUM) | (es == A.PAPILLARY))


def _with_and_without(**flag: bool) -> Callable[[float, float, bool], np.ndarray]:
    """label_map(z, f, on) with the ShapeVariety flag on or off; checks that the middle of the
    ventricles, far below the RV base, is the same either way."""
    def labels(z: float, f: float, on: bool) -> np.ndarray:
        variety = ShapeVariety(**{k: on and v for k, v in flag.items()})
        return label_map(_scene(), _mid_plane(z=z), f, variety)

    for f in (0.0, 1.0):
        assert np.array_equal(labels(-35.0, f, True), labels(-35.0, f, False))
    return labels


def test_the_outflow_tract_rises_above_the_rv_base_and_is_not_rv_cavity() -> None:
    labels = _with_and_without(outflow_tract=True)
    above, plain = labels(8.0, 0.0, True), labels(8.0, 0.0, False)
    lumen = (above == A.AORTA) & (plain != A.AORTA)
    rows, _ = np.nonzero(lumen)
    assert lumen.sum() > 100 and rows.mean() > 60  # a pool in front of the heart (+y)
    assert not (above == A.RV_BLOOD).any() and A.AORTA not in STRUCTURE_OF
    # in systole the RV base descends (`heart.rv_shape`): a plane that cut the RV at
    # end-diastole cuts the outflow tract at end-systole
    below_base = -0.5 * HeartAnatomy().rv_shortening * 70.0
    assert (labels(below_base, 0.0, True) == A.RV_BLOOD).any()
    es = labels(below_base, 1.0, True)
    assert ((es == A.AORTA) & (labels(below_base, 1.0, False) != A.AORTA)).sum() > 100


def test_an_open_rv_base_meets_the_right_atrium_without_a_muscular_lid() -> None:
    labels = _with_and_without(open_rv_base=True)
    lid, opened = labels(1.5, 0.0, False), labels(1.5, 0.0, True)
    assert (lid == A.RV_MYOCARDIUM).sum() > 300 and not (opened == A.RV_MYOCARDIUM).any()
    assert (opened == A.RA_BLOOD).sum() > 1.3 * (lid == A.RA_BLOOD).sum()  # a wider floor


def test_the_atrium_can_sit_over_the_rv_inflow() -> None:
    def atrium_over_rv(over: float) -> float:
        """Share of the RV just below its base that has right atrium just above it."""
        v = ShapeVariety(open_rv_base=True, atrium_over_rv=over)
        below = label_map(_scene(), _mid_plane(z=-2.0), 0.0, v) == A.RV_BLOOD
        above = label_map(_scene(), _mid_plane(z=2.0), 0.0, v) == A.RA_BLOOD
        return float((below & above).sum() / below.sum())

    assert atrium_over_rv(0.4) > atrium_over_rv(0.0) + 0.15
    with pytest.raises(ValueError, match="implausible"):
        ShapeVariety(atrium_over_rv=-0.2)


def test_systole_shrinks_the_cavity_and_thickens_the_wall() -> None:
    ed = label_map(_scene(), _mid_plane(), 0.0)
    es = label_map(_scene(), _mid_plane(), 1.0)
    assert (_structures(es) == 1).sum() < 0.75 * (_structures(ed) == 1).sum()
    assert (es == A.LV_MYOCARDIUM).sum() > (ed == A.LV_MYOCARDIUM).sum()


def test_irregular_surfaces_change_the_shape_not_the_layout() -> None:
    smooth = label_map(_scene(), _mid_plane(), 0.0)
    wobbly = label_map(_scene(), _mid_plane(), 0.0, ShapeVariety(rv_irregularity_mm=6.0,
                                                                  lv_irregularity_mm=2.0, seed=3))
    changed = (_structures(smooth) != _structures(wobbly)).mean()
    assert 0.002 < changed < 0.2


def test_slab_spans_the_thickness_and_varieties_validate() -> None:
    slab = label_slab(_scene(), _mid_plane(48), 0.0, 8.0, 3)
    assert slab.shape == (3, 48, 48) and slab.dtype == np.uint8
    with pytest.raises(ValueError, match="thickness"):
        label_slab(_scene(), _mid_plane(48), 0.0, 0.0, 3)
    with pytest.raises(ValueError, match="trabeculation"):
        ShapeVariety(trabeculation=1.5)
    assert isinstance(sample_variety(np.random.default_rng(0)), ShapeVariety)
