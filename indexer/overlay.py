"""Segmentation labels cropped exactly like the frames the cine player shows, so contours drawn
from them sit on the heart in every frame.

The study page plays the model's short-axis clips (basal, mid, apical; from the clip cache) or,
without them, the short-axis preview. Each label is resampled with the same crop, pixel size and
(for the clips) timing as the pixels, one structure at a time, then the labels are put back
together.
"""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import SAX_SLOTS, Structure
from cmrclip.clips import ClipSpec
from cmrclip.preprocess import SAX_LEVELS, resample_slice, resample_time
from reader.stack import Stack

_CODES = (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM, Structure.RV_CAVITY)
PREVIEW_SLOT = "sax"  # the short-axis preview (`indexer.previews`): the middle slice


def _structure_stack(stack: Stack, masks: list[np.ndarray], code: Structure) -> Stack:
    """One structure of every phase as a stack of 0/1 images with the cine's geometry."""
    images = np.stack([m == code for m in masks], axis=1).astype(np.float32)
    return Stack(images, stack.positions, stack.row_dir, stack.col_dir, stack.spacing,
                 stack.times_ms, stack.rr_ms)


def _labels(shares: list[np.ndarray]) -> np.ndarray:
    """Structure codes where a structure covers more than half of a pixel."""
    stacked = np.stack(shares)
    best = np.argmax(stacked, axis=0)
    codes = np.asarray([int(c) for c in _CODES], dtype=np.uint8)[best]
    return np.where(stacked.max(axis=0) > 0.5, codes, 0).astype(np.uint8)


def label_crops(stack: Stack, masks: list[np.ndarray], center: np.ndarray, clip_spec: ClipSpec,
                preview_spec: ClipSpec) -> dict[str, np.ndarray]:
    """Player slot -> (frames, size, size) `Structure` codes: the clip slots (resampled to the
    clip's frames over one cycle) and the preview slot (every acquired frame).

    `stack` is the short-axis cine the masks were made from (slices base to apex, masks one per
    frame, each (slices, rows, cols)); `center` the heart centre (mm) the crops are taken around.
    """
    if len(masks) != stack.images.shape[1] or masks[0].shape != (stack.images.shape[0],
                                                                  *stack.images.shape[2:]):
        raise ValueError("one mask per frame of the stack, each the shape of its slices")
    structures = [_structure_stack(stack, masks, code) for code in _CODES]
    n = stack.images.shape[0]
    out = {}
    for slot in SAX_SLOTS:
        index = round(SAX_LEVELS[slot] * (n - 1))
        shares = [resample_time(resample_slice(s, index, center, clip_spec), stack.times_ms,
                                stack.rr_ms, clip_spec.frames) for s in structures]
        out[slot.value] = _labels(shares)
    shares = [resample_slice(s, n // 2, center, preview_spec) for s in structures]
    out[PREVIEW_SLOT] = _labels(shares)
    return out
