"""The measurement vector: standardised, clipped, near for hearts that measure alike."""

from __future__ import annotations

import numpy as np

from catalog import MEASURE_DIM, measurement_key, measurement_vector
from cmr_search.vocab import Measure


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_hearts_that_measure_alike_are_nearer_than_ones_that_do_not() -> None:
    dcm = {Measure.LVEF: 20.0, Measure.LVEDVI: 150.0, Measure.LV_MASSI: 80.0}
    dcm2 = {Measure.LVEF: 25.0, Measure.LVEDVI: 140.0, Measure.LV_MASSI: 75.0}
    normal = {Measure.LVEF: 63.0, Measure.LVEDVI: 80.0, Measure.LV_MASSI: 55.0}
    a, b, c = (measurement_vector(v, "M") for v in (dcm, dcm2, normal))
    assert a is not None and b is not None and c is not None
    assert a.shape == (MEASURE_DIM,) and a.dtype == np.float32
    assert _cos(a, b) > _cos(a, c)


def test_nothing_of_the_lv_measured_gives_no_vector_and_keys_are_paths() -> None:
    assert measurement_vector({Measure.RVEF: 50.0}, None) is None
    assert measurement_key(Measure.LVEF) == "measurements.lvef_pct"
