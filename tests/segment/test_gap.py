"""A second look at a slice the network lost inside the stack (segment.gap)."""

from __future__ import annotations

import numpy as np
from fakes.segment import heart_slice

from cmr_search.vocab import Structure
from segment.gap import LOOK_GRIDS_MM, lost_slices, refound

SHAPE = (64, 64)


def _stack(cavities: list[float], wall: float = 4.0) -> np.ndarray:
    """Base-to-apex labels, one ring per slice of the given cavity radius (-1: no LV)."""
    out = np.zeros((len(cavities), *SHAPE), dtype=np.uint8)
    for k, r in enumerate(cavities):
        if r >= 0:
            out[k] = heart_slice(SHAPE, r, wall)
    return out


class _Grids:
    """A stand-in segmenter that sees, at each grid, the given labels of the whole stack."""

    def __init__(self, seen: dict[float, np.ndarray], first: int) -> None:
        self.seen, self.first = seen, first  # the first slice of the stack it is given
        self.calls: list[tuple[int, float, tuple[float, ...], bool]] = []
        self.diastoles: list[np.ndarray] = []

    def labels_at(self, slices: np.ndarray, spacing_mm: tuple[float, float], grid_mm: float,
                  center_px: np.ndarray, diastole: np.ndarray | None = None) -> np.ndarray:
        self.calls.append((len(slices), grid_mm, tuple(np.round(center_px, 1)),
                           diastole is not None))
        if diastole is not None:
            self.diastoles.append(diastole)
        return self.seen[grid_mm][self.first:self.first + len(slices)]


def test_a_slice_between_two_whole_ones_with_little_lv_was_lost() -> None:
    assert lost_slices(_stack([12, 12, -1, 11, 9, 0])) == [2]
    assert lost_slices(_stack([12, 12, 2, 11, 9])) == [2]  # a speck of cavity in a thin ring
    assert lost_slices(_stack([12, 11, 9, 6, 0, -1])) == []  # a closing apex is not a loss
    assert lost_slices(_stack([-1, 12, 11])) == []  # the stack's ends are the apex's and base's
    assert lost_slices(np.zeros((4, *SHAPE), np.uint8)) == []


def test_the_lost_slice_is_taken_from_the_grid_that_continues_the_lv() -> None:
    labels = _stack([12, 12, -1, 11, 9])
    seen = {LOOK_GRIDS_MM[0]: _stack([12, 12, 11, 11, 9]),  # found, the neighbours' size
            LOOK_GRIDS_MM[1]: _stack([12, 12, 3, 11, 9])}  # a small ring: not the ventricle
    look = _Grids(seen, 1)
    out = refound(look, np.zeros((5, *SHAPE), np.float32), labels, (1.5, 1.5))
    assert [c[:2] for c in look.calls] == [(3, grid) for grid in LOOK_GRIDS_MM]
    assert look.calls[0][2] == (32.0, 32.0)  # the crop on the neighbours' LV
    np.testing.assert_array_equal(out[2], seen[LOOK_GRIDS_MM[0]][2])
    np.testing.assert_array_equal(np.delete(out, 2, axis=0), np.delete(labels, 2, axis=0))


def test_a_read_elsewhere_or_far_larger_than_the_neighbours_is_not_taken() -> None:
    labels = _stack([12, 12, -1, 11, 9])
    elsewhere = _stack([12, 12, 11, 11, 9])
    elsewhere[2] = 0
    elsewhere[2, :20, :20] = Structure.LV_CAVITY  # its size, in the corner: not over this LV
    huge = _stack([12, 12, 26, 11, 9], wall=5.0)  # three times the neighbours' LV: the RV
    out = refound(_Grids({LOOK_GRIDS_MM[0]: elsewhere, LOOK_GRIDS_MM[1]: huge}, 1),
                  np.zeros((5, *SHAPE), np.float32), labels, (1.5, 1.5))
    np.testing.assert_array_equal(out, labels)


def test_another_phase_is_read_inside_diastole() -> None:
    systole = _stack([9, 9, -1, 8, 6])
    seen = {grid: _stack([9, 9, 8, 8, 6]) for grid in LOOK_GRIDS_MM}
    look = _Grids(seen, 1)
    out = refound(look, np.zeros((5, *SHAPE), np.float32), systole, (1.5, 1.5),
                  _stack([12, 12, 11, 11, 9]))
    assert all(call[3] for call in look.calls)
    for window in look.diastoles:  # the lost slice and its neighbours, at end-diastole
        np.testing.assert_array_equal(window, _stack([12, 12, 11, 11, 9])[1:4])
    assert (out[2] == Structure.LV_CAVITY).any()


def test_of_two_reads_in_range_the_nearer_the_neighbours_size_is_taken() -> None:
    labels = _stack([12, 12, -1, 11, 9])
    seen = {LOOK_GRIDS_MM[0]: _stack([12, 12, 15, 11, 9]),  # in range, but larger
            LOOK_GRIDS_MM[1]: _stack([12, 12, 11, 11, 9])}  # the neighbours' size
    out = refound(_Grids(seen, 1), np.zeros((5, *SHAPE), np.float32), labels, (1.5, 1.5))
    np.testing.assert_array_equal(out[2], seen[LOOK_GRIDS_MM[1]][2])


def test_reads_too_small_leave_the_slice_as_it_was() -> None:
    labels = _stack([12, 12, -1, 11, 9])
    seen = {grid: _stack([12, 12, 3, 11, 9]) for grid in LOOK_GRIDS_MM}
    out = refound(_Grids(seen, 1), np.zeros((5, *SHAPE), np.float32), labels, (1.5, 1.5))
    np.testing.assert_array_equal(out, labels)


def test_the_crop_is_centred_on_the_neighbours_not_on_what_the_lost_slice_kept() -> None:
    labels = _stack([12, 12, -1, 11, 9])
    labels[2, 2:8, 2:8] = Structure.LV_CAVITY  # a speck in the corner: far from the heart
    assert lost_slices(labels) == [2]
    look = _Grids({grid: _stack([12, 12, 11, 11, 9]) for grid in LOOK_GRIDS_MM}, 1)
    refound(look, np.zeros((5, *SHAPE), np.float32), labels, (1.5, 1.5))
    assert {call[2] for call in look.calls} == {(32.0, 32.0)}
