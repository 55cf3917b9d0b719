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


def test_the_vector_carries_the_grades_a_reader_gives_the_numbers() -> None:
    from catalog.measures import FEATURES, GRADED
    from cmr_search.vocab import Finding

    lv_dysfunction = len(FEATURES) + GRADED.index(Finding.LV_SYSTOLIC_DYSFUNCTION)
    lv_dilation = len(FEATURES) + GRADED.index(Finding.LV_DILATION)
    severe = measurement_vector({Measure.LVEF: 20.0, Measure.LVEDVI: 150.0}, "M")
    normal = measurement_vector({Measure.LVEF: 63.0, Measure.LVEDVI: 80.0}, "M")
    assert severe is not None and normal is not None
    assert severe[lv_dysfunction] == 3.0 and severe[lv_dilation] == 3.0  # severe: 3 steps
    assert normal[lv_dysfunction] == 0.0 and normal[lv_dilation] == 0.0
    # across the moderate cut-off (LVEF 41 %) two hearts are further apart than the same
    # LVEF difference within one grade
    assert _cos(_lvef(42.0), _lvef(39.0)) < _cos(_lvef(39.0), _lvef(36.0))


def _lvef(ef_pct: float) -> np.ndarray:
    vector = measurement_vector({Measure.LVEF: ef_pct, Measure.LVEDVI: 80.0}, "M")
    assert vector is not None
    return vector
