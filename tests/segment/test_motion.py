"""Regional wall motion on masks whose motion is known."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import disc, heart_slice

from cmr_search.vocab import Structure
from segment.motion import CONTRACTING_PCT, SECTORS, regional_motion

SHAPE = (120, 120)
CENTRE = (60.0, 60.0)


def _stack(mask: np.ndarray, slices: int = 5) -> np.ndarray:
    return np.repeat(mask[None], slices, axis=0)


def _systole(cavity: float, still_degrees: float = 0.0) -> np.ndarray:
    """An end-systolic slice: the cavity shrunk to `cavity` pixels, except a wedge of
    `still_degrees` on the side away from the RV (the lateral wall) that stays at 20."""
    mask = heart_slice(SHAPE, cavity=cavity, wall=8, rv=14)
    if still_degrees:
        rr, cc = np.mgrid[:SHAPE[0], :SHAPE[1]]
        angle = np.degrees(np.arctan2(rr - CENTRE[0], cc - CENTRE[1]))  # 0: away from the RV
        wedge = disc(SHAPE, CENTRE, 20) & (np.abs(angle) < still_degrees / 2)
        mask[wedge] = Structure.LV_CAVITY
    return mask


DIASTOLE = heart_slice(SHAPE, cavity=20, wall=8, rv=14)


def test_a_ventricle_contracting_everywhere_has_no_hypokinetic_wall() -> None:
    motion = regional_motion(_stack(DIASTOLE), _stack(_systole(13)), (1.5, 1.5))
    assert motion.shortening_pct.shape == (3, SECTORS)  # the basal and apical slices left out
    assert np.nanmedian(motion.shortening_pct) == pytest.approx(35.0, abs=4.0)
    assert motion.hypokinetic_wall_pct() == 0.0


def test_a_still_lateral_wall_is_found_and_counted() -> None:
    motion = regional_motion(_stack(DIASTOLE), _stack(_systole(13, still_degrees=120)),
                             (1.5, 1.5))
    per_sector = np.nanmean(motion.shortening_pct, axis=0)
    assert per_sector.min() < 10.0  # the still wall
    assert per_sector.max() > CONTRACTING_PCT  # the septum still contracts
    share = motion.hypokinetic_wall_pct()
    assert share is not None and 15.0 <= share <= 50.0


def test_global_hypokinesis_is_not_regional() -> None:
    motion = regional_motion(_stack(DIASTOLE), _stack(_systole(19)), (1.5, 1.5))
    assert float(np.nanmax(motion.shortening_pct)) < CONTRACTING_PCT
    assert motion.hypokinetic_wall_pct() is None  # not regional, and not a normal wall either


def test_too_few_slices_measure_nothing() -> None:
    motion = regional_motion(_stack(DIASTOLE, 1), _stack(_systole(13), 1), (1.5, 1.5))
    assert motion.hypokinetic_wall_pct() is None
    empty = np.zeros((4, 20, 20), dtype=np.uint8)
    assert regional_motion(empty, empty, (1.0, 1.0)).hypokinetic_wall_pct() is None


def test_an_obliterated_systolic_cavity_is_not_read_as_still() -> None:
    systole = _stack(_systole(13))
    systole[2][systole[2] == Structure.LV_CAVITY] = Structure.LV_MYOCARDIUM
    motion = regional_motion(_stack(DIASTOLE), systole, (1.5, 1.5))
    assert np.isnan(motion.shortening_pct[1]).all()
    assert motion.hypokinetic_wall_pct() == 0.0
