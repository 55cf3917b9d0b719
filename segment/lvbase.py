"""The LV base at end-systole: where the network loses the LV one slice short of the base.

At end-systole the mitral annulus travels toward the apex, and the most basal slice that
still cuts the ventricle shows it small, grey (slow systolic blood) and half-ringed, beside
the left atrium and the outflow tract. The network, trained on synthetic hearts whose basal
slices are clear rings, calls that slice background. On ACDC (50 patients, end-systole; a
`/tmp` script, evaluation only) the slice just above the network's systolic LV, where
end-diastole had LV, held expert LV cavity on 12 of 17 stacks (300 to 1,100 px; the LVEF read
up to 16 points high: 064, 065, 068, 090) and none on 5 (021, 026, 029, 063, 081). The
network's probabilities do not tell the two apart (background 0.88 to 0.98 in both).

What does is the image: readers count a basal slice as ventricle when myocardium surrounds
its cavity. So where at least `MIN_DARK_WALL_SHARE` of the slice below's wall pixels are
dark on the lost slice (nearer that wall's signal than its blood's), the slice takes the LV
of the slice below, inside its own end-diastolic LV and never over its RV: the ventricle
contracts in plane, and the slice below is its nearest systolic cut. On ACDC that restores 14
stacks, 10 where experts drew LV there and 4 where they did not (021, 026, 063, 081). Left
empty: 007 (no wall of the slice below inside its diastolic LV) and 090 (0.47 of the ring
dark), both with experts' LV, and 029 (0.39), without. Only one slice: the
annulus travels about a slice in systole. The slice order is base first, as `segment.io`
reads stacks (`reader.stack.Stack.base_to_apex`) and `segment.annulus` assumes.
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
    its first slice with LV cavity (at least `_MIN_CAVITY_PX`; the slice above has fewer),
    when `ed_mask` (end-diastole, same stack) has LV cavity there; else None. Whether the
    image shows a wall there is `wall_shown`'s to say."""
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
    than its blood's. False where the slice below's blood is no brighter than its wall (not
    a bright-blood cine: dark says nothing there)."""
    below = es_mask[k + 1]
    wall = (below == Structure.LV_MYOCARDIUM) & room
    if not wall.any() or not (below == Structure.LV_CAVITY).any():
        return False
    blood = float(np.median(image[k + 1][below == Structure.LV_CAVITY]))
    signal = float(np.median(image[k + 1][below == Structure.LV_MYOCARDIUM]))
    if not blood > signal:
        return False
    dark = image[k][wall] < 0.5 * (blood + signal)
    return bool(dark.mean() >= MIN_DARK_WALL_SHARE)


def systolic_base(ed_mask: np.ndarray, es_mask: np.ndarray, image: np.ndarray,
                  spacing_mm: tuple[float, float]) -> np.ndarray:
    """`es_mask` (a copy) with the LV of the slice lost at its base (`lost_base`) taken from
    the slice below, within that slice's end-diastolic LV, where the end-systolic `image`
    shows the wall there (`wall_shown`); RV labels there are kept."""
    if image.shape != es_mask.shape:
        raise ValueError(f"an end-systolic image of shape {image.shape} against its mask "
                         f"{es_mask.shape}")
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
