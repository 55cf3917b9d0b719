"""Blank slices inside a short-axis stack: segmented across, their area interpolated.

A slice that holds one value throughout between slices that hold pixels (an export that wrote
no pixels for it) is a slice missing from the stack. Left in, it split the LV into two 3D
pieces and the segmentation kept the larger (`segment.infer.clean_labels`): one blank
mid-ventricular slice of ACDC patient001 lost every slice from it to the apex (LVEDV 149.0 ml
for 272.9, flagged but silently low). The stack is segmented without it, as the slices on
either side lie (one tube along the stack); its mask stays empty, as its image is; and in each
volume (summation of discs) its area is interpolated from the slices on either side, the
field's usual treatment of one missing mid-ventricular disc. QC says so on every LV and RV
value (`missing_slice_interpolated`): the area is an estimate, not a contour.
"""

from __future__ import annotations

import copy

import numpy as np

from segment.io import SaxStudy
from segment.qc import acquired_slices, blank_slices


def missing_slices(phases: list[np.ndarray]) -> np.ndarray:
    """Per slice of these phases ((slices, rows, cols)), whether it is blank in any of them
    between slices that hold pixels. Blank slices at either end are padding, not missing;
    a stack blank throughout is the reader's to refuse (none missing)."""
    blank = blank_slices(phases)
    missing = np.zeros_like(blank)
    if not bool(blank.all()):
        inside = acquired_slices(phases)
        missing[inside] = blank[inside]
    return missing


def without_slices(study: SaxStudy, missing: np.ndarray) -> SaxStudy:
    """`study` with the `missing` slices left out of every phase (the study itself when none
    is): what the network and the stack's rules read. Geometry, names and the QC's slice steps
    stay the acquired stack's (a copy, so the floor is not taken twice)."""
    if not missing.any():
        return study
    kept = copy.copy(study)
    kept.phases = [phase[~missing] for phase in study.phases]
    return kept


def with_slices(mask: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """A mask of the stack without the `missing` slices put back in the whole stack, empty at
    them (their images are blank)."""
    if not missing.any():
        return mask
    out = np.zeros((len(missing), *mask.shape[1:]), dtype=mask.dtype)
    out[~missing] = mask
    return out

