"""A whole cycle: ED and ES on the LV curve, and each phase's RV base following the annulus."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import heart_slice

from cmr_search.vocab import Structure
from segment.cycle import analyse_cycle
from segment.io import SaxStudy

_SHAPE = (64, 64)
_SLICES = 6


def _phase(cavity: float, atrium_at_base: bool) -> np.ndarray:
    mask = np.stack([heart_slice(_SHAPE, cavity, 4, rv=8) for _ in range(_SLICES)])
    if atrium_at_base:  # the basal RV pool replaced by one behind the LV, 30 px away
        rv = mask[0] == Structure.RV_CAVITY
        mask[0][rv] = Structure.BACKGROUND
        mask[0][np.roll(rv, 30, axis=0) & (mask[0] == Structure.BACKGROUND)] = (
            Structure.RV_CAVITY)
    return mask


class _Drawn:
    """Hands back prepared masks, one per phase: ED large, ES small with an atrial pool."""

    def __init__(self, masks: list[np.ndarray]) -> None:
        self.masks = masks

    def segment_phases(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        assert len(volumes) == len(self.masks)
        return [m.copy() for m in self.masks]


def test_the_systolic_rv_base_follows_the_annulus_in_every_phase_but_end_diastole() -> None:
    masks = [_phase(12, False), _phase(10, True), _phase(8, True), _phase(11, False)]
    phases = [np.zeros((_SLICES, *_SHAPE), dtype=np.float32) for _ in masks]
    study = SaxStudy("s1", phases, [1, 2, 3, 4], (1.5, 1.5), 10.0,
                     [np.eye(4)] * len(masks), ["f1", "f2", "f3", "f4"])
    cycle = analyse_cycle(study, _Drawn(masks))
    assert (cycle.ed, cycle.es) == (0, 2)
    basal_rv = [bool((m[0] == Structure.RV_CAVITY).any()) for m in cycle.masks]
    assert basal_rv == [True, False, False, True]
    per_slice_ml = (masks[2][1] == Structure.RV_CAVITY).sum() * 1.5 * 1.5 * 10.0 / 1000
    assert cycle.rv_curve_ml[2] == pytest.approx((_SLICES - 1) * per_slice_ml, abs=0.1)
    assert cycle.result.values["rvesv_ml"] == pytest.approx((_SLICES - 1) * per_slice_ml, abs=0.1)
