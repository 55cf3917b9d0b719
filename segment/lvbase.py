"""The LV base: the basal slice the network drew in part (end-diastole) or lost (end-systole).

The most basal LV slice cuts the ventricle beside the atria and the outflow tract. At
end-diastole the network, trained on synthetic hearts whose basal slices are clear rings,
drew it in part on ACDC (a cavity without its wall, or pieces) where the experts drew a full
ring; at end-systole, where the mitral annulus has travelled toward the apex and the slice
shows the LV small, grey and half-ringed, it called it background. Its probabilities do not
tell such a slice from the atrium (background 0.88 to 0.98 in both; a `/tmp` script,
evaluation only). The image does: readers count a basal slice as ventricle when myocardium
surrounds its cavity.

So the slice just above the first full LV slice (`FULL_SHARE` of the stack's largest LV)
takes the LV of that full slice, never over its own RV, where at least `MIN_DARK_WALL_SHARE`
of the full slice's wall pixels are dark on it (nearer that wall's signal than its blood's):
the ventricle continues, and the slice below is its nearest full cut. At end-diastole only a
slice the network drew some LV on (an empty one is left as atrium); at another phase inside
that slice's end-diastolic LV, when it has `MIN_DIASTOLIC_CAVITY_MM2` of cavity. One slice
per phase: the annulus travels about a slice in systole. On ACDC it changes 12 end-diastolic
and 21 end-systolic stacks (docs/segmentation/README.md, "The LV base the network drew in
part or lost", with the stacks where experts drew no LV there). The slice order is base
first, as `segment.io` reads stacks (`reader.stack.Stack.base_to_apex`) and
`segment.annulus` assumes.
"""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import LV_STRUCTURES, Structure

# A slice whose LV (cavity and wall) is under this share of the stack's largest is not yet
# the full ventricle; the first at or over it is.
FULL_SHARE = 0.5
# Smaller end-diastolic LV cavity (mm^2) on the slice above: no ventricle to restore there
# (about a 16 mm circle: the top of a basal slice the ventricle only grazes).
MIN_DIASTOLIC_CAVITY_MM2 = 200.0
# The share of the slice below's wall pixels that must be dark on the slice restored: readers
# count a basal slice as ventricle when myocardium surrounds its cavity; where the ring is
# bright the slice cut the atrium.
MIN_DARK_WALL_SHARE = 0.5


def partial_base(mask: np.ndarray, spacing_mm: tuple[float, float],
                 diastole: np.ndarray | None = None) -> int | None:
    """The slice of `mask` (`Structure` codes of one phase, slices base first) just above its
    first full LV slice (`FULL_SHARE`), or None. At end-diastole (no `diastole`) the network
    must have drawn some LV there; at another phase `diastole` (the same stack's end-diastolic
    labels) must have at least `MIN_DIASTOLIC_CAVITY_MM2` of LV cavity there."""
    if diastole is not None and diastole.shape != mask.shape:
        raise ValueError(f"a phase of shape {mask.shape} against end-diastole "
                         f"{diastole.shape}")
    lv = np.isin(mask, LV_STRUCTURES).sum(axis=(1, 2))
    if not lv.any():
        return None
    k = int(np.flatnonzero(lv >= FULL_SHARE * lv.max())[0]) - 1
    if k < 0:
        return None
    if diastole is None:  # even a few pixels: the network saw ventricle there, not atrium
        return k if lv[k] > 0 else None
    cavity_mm2 = (diastole[k] == Structure.LV_CAVITY).sum() * spacing_mm[0] * spacing_mm[1]
    return k if cavity_mm2 >= MIN_DIASTOLIC_CAVITY_MM2 else None


def wall_shown(image: np.ndarray, mask: np.ndarray, k: int, room: np.ndarray) -> bool:
    """Whether slice `k` of one phase's `image` is dark (wall) on at least
    `MIN_DARK_WALL_SHARE` of the pixels where slice k + 1 of its `mask` has wall, within
    `room`: dark meaning nearer that slice's wall signal than its blood's. False where the
    slice below's blood is no brighter than its wall (not a bright-blood cine: dark says
    nothing there)."""
    below = mask[k + 1]
    wall = (below == Structure.LV_MYOCARDIUM) & room
    if not wall.any() or not (below == Structure.LV_CAVITY).any():
        return False
    blood = float(np.median(image[k + 1][below == Structure.LV_CAVITY]))
    signal = float(np.median(image[k + 1][below == Structure.LV_MYOCARDIUM]))
    if not blood > signal:
        return False
    dark = image[k][wall] < 0.5 * (blood + signal)
    return bool(dark.mean() >= MIN_DARK_WALL_SHARE)


def restored_base(mask: np.ndarray, image: np.ndarray, spacing_mm: tuple[float, float],
                  diastole: np.ndarray | None = None) -> np.ndarray:
    """`mask` (a copy) with its partly drawn basal slice (`partial_base`) given the LV of the
    full slice below where `image` (the phase's, same shape) shows the wall there
    (`wall_shown`); inside that slice's end-diastolic LV when `diastole` is given; RV labels
    there are kept."""
    if image.shape != mask.shape:
        raise ValueError(f"an image of shape {image.shape} against its mask {mask.shape}")
    out = mask.copy()
    k = partial_base(mask, spacing_mm, diastole)
    if k is None:
        return out
    room = mask[k] != Structure.RV_CAVITY
    if diastole is not None:
        room &= np.isin(diastole[k], LV_STRUCTURES)
    if not wall_shown(image, mask, k, room):
        return out
    below = mask[k + 1]
    out[k][np.isin(out[k], LV_STRUCTURES) & room] = Structure.BACKGROUND
    out[k][room & (below == Structure.LV_MYOCARDIUM)] = Structure.LV_MYOCARDIUM
    out[k][room & (below == Structure.LV_CAVITY)] = Structure.LV_CAVITY
    return out
