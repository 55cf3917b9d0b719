"""Training label slabs: reproducible from the seed, with their stack's neighbours, and patients
pushed beyond the archive population."""

from __future__ import annotations

import numpy as np
import pytest

from phantom.anatomy import HeartAnatomy
from phantom.labels import Extremes, SlabRecipe, stretch_anatomy, training_slabs


def test_training_slabs_are_reproducible_from_the_seed() -> None:
    recipe = SlabRecipe(size=48, n_sub=2)
    a, b = next(training_slabs(5, recipe)), next(training_slabs(5, recipe))
    assert np.array_equal(a, b) and a.shape == (2, 48, 48)


def test_a_slab_can_come_with_the_neighbouring_slices_of_its_stack() -> None:
    alone = next(training_slabs(6, SlabRecipe(size=64, n_sub=3)))
    stack = next(training_slabs(6, SlabRecipe(size=64, n_sub=3, context=1, gap_mm=(0.0, 0.0))))
    assert stack.shape == (9, 64, 64)
    assert np.array_equal(stack[3:6], alone)  # the middle slice is the slab drawn alone
    assert not np.array_equal(stack[:3], stack[6:])  # a slice thickness apart on either side


def test_extremes_push_the_rv_and_the_wall_beyond_the_population() -> None:
    rng = np.random.default_rng(3)
    a = HeartAnatomy()
    assert stretch_anatomy(a, rng, Extremes(0.0, 0.0)) == a
    pushed = stretch_anatomy(a, rng, Extremes(1.0, 1.0))
    assert pushed.rv_width_mm >= 1.3 * a.rv_width_mm and pushed.rv_span_deg >= 100.0
    assert 10.0 <= pushed.lv_wall_mm <= 18.0 and pushed.septal_wall_mm >= pushed.lv_wall_mm
    assert pushed.lv_radius_mm <= a.lv_radius_mm
    thin = stretch_anatomy(a, rng, Extremes(0.0, 0.0, p_thin_wall=1.0))
    assert 4.5 <= thin.lv_wall_mm <= 7.0 and thin.septal_wall_mm <= thin.lv_wall_mm + 1.0
    assert stretch_anatomy(a, rng, Extremes(0.0, 1.0, p_thin_wall=1.0)).lv_wall_mm >= 10.0
    with pytest.raises(ValueError, match="probabilities"):
        Extremes(p_dilated_rv=1.5)
    with pytest.raises(ValueError, match="probabilities"):
        Extremes(p_thin_wall=-0.1)


def test_how_far_a_dilated_rv_goes_is_a_setting() -> None:
    a = HeartAnatomy()
    wide = Extremes(1.0, 0.0, rv_width_scale=(3.0, 3.5), max_septal_flattening=0.6)
    flattened = [stretch_anatomy(a, np.random.default_rng(seed), wide) for seed in range(8)]
    assert all(3.0 * a.rv_width_mm <= b.rv_width_mm <= 3.5 * a.rv_width_mm for b in flattened)
    assert max(b.septal_flattening for b in flattened) > 0.3  # beyond the default's reach
    for bad in ({"rv_width_scale": (0.8, 2.0)}, {"rv_width_scale": (2.0, 1.5)},
                {"max_septal_flattening": 1.0}):
        with pytest.raises(ValueError, match="dilated RV"):
            Extremes(**bad)  # type: ignore[arg-type]
