"""The LV tapers from slice to slice (segment.taper)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes.segment import heart_slice, tiny_checkpoint

from cmr_search.vocab import Structure
from segment.infer import Segmenter
from segment.taper import JUMP_RATIO, jumps, tapered

SHAPE = (80, 80)


def _stack(cavities: list[float]) -> np.ndarray:
    """Base-to-apex rings with an RV beside them, one per cavity radius (pixels)."""
    return np.stack([heart_slice(SHAPE, r, 4.0, rv=14.0) for r in cavities])


def _rv_taken_for_lv(stack: np.ndarray, k: int) -> np.ndarray:
    """`stack` with slice k's RV and the wall between drawn as LV cavity (a grey RV against
    the septum, one slice)."""
    out = stack.copy()
    out[k][np.isin(out[k], (Structure.RV_CAVITY, Structure.LV_MYOCARDIUM))
           & (np.arange(SHAPE[1])[None, :] < 40)] = Structure.LV_CAVITY
    return out


def test_a_gradual_taper_has_no_jump_and_is_left_alone() -> None:
    stack = _stack([14, 13, 11, 9, 6])
    assert jumps(stack) == []
    assert np.array_equal(tapered(stack, (1.5, 1.5)), stack)
    # the end slices have one neighbour: a base twice the next slice is no jump
    assert jumps(_stack([20, 12, 11])) == []


def test_an_lv_more_than_doubling_between_its_neighbours_gives_back_what_they_show() -> None:
    stack = _stack([14, 13, 12, 11])
    bad = _rv_taken_for_lv(stack, 2)
    area = (bad == Structure.LV_CAVITY).sum(axis=(1, 2))
    assert area[2] > JUMP_RATIO * max(area[1], area[3])
    assert jumps(bad) == [2]
    drawn = bad.copy()
    fixed = tapered(bad, (1.5, 1.5))
    assert np.array_equal(bad, drawn) and fixed.dtype == bad.dtype  # the input is not changed
    # the RV comes back where the slice before shows it; the LV keeps what lies near theirs
    # (within NEIGHBOUR_MARGIN_MM: the septum here)
    assert (fixed[2] == Structure.RV_CAVITY).sum() >= 0.8 * (stack[2] == Structure.RV_CAVITY).sum()
    kept = fixed[2] == Structure.LV_CAVITY
    assert kept[stack[2] == Structure.LV_CAVITY].all()
    assert kept.sum() < 0.6 * (bad[2] == Structure.LV_CAVITY).sum()
    assert jumps(fixed) == []
    assert np.array_equal(fixed[[0, 1, 3]], bad[[0, 1, 3]])


def test_excess_where_the_neighbours_show_nothing_becomes_background() -> None:
    stack = _stack([14, 13, 12, 11])
    bad = stack.copy()
    bad[2, 2:30, 50:78] = Structure.LV_CAVITY  # far from every neighbour's heart
    fixed = tapered(bad, (1.5, 1.5))
    assert (fixed[2, 2:30, 50:78] == Structure.BACKGROUND).mean() > 0.9
    # the slice before's label, whatever the slice after shows there
    bad[1, 2:30, 50:78] = Structure.RV_CAVITY
    bad[3, 2:30, 50:78] = Structure.LV_MYOCARDIUM
    assert (tapered(bad, (1.5, 1.5))[2, 2:30, 50:78] == Structure.RV_CAVITY).mean() > 0.9


def test_segment_phases_tapers_the_lv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wired in: whatever the network drew, a jumping LV leaves segment_phases tapered."""
    segmenter = Segmenter(tiny_checkpoint(tmp_path / "ck"), tta=False)
    drawn = _rv_taken_for_lv(_stack([14, 13, 12, 11]), 2)
    one_hot = (drawn[:, None] == np.arange(len(Structure))[None, :, None, None])

    def probabilities(slices: np.ndarray, spacing_mm: tuple[float, float],
                      center: np.ndarray | None = None) -> np.ndarray:
        return one_hot.astype(np.float32)

    monkeypatch.setattr(segmenter, "probabilities", probabilities)
    monkeypatch.setattr(segmenter, "heart_center", lambda *_: np.array([40.0, 40.0]))
    images = np.where(np.isin(drawn, (Structure.LV_CAVITY, Structure.RV_CAVITY)), 1.0,
                      0.3).astype(np.float32)
    [labels] = segmenter.segment_phases([images], (1.5, 1.5))
    assert jumps(labels) == []
    assert (labels[2] == Structure.LV_CAVITY).sum() < 0.6 * (drawn[2] == Structure.LV_CAVITY).sum()
