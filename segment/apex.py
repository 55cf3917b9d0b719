"""A second look at an apex the network lost: the apical slices read again, magnified.

A short-axis LV closes towards the apex: its cavity narrows and the last slices are a cap of
myocardium. When the segmentation stops on a slice whose cavity is still wide while the stack
goes on, the network has lost the ventricle, not reached its end. On real cine this happens
beside a dilated RV and on small, bright apical LVs (ACDC patients 063, 081, 084, 085 and 090
at end-diastole): the network, trained at 1.5 mm and shown real cine at 1.2 mm, takes an LV
that looks small to it for background. Presented at a finer grid, the same slices are found.

So the slices beyond the last LV slice are segmented again at `SECOND_LOOK_MM`, the crop
centred on that slice's LV, and taken slice by slice going apically while they hold an LV
lying over the LV of the slice before (the tube continues); the first slice without one
ends the walk. The rest of the stack is left as it was. At another phase than end-diastole
the slices are read inside end-diastole's ventricles (`segment.systole`) and no further than
end-diastole's LV reaches.
"""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from cmr_search.vocab import LV_STRUCTURES, Structure
from segment.qc import APICAL_CAVITY_SHARE

logger = logging.getLogger(__name__)

# the grid (mm) of the second look: magnified against the usual 1.2 mm
SECOND_LOOK_MM = 0.9
# the last LV slice's cavity, as a share of the stack's largest, above which the LV was lost:
# the apical coverage check's cut (`segment.qc.coverage_flags`), applied to the last LV slice
LOST_CAVITY_SHARE = APICAL_CAVITY_SHARE
# LV on a slice under this share of the largest slice's is a speck, not the ventricle going on
_SPECK_SHARE = 0.1
# slices read again past the last LV slice: a ventricle still wide open on one slice closes
# within three more (ACDC's experts drew two or three where the network lost it), and each
# slice read costs time
MAX_SLICES_PAST = 3


class SecondLook(Protocol):
    """What a second look (here, and `segment.gap`'s) needs of a segmenter: labels of some
    slices at a given grid."""

    def labels_at(self, slices: np.ndarray, spacing_mm: tuple[float, float], grid_mm: float,
                  center_px: np.ndarray, diastole: np.ndarray | None = None) -> np.ndarray:
        """Cleaned `Structure` codes of `slices`, presented at `grid_mm`, the crop centred on
        `center_px` (row, col in input pixels); with `diastole` (those slices' end-diastolic
        labels) read inside end-diastole (`segment.systole.within_diastole`)."""
        ...


def _last_lv_slice(labels: np.ndarray) -> int | None:
    """The most apical slice of a base-to-apex label stack with LV, specks left aside."""
    lv = np.isin(labels, LV_STRUCTURES).sum(axis=(1, 2))
    if not lv.any():
        return None
    return int(np.flatnonzero(lv >= _SPECK_SHARE * lv.max())[-1])


def lost_apex_from(labels: np.ndarray, diastole: np.ndarray | None = None) -> int | None:
    """The slice where the LV of a base-to-apex label stack was lost, or None.

    The LV was lost when the stack goes on past its most apical slice and that slice still
    has a cavity wider than `LOST_CAVITY_SHARE` of the largest, or (another phase, with the
    `diastole` labels of the same stack) end-diastole's LV goes on further: the apex hardly
    moves over the cycle while the base descends, so a slice with diastolic LV near the apex
    has LV, at least its wall, in every phase.
    """
    last = _last_lv_slice(labels)
    if last is None or last == len(labels) - 1:
        return None
    if diastole is not None:
        reach = _last_lv_slice(diastole)
        if reach is not None and reach > last:
            return last
    cavity = (labels == Structure.LV_CAVITY).sum(axis=(1, 2))
    return last if cavity[last] > LOST_CAVITY_SHARE * cavity.max() else None


def second_look(segmenter: SecondLook, slices: np.ndarray, labels: np.ndarray,
                spacing_mm: tuple[float, float],
                diastole: np.ndarray | None = None) -> np.ndarray:
    """`labels` (base to apex) with the apical slices past a lost LV read again; unchanged
    when the LV was not lost (`lost_apex_from`, with the stack's `diastole` labels for
    another phase) or the second look finds no LV continuing it. At another phase the slices
    are read inside end-diastole and not past end-diastole's apex. A slice taken is taken
    whole: its RV is the second look's too."""
    last = lost_apex_from(labels, diastole)
    if last is None:
        return labels
    previous = np.isin(labels[last], LV_STRUCTURES)
    center = np.argwhere(previous).mean(axis=0)
    end = min(len(labels), last + 1 + MAX_SLICES_PAST)
    if diastole is not None:
        end = min(end, (_last_lv_slice(diastole) or 0) + 1)
    again = segmenter.labels_at(slices[last:end], spacing_mm, SECOND_LOOK_MM, center,
                                None if diastole is None else diastole[last:end])
    out = labels.copy()
    taken = 0
    for k in range(1, len(again)):
        lv = np.isin(again[k], LV_STRUCTURES)
        if not (lv & previous).any():
            break
        out[last + k] = again[k]
        previous, taken = lv, taken + 1
    if taken:  # debug: a cine logs it for each of its phases, an index for every study
        logger.debug("LV lost past slice %d; %d apical slices read again at %.1f mm",
                    last, taken, SECOND_LOOK_MM)
    return out
