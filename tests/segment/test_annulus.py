"""The systolic RV base follows the tricuspid annulus: basal pools that moved are atrium."""

from __future__ import annotations

import numpy as np
from fakes.segment import disc, heart_slice

from cmr_search.vocab import Structure
from segment.annulus import ANNULUS_TRAVEL_MM, RV_SHIFT_MM, atrium_at_rv_base, follow_annulus

_SHAPE = (64, 64)
_PIXEL_MM = (1.5, 1.5)


def _stack(n: int, rv: float = 8.0) -> np.ndarray:
    """`n` slices of an LV ring with an RV disc to its left, base first."""
    return np.stack([heart_slice(_SHAPE, 10, 4, rv=rv) for _ in range(n)])


def _pool_moved_by(mask: np.ndarray, k: int, mm: float) -> None:
    """Slice `k`'s RV replaced by a pool of the same size `mm` lower in the image."""
    rv = mask[k] == Structure.RV_CAVITY
    mask[k][rv] = Structure.BACKGROUND
    rows, cols = np.nonzero(rv)
    centre = (rows.mean() + mm / _PIXEL_MM[0], cols.mean())
    pool = disc(_SHAPE, centre, np.sqrt(rv.sum() / np.pi)) & (mask[k] == Structure.BACKGROUND)
    mask[k][pool] = Structure.RV_CAVITY


def test_a_basal_pool_that_moved_is_atrium_and_the_walk_stops_at_the_first_in_place() -> None:
    ed, es = _stack(8), _stack(8, rv=6.0)  # the RV shrinks in place in systole
    _pool_moved_by(es, 0, 3 * RV_SHIFT_MM)
    _pool_moved_by(es, 1, 2 * RV_SHIFT_MM)
    _pool_moved_by(es, 3, 3 * RV_SHIFT_MM)  # below an in-place slice: not the base any more
    assert atrium_at_rv_base(ed, es, _PIXEL_MM, 8.0) == [0, 1]
    out = follow_annulus(ed, es, _PIXEL_MM, 8.0)
    assert not (out[:2] == Structure.RV_CAVITY).any()
    assert (out[2:] == Structure.RV_CAVITY).any(axis=(1, 2)).all()
    assert np.array_equal(out[:2] == Structure.LV_CAVITY, es[:2] == Structure.LV_CAVITY)
    assert (es[0] == Structure.RV_CAVITY).any()  # the input is left as it was


def test_pools_in_place_and_pools_beyond_the_annulus_travel_are_kept() -> None:
    ed = _stack(8)
    assert atrium_at_rv_base(ed, _stack(8, rv=6.0), _PIXEL_MM, 10.0) == []
    es = _stack(8, rv=6.0)
    ed[:3][ed[:3] == Structure.RV_CAVITY] = Structure.BACKGROUND  # the ED RV starts at slice 3
    for k in range(8):
        _pool_moved_by(es, k, 3 * RV_SHIFT_MM)
    # slices 0 to 2 had no RV at end-diastole; below slice 3's upper face the annulus reaches
    # ANNULUS_TRAVEL_MM: slices 3 to 5 have their centres at 5, 15 and 25 mm
    found = atrium_at_rv_base(ed, es, _PIXEL_MM, 10.0)
    assert found == [0, 1, 2, 3, 4, 5]
    assert (5 - 3 + 0.5) * 10.0 <= ANNULUS_TRAVEL_MM < (6 - 3 + 0.5) * 10.0
    kept = follow_annulus(ed, es, _PIXEL_MM, 10.0)
    assert (kept[6:] == Structure.RV_CAVITY).any(axis=(1, 2)).all()  # below the travel


def test_a_gap_inside_the_diastolic_rv_stops_the_walk() -> None:
    ed, es = _stack(6), _stack(6, rv=6.0)
    ed[2][ed[2] == Structure.RV_CAVITY] = Structure.BACKGROUND  # the network missed it at ED
    for k in range(6):
        _pool_moved_by(es, k, 3 * RV_SHIFT_MM)
    assert atrium_at_rv_base(ed, es, _PIXEL_MM, 10.0) == [0, 1]


def test_no_usable_slice_spacing_changes_nothing() -> None:
    ed, es = _stack(4), _stack(4, rv=6.0)
    _pool_moved_by(es, 0, 3 * RV_SHIFT_MM)
    for spacing_mm in (0.0, float("nan")):
        assert atrium_at_rv_base(ed, es, _PIXEL_MM, spacing_mm) == []


def test_a_stack_without_an_end_diastolic_rv_is_left_alone() -> None:
    ed, es = _stack(4, rv=0.0), _stack(4)
    assert atrium_at_rv_base(ed, es, _PIXEL_MM, 10.0) == []
    assert np.array_equal(follow_annulus(ed, es, _PIXEL_MM, 10.0), es)
