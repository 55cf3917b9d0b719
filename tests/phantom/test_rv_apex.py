"""The RV's apical trabeculation and moderator band in the training label maps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cmr_search.vocab import STRUCTURE_OF, AnatomyLabel, Structure
from phantom.anatomy import HeartAnatomy
from phantom.body import Habitus
from phantom.geometry import HeartPose, centered_plane
from phantom.labels import ShapeVariety, SlabRecipe, label_map, training_slabs
from phantom.render import Scene
from phantom.rv_apex import RvApex, sample_rv_apex

A = AnatomyLabel
PLAIN = ShapeVariety(trabeculation=0.4, rv_trabecular_depth_mm=2.0)


def _scene() -> Scene:
    pose = HeartPose(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]),
                     np.array([0, 0, 1.0]))
    return Scene(HeartAnatomy(), pose, Habitus(160.0, 110.0, 15.0, -60.0, 1))


def _labels(level: float, variety: ShapeVariety, f: float = 0.0) -> np.ndarray:
    """A short-axis map `level` of the way from the RV base to its apex."""
    a = HeartAnatomy()
    z = -level * a.rv_length_mm
    plane = centered_plane(np.array([-15.0, 0.0, z]), np.array([1.0, 0, 0]),
                           np.array([0, 1.0, 0]), 112, 112, 1.5)
    return label_map(_scene(), plane, f, variety)


def _rv_share(labels: np.ndarray) -> float:
    """The trabecular share of the RV cavity (blood and trabeculae)."""
    cavity = np.isin(labels, (A.RV_BLOOD, A.RV_TRABECULAE)).sum()
    return float((labels == A.RV_TRABECULAE).sum() / max(int(cavity), 1))


def test_the_rv_fills_with_trabeculae_towards_its_apex_and_stays_rv_cavity() -> None:
    apex = RvApex(gain=4.0, share=0.6, band_radius_mm=0.0, seed=3)
    with_apex = replace(PLAIN, rv_apex=apex)
    base, apical = (_rv_share(_labels(lv, with_apex)) for lv in (0.2, 0.75))
    assert apical > 1.5 * base and apical > 0.3
    # the RV cavity is unchanged: trabeculae are drawn inside the blood, never outside it
    for level in (0.2, 0.75):
        plain, more = _labels(level, PLAIN), _labels(level, with_apex)
        cavity = np.isin(plain, (A.RV_BLOOD, A.RV_TRABECULAE))
        assert np.array_equal(cavity, np.isin(more, (A.RV_BLOOD, A.RV_TRABECULAE)))
        assert _rv_share(more) > _rv_share(plain)
    assert STRUCTURE_OF[A.RV_TRABECULAE] is Structure.RV_CAVITY


def test_a_moderator_band_crosses_the_rv_at_its_level_only() -> None:
    without = RvApex(gain=0.0, share=0.01, band_radius_mm=0.0, band_level=0.6, seed=3)
    band = replace(without, band_radius_mm=3.0)
    at, away = 0.6, 0.2
    gained = [int((_labels(lv, replace(PLAIN, rv_apex=band)) == A.RV_TRABECULAE).sum())
              - int((_labels(lv, replace(PLAIN, rv_apex=without)) == A.RV_TRABECULAE).sum())
              for lv in (at, away)]
    assert gained[0] > 20 and gained[1] == 0


def test_implausible_apex_refused_and_sampling_is_seeded() -> None:
    with pytest.raises(ValueError, match="implausible RV apex"):
        RvApex(share=0.0)
    with pytest.raises(ValueError, match="implausible RV apex"):
        RvApex(band_level=1.5)
    draws = [sample_rv_apex(np.random.default_rng(9)) for _ in range(2)]
    assert draws[0] == draws[1] and draws[0].gain >= 1.5


def test_slab_recipes_without_the_rv_apex_draw_as_before() -> None:
    # p_rv_apex = 0 takes nothing from the random stream: earlier stages reproduce exactly
    plain = next(training_slabs(5, SlabRecipe(size=48, n_sub=1)))
    again = next(training_slabs(5, SlabRecipe(size=48, n_sub=1, p_rv_apex=0.0)))
    assert np.array_equal(plain, again)
    with_apex = next(training_slabs(5, SlabRecipe(size=48, n_sub=1, p_rv_apex=1.0)))
    assert with_apex.shape == plain.shape
