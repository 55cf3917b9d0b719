"""A second look at a slice the network lost inside the stack.

The LV is a tube along the short-axis stack: between two slices that cut it, a slice cuts it
too. On real cine the network sometimes draws almost nothing of the heart on one such slice
while its neighbours are whole (ACDC at end-diastole patient028, at end-systole 021, 022,
025, 028 and 029: under a fifth of the expert's LV and wall on that slice; 026 two fifths;
docs/segmentation/README.md lists them). The image is as
clear as its neighbours'; the network is sensitive to the apparent size of the heart
(docs/segmentation, "the same weights presented at a 1.2 mm grid"), and the slice lost at one
grid is found at another.

So a slice whose LV (cavity and wall) is under `LOST_SHARE` of both neighbours' is read again
at the grids of `LOOK_GRIDS_MM` (the grid the network was trained at, and the apex's second
look's), the crop centred on the neighbours' LV, with its two neighbours (the network sees
one slice at a time; they keep the LV one connected piece). A read is taken when its LV lies
over a neighbour's and its size is within `LOST_SHARE` of the neighbours' mean either way;
of those, the one nearest that mean. A slice taken is taken whole (its RV too). At another
phase than end-diastole the slices are read inside end-diastole's ventricles.
"""

from __future__ import annotations

import logging

import numpy as np

from cmr_search.vocab import LV_STRUCTURES
from segment.apex import SECOND_LOOK_MM, SecondLook

logger = logging.getLogger(__name__)

# a slice with less LV than this share of both neighbours' lost the LV; a read again is kept
# only between this share and its inverse of the neighbours' mean
LOST_SHARE = 0.5
# the grids (mm) of the second look: the network's training grid, and the apex's magnified one
TRAINING_GRID_MM = 1.5
LOOK_GRIDS_MM = (TRAINING_GRID_MM, SECOND_LOOK_MM)


def lost_slices(labels: np.ndarray) -> list[int]:
    """Slices of `labels` ((slices, rows, cols) `Structure` codes) between two others whose LV
    (cavity and wall) is under `LOST_SHARE` of each neighbour's."""
    area = np.isin(labels, LV_STRUCTURES).sum(axis=(1, 2))
    return [k for k in range(1, len(labels) - 1)
            if area[k] < LOST_SHARE * min(area[k - 1], area[k + 1])]


def _choice(reads: list[np.ndarray], labels: np.ndarray, k: int) -> np.ndarray | None:
    """The read of slice `k` (middle of each 3-slice read) that continues the LV best."""
    beside = np.isin(labels[[k - 1, k + 1]], LV_STRUCTURES)
    mean = float(beside.sum()) / 2
    best, best_gap = None, np.inf
    for read in reads:
        lv = np.isin(read[1], LV_STRUCTURES)
        size = float(lv.sum())
        if not (lv & beside.any(axis=0)).any():
            continue
        if not LOST_SHARE * mean <= size <= mean / LOST_SHARE:
            continue
        if abs(size - mean) < best_gap:
            best, best_gap = read[1], abs(size - mean)
    return best


def refound(segmenter: SecondLook, slices: np.ndarray, labels: np.ndarray,
            spacing_mm: tuple[float, float], diastole: np.ndarray | None = None) -> np.ndarray:
    """`labels` (a copy) with each slice the network lost inside the stack read again
    (module docstring); `diastole` is the same stack's end-diastolic labels at another phase."""
    out = labels.copy()
    for k in lost_slices(labels):
        near = slice(k - 1, k + 2)
        # centred on the neighbours' LV: the lost slice's own few pixels may lie anywhere
        center = np.argwhere(np.isin(labels[[k - 1, k + 1]], LV_STRUCTURES))[:, 1:].mean(axis=0)
        reads = [segmenter.labels_at(slices[near], spacing_mm, grid, center,
                                     None if diastole is None else diastole[near])
                 for grid in LOOK_GRIDS_MM]
        chosen = _choice(reads, labels, k)
        if chosen is not None:
            out[k] = chosen
            logger.debug("LV lost on slice %d inside the stack; read again", k)
    return out
