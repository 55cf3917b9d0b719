"""The LV base at end-systole: where the network loses the LV one slice short of the base.

At end-systole the mitral annulus travels toward the apex, and the most basal slice that
still cuts the ventricle shows it small, grey (slow systolic blood) and half-ringed, beside
the left atrium and the outflow tract. The network, trained on synthetic hearts whose basal
slices are clear rings, calls that slice background: on ACDC (50 patients, end-systole) the
first slice above its systolic LV held expert LV cavity on 12 of the 17 stacks where
end-diastole had LV there (300 to 1,100 px: 5 to 20 ml, the LVEF read 5 to 15 points high;
patients 064, 068, 090, 007, 042 among them). Its probabilities do not tell the two cases
apart (background 0.88 to 0.98 in both), so the slice is given the LV of the slice below it,
inside the end-diastolic LV of its own slice: the ventricle contracts in plane, and the slice
below is the nearest systolic cut. Only that one slice: the annulus travels about a slice
(8 to 15 mm) in systole. The five stacks where experts drew no LV there (021, 026, 029, 063,
081) are read too large by that slice (docs/segmentation/README.md, "The systolic base").
"""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import Structure

# Fewer end-systolic LV cavity pixels than this on a slice: the network saw no LV there.
_MIN_CAVITY_PX = 30
# Smaller end-diastolic LV cavity (mm^2) on the slice above: no ventricle to restore there
# (about a 16 mm circle: the top of a basal slice the ventricle only grazes).
MIN_DIASTOLIC_CAVITY_MM2 = 200.0
# The share of the slice below's wall pixels that must be dark on the lost slice: readers
# count a basal slice as ventricle when myocardium surrounds its cavity; where the ring is
# bright the slice cut the atrium.
MIN_DARK_WALL_SHARE = 0.5
_LV_CODES = (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM)


def lost_base(ed_mask: np.ndarray, es_mask: np.ndarray,
              spacing_mm: tuple[float, float]) -> int | None:
    """The slice of `es_mask` (end-systole, `Structure` codes, slices base first) just above
    its first slice with LV cavity, when it has none and `ed_mask` (end-diastole, same
    stack) has LV cavity there; else None. Whether the image shows a wall there is
    `wall_shown`'s to say."""
    if ed_mask.shape != es_mask.shape:
        raise ValueError(f"end-systole of shape {es_mask.shape} against end-diastole "
                         f"{ed_mask.shape}")
    cavity = (es_mask == Structure.LV_CAVITY).sum(axis=(1, 2))
    present = np.flatnonzero(cavity >= _MIN_CAVITY_PX)
    if len(present) == 0 or present[0] == 0:
        return None
    k = int(present[0]) - 1
    pixel_mm2 = spacing_mm[0] * spacing_mm[1]
    if (ed_mask[k] == Structure.LV_CAVITY).sum() * pixel_mm2 < MIN_DIASTOLIC_CAVITY_MM2:
        return None
    return k


def wall_shown(image: np.ndarray, es_mask: np.ndarray, k: int, room: np.ndarray) -> bool:
    """Whether slice `k` of the end-systolic `image` is dark (wall) on most pixels where the
    slice below has its wall, within `room`: dark meaning nearer that slice's wall signal
    than its blood's."""
    below = es_mask[k + 1]
    wall = (below == Structure.LV_MYOCARDIUM) & room
    if not wall.any() or not (below == Structure.LV_CAVITY).any():
        return False
    blood = float(np.median(image[k + 1][below == Structure.LV_CAVITY]))
    signal = float(np.median(image[k + 1][below == Structure.LV_MYOCARDIUM]))
    dark = image[k][wall] < 0.5 * (blood + signal)
    return bool(dark.mean() >= MIN_DARK_WALL_SHARE)


def systolic_base(ed_mask: np.ndarray, es_mask: np.ndarray, image: np.ndarray,
                  spacing_mm: tuple[float, float]) -> np.ndarray:
    """`es_mask` (a copy) with the LV of the slice lost at its base (`lost_base`) taken from
    the slice below, within that slice's end-diastolic LV, where the end-systolic `image`
    shows the wall there (`wall_shown`); RV labels there are kept."""
    out = es_mask.copy()
    k = lost_base(ed_mask, es_mask, spacing_mm)
    if k is None:
        return out
    room = np.isin(ed_mask[k], _LV_CODES) & (es_mask[k] != Structure.RV_CAVITY)
    if not wall_shown(image, es_mask, k, room):
        return out
    below = es_mask[k + 1]
    out[k][room & (below == Structure.LV_MYOCARDIUM)] = Structure.LV_MYOCARDIUM
    out[k][room & (below == Structure.LV_CAVITY)] = Structure.LV_CAVITY
    return out
