"""A second look at an apex the network lost (segment.apex)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes.segment import heart_slice, tiny_checkpoint

from cmr_search.vocab import Structure
from segment.apex import SECOND_LOOK_MM, lost_apex_from, second_look
from segment.infer import Segmenter

SHAPE = (64, 64)


def _stack(cavities: list[float], wall: float = 4.0) -> np.ndarray:
    """Base-to-apex labels, one ring per slice of the given cavity radius (0: a cap of wall
    only, -1: no LV at all)."""
    out = np.zeros((len(cavities), *SHAPE), dtype=np.uint8)
    for k, r in enumerate(cavities):
        if r >= 0:
            out[k] = heart_slice(SHAPE, r, wall)
    return out


def test_an_lv_closing_towards_the_apex_was_not_lost() -> None:
    assert lost_apex_from(_stack([12, 11, 9, 6, 0, -1])) is None  # a cap of wall, then lung
    assert lost_apex_from(_stack([12, 11, 10, 10])) is None  # the stack stops: coverage, not loss
    assert lost_apex_from(np.zeros((4, *SHAPE), dtype=np.uint8)) is None


def test_an_lv_stopping_wide_open_before_the_stack_ends_was_lost() -> None:
    assert lost_apex_from(_stack([12, 12, 11, 10, -1, -1])) == 3
    specks = _stack([12, 12, 11, 10, -1, -1])
    specks[4, 30:32, 30] = Structure.LV_MYOCARDIUM  # two pixels of wall: no ventricle going on
    assert lost_apex_from(specks) == 3


def test_another_phase_lost_its_apex_where_end_diastole_goes_on() -> None:
    diastole = _stack([12, 12, 11, 9, 6, 0, -1])
    systole = _stack([9, 9, 7, 5, -1, -1, -1])  # cavity small at its end, yet diastole goes on
    assert lost_apex_from(systole) is None
    assert lost_apex_from(systole, diastole) == 3
    assert lost_apex_from(_stack([9, 9, 7, 4, 2, 0, -1]), diastole) is None


class _Magnified:
    """A stand-in segmenter whose second look sees the given labels."""

    def __init__(self, seen: np.ndarray, start: int | None = None) -> None:
        self.seen, self.start = seen, start
        self.calls: list[tuple[int, float, tuple[float, ...]]] = []
        self.diastoles: list[np.ndarray | None] = []

    def labels_at(self, slices: np.ndarray, spacing_mm: tuple[float, float], grid_mm: float,
                  center_px: np.ndarray, diastole: np.ndarray | None = None) -> np.ndarray:
        self.calls.append((len(slices), grid_mm, tuple(np.round(center_px, 1))))
        self.diastoles.append(diastole)
        start = len(self.seen) - len(slices) if self.start is None else self.start
        return self.seen[start:start + len(slices)]


def test_the_lost_slices_are_read_again_while_the_lv_goes_on() -> None:
    labels = _stack([12, 12, 11, 10, -1, -1, -1])
    seen = _stack([12, 12, 11, 10, 8, 5, -1])
    seen[6] = np.roll(heart_slice(SHAPE, 6.0, 4.0), 30, axis=1)  # elsewhere: not this LV
    look = _Magnified(seen)
    out = second_look(look, np.zeros((7, *SHAPE), np.float32), labels, (1.5, 1.5))
    assert look.calls == [(4, SECOND_LOOK_MM, (32.0, 32.0))]  # from the last LV slice on
    np.testing.assert_array_equal(out[:4], labels[:4])
    np.testing.assert_array_equal(out[4:6], seen[4:6])
    assert not out[6].any()  # the walk stopped at the LV that does not continue this one


def test_another_phase_is_read_inside_diastole_and_not_past_its_apex() -> None:
    diastole = _stack([12, 12, 11, 10, 8, -1, -1])
    systole = _stack([9, 9, 8, -1, -1, -1, -1])
    seen = _stack([9, 9, 8, 6, 5, 4, -1])  # the second look would go on past slice 4
    look = _Magnified(seen, start=2)
    out = second_look(look, np.zeros((7, *SHAPE), np.float32), systole, (1.5, 1.5), diastole)
    assert look.calls == [(3, SECOND_LOOK_MM, (32.0, 32.0))]  # slices 2-4: diastole's reach
    given = look.diastoles[0]
    assert given is not None
    np.testing.assert_array_equal(given, diastole[2:5])
    np.testing.assert_array_equal(out[3:5], seen[3:5])
    assert not out[5:].any()


def test_a_stack_with_its_apex_is_left_alone() -> None:
    labels = _stack([12, 11, 9, 6, 0, -1])
    look = _Magnified(_stack([12, 12, 12, 12, 12, 12]))
    assert second_look(look, np.zeros((6, *SHAPE), np.float32), labels, (1.5, 1.5)) is labels
    assert look.calls == []


def test_the_segmenter_looks_again_at_its_finer_grid_around_the_given_pixel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    segmenter = Segmenter(tiny_checkpoint(tmp_path / "ck"), tta=False)
    grids: list[float] = []
    centers: list[np.ndarray] = []

    def probabilities(self: Segmenter, slices: np.ndarray, spacing_mm: tuple[float, float],
                      center: np.ndarray | None = None) -> np.ndarray:
        grids.append(self.grid_mm)
        centers.append(np.asarray(center))
        p = np.zeros((len(slices), len(Structure), *slices.shape[1:]), np.float32)
        p[:, 0] = 1.0
        return p

    monkeypatch.setattr(Segmenter, "probabilities", probabilities)
    out = segmenter.labels_at(np.zeros((2, 40, 50), np.float32), (1.8, 1.8), 0.9,
                              np.array([20.0, 10.0]))
    assert out.shape == (2, 40, 50) and out.dtype == np.uint8 and not out.any()
    assert grids == [0.9] and segmenter.grid_mm != 0.9  # the segmenter itself is unchanged
    np.testing.assert_allclose(centers[0], [40.0, 20.0])  # input pixels on the 0.9 mm grid


def test_the_second_look_at_another_phase_reads_inside_diastole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from segment import infer

    segmenter = Segmenter(tiny_checkpoint(tmp_path / "ck"), tta=False)
    inside: list[np.ndarray] = []

    def within(raw: np.ndarray, diastole: np.ndarray,
               spacing_mm: tuple[float, float]) -> np.ndarray:
        inside.append(diastole)
        return np.zeros_like(raw)

    monkeypatch.setattr(infer, "within_diastole", within)
    diastole = _stack([12, 10])
    out = segmenter.labels_at(np.zeros((2, *SHAPE), np.float32), (1.5, 1.5), 0.9,
                              np.array([32.0, 32.0]), diastole)
    assert len(inside) == 1 and inside[0] is diastole and not out.any()
    segmenter.labels_at(np.zeros((2, *SHAPE), np.float32), (1.5, 1.5), 0.9,
                        np.array([32.0, 32.0]))
    assert len(inside) == 1  # end-diastole itself is read as it is


def test_no_more_than_three_slices_past_the_lost_lv_are_read_again() -> None:
    from segment.apex import MAX_SLICES_PAST

    labels = _stack([12, 11, -1, -1, -1, -1, -1, -1])
    look = _Magnified(_stack([12, 11, 10, 9, 8, 7, 6, 5]), start=1)
    out = second_look(look, np.zeros((8, *SHAPE), np.float32), labels, (1.5, 1.5))
    assert MAX_SLICES_PAST == 3 and look.calls[0][0] == 1 + MAX_SLICES_PAST
    assert out[2:5].any(axis=(1, 2)).all() and not out[5:].any()
