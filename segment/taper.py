"""The LV tapers: from slice to slice its cavity grows or shrinks gradually, so a slice whose
LV cavity is more than `JUMP_RATIO` times both neighbours' holds another structure labelled LV.

On ACDC's expert masks no slice between two others has more than 1.7 times the cavity of the
larger neighbour (100 stacks, end-diastole and end-systole). The network broke it where a
dilated, grey RV lies against the septum (patient086: 1,169 and 1,220 px of "LV" against at
most 521 and 99 on the neighbouring slices, at end-diastole and end-systole) and where an
obliterated HCM cavity at end-systole was drawn at a usual size (patient025). On such a slice
the cavity is kept where a neighbour's cavity lies (within `NEIGHBOUR_MARGIN_MM`); the rest
takes the label the slice before has there, as a reader looking up the stack would: RV where
it shows RV, wall where it shows wall. (Neither neighbour has LV cavity there: it is further
than the margin from both.) The LGE stacks (scar burden) are tapered too.
"""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import Structure
from segment.systole import SYSTOLE_MARGIN_MM, grown_in_plane

# How many times the larger neighbour's LV cavity a slice's may be (the experts' masks reach
# 1.7 on ACDC; the network's stacks, as tapered, before the readers' border, pass 2 only on
# patients 086 and 025).
JUMP_RATIO = 2.0
# How far (mm, in plane) the cavity may reach past a neighbour's and still be the LV: the
# same play end-systole is given against end-diastole (`segment.systole.SYSTOLE_MARGIN_MM`).
NEIGHBOUR_MARGIN_MM = SYSTOLE_MARGIN_MM


def jumps(labels: np.ndarray) -> list[int]:
    """Slices of `labels` ((slices, rows, cols) `Structure` codes, one phase) between two others
    whose LV cavity is more than `JUMP_RATIO` times the larger neighbour's (and it has one)."""
    area = (labels == Structure.LV_CAVITY).sum(axis=(1, 2))
    beside = [max(area[k - 1], area[k + 1]) for k in range(1, len(labels) - 1)]
    return [k for k, b in enumerate(beside, start=1) if b > 0 and area[k] > JUMP_RATIO * b]


def tapered(labels: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
    """`labels` (a copy) with the LV cavity of each jump slice (`jumps`) kept only near its
    neighbours' cavity; what is taken away gets the slice before's label there."""
    out = labels.copy()
    for k in jumps(labels):
        above, below = labels[k - 1], labels[k + 1]
        near = grown_in_plane((above == Structure.LV_CAVITY) | (below == Structure.LV_CAVITY),
                              spacing_mm, NEIGHBOUR_MARGIN_MM)
        excess = (labels[k] == Structure.LV_CAVITY) & ~near
        out[k][excess] = above[excess]  # never LV cavity: `near` covers both neighbours'
    return out
