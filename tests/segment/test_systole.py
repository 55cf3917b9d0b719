"""End-systole read inside end-diastole: what the network draws outside the diastolic
ventricles of the same slice is not them."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import heart_slice

from cmr_search.vocab import Structure
from segment.systole import SYSTOLE_MARGIN_MM, within_diastole

SPACING = (1.5, 1.5)


def _stack(cavity: float, wall: float, rv: float, slices: int = 4) -> np.ndarray:
    return np.stack([heart_slice((64, 64), cavity, wall, rv=rv) for _ in range(slices)])


def test_a_contracted_heart_is_left_as_drawn() -> None:
    diastole, systole = _stack(12, 5, 8), _stack(8, 7, 6)
    assert (within_diastole(systole, diastole, SPACING) == systole).all()


def test_lv_and_rv_labels_far_outside_their_diastolic_cut_become_background() -> None:
    diastole, systole = _stack(10, 4, 6), _stack(8, 5, 5)
    far_lv = np.zeros_like(systole, dtype=bool)
    far_lv[1, 54:62, 54:62] = True  # well over SYSTOLE_MARGIN_MM away from the LV and RV
    systole[far_lv] = Structure.LV_CAVITY
    far_rv = np.zeros_like(far_lv)
    far_rv[2, 2:8, 54:62] = True
    systole[far_rv] = Structure.RV_CAVITY
    out = within_diastole(systole, diastole, SPACING)
    assert not out[far_lv | far_rv].any()
    assert (out[~(far_lv | far_rv)] == systole[~(far_lv | far_rv)]).all()


def test_a_label_just_outside_its_diastolic_cut_is_kept() -> None:
    diastole, systole = _stack(10, 4, 6), _stack(10, 4, 6)
    shift = int(SYSTOLE_MARGIN_MM / SPACING[1]) - 1  # through-plane motion, within the margin
    systole = np.roll(systole, shift, axis=2)
    out = within_diastole(systole, diastole, SPACING)
    assert (out == systole).all()


def test_an_apical_slice_missed_at_end_diastole_keeps_its_systolic_lv() -> None:
    diastole, systole = _stack(10, 4, 6), _stack(8, 5, 5)
    diastole[3] = Structure.BACKGROUND
    out = within_diastole(systole, diastole, SPACING)
    assert (out[3] == np.where(systole[3] == Structure.RV_CAVITY, 0, systole[3])).all()


def test_without_a_diastolic_lv_the_phase_is_left_alone() -> None:
    systole = _stack(8, 5, 5)
    empty = np.zeros_like(systole)
    assert (within_diastole(systole, empty, SPACING) == systole).all()


def test_a_phase_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="end-diastole"):
        within_diastole(_stack(8, 5, 5, slices=3), _stack(8, 5, 5), SPACING)
