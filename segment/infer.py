"""Segment short-axis slices with the trained network: resample, find the heart, crop, predict
(with flips as test-time augmentation), paste back at the input grid, keep the connected heart.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from cmr_search.vocab import LV_STRUCTURES, Structure
from segment.apex import second_look
from segment.checkpoint import inference_spacing_mm, load_checkpoint
from segment.gap import refound
from segment.paths import CARD, DEFAULT_CHECKPOINT
from segment.synth import normalise
from segment.systole import within_diastole
from segment.taper import tapered

logger = logging.getLogger(__name__)

_CROP = 144  # network-grid pixels (173 mm at 1.2 mm, 216 mm at 1.5): room for a dilated heart
_MULTIPLE = 16
_CENTER_SLICES = 3  # middle slices the heart is looked for in


def _middle(n: int) -> slice:
    """The slices of an `n`-slice stack the heart is looked for in: the middle third, at most
    its `_CENTER_SLICES` central ones (that pass sees the whole field of view, so it is the
    costliest of a long stack's)."""
    lo, hi = max(n // 3, 0), max(2 * n // 3, 1)
    lo += max(hi - lo - _CENTER_SLICES, 0) // 2
    return slice(lo, min(hi, lo + _CENTER_SLICES))


def _resample(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of (n, c, h, w), anti-aliased when shrinking."""
    shrink = size[0] < images.shape[-2] or size[1] < images.shape[-1]
    return F.interpolate(images, size=size, mode="bilinear", align_corners=False,
                         antialias=shrink)


def with_context(slices: np.ndarray, context: int) -> np.ndarray:
    """(n, 2 context + 1, h, w): each slice of a (n, h, w) stack between its neighbours, the
    stack's first and last slices standing in for the missing ones at its ends."""
    if not context:
        return slices[:, None]
    n = len(slices)
    index = np.clip(np.arange(n)[:, None] + np.arange(-context, context + 1)[None], 0, n - 1)
    return np.asarray(slices[index])


def _pad_to(image: np.ndarray, multiple: int) -> tuple[np.ndarray, tuple[int, int]]:
    h, w = image.shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    return np.pad(image, [(0, 0)] * (image.ndim - 2) + [(0, ph), (0, pw)]), (h, w)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    labelled, n = ndimage.label(mask)
    if n <= 1:
        return mask
    sizes = ndimage.sum(mask, labelled, index=range(1, n + 1))
    return np.asarray(labelled == 1 + int(np.argmax(sizes)))


def clean_labels(labels: np.ndarray, images: np.ndarray | None = None) -> np.ndarray:
    """Keep the one connected heart of a (slices, rows, cols) label volume.

    The LV (cavity with myocardium) is reduced to its largest 3D component, and on each slice
    to that component's largest in-plane piece (a short-axis slice cuts the LV once: a ring
    round the descending aorta joined to the LV through another slice is not LV); the RV is
    reduced to the component lying against it; holes in the LV cavity of each slice are
    filled: whatever the myocardium encloses is cavity by convention. With the cine `images`,
    RV regions far darker than the LV blood are dropped first (both cavities hold blood).
    """
    out = np.zeros_like(labels)
    lv = _one_piece_per_slice(_largest_component(
        np.isin(labels, LV_STRUCTURES)))
    cavity = lv & (labels == Structure.LV_CAVITY)
    out[lv] = Structure.LV_MYOCARDIUM
    for k in range(labels.shape[0]):
        cavity[k] = ndimage.binary_fill_holes(cavity[k])
    out[cavity] = Structure.LV_CAVITY
    rv = labels == Structure.RV_CAVITY
    if images is not None:
        rv = _blood_bright(rv, cavity, images)
    out[_rv_beside(rv, lv) & (out == 0)] = Structure.RV_CAVITY
    return out


def _one_piece_per_slice(lv: np.ndarray) -> np.ndarray:
    """One in-plane piece of the LV per slice: on the slice with the most LV its largest
    piece, then walking toward base and apex, the piece lying over the LV of the slice before.

    The LV is a tube along the stack. On a basal slice the network may also call the left
    atrium or the aortic root LV, and that piece can be the larger one; the piece that
    continues the LV of the next slice down is the ventricle.
    """
    areas = lv.sum(axis=(1, 2))
    if not areas.any():
        return lv
    start = int(np.argmax(areas))
    out = np.zeros_like(lv)
    out[start] = _largest_component(lv[start])
    for walk in (range(start - 1, -1, -1), range(start + 1, lv.shape[0])):
        previous = out[start]
        for k in walk:
            out[k] = _piece_over(lv[k], previous)
            if out[k].any():
                previous = out[k]
    return out


def _piece_over(mask: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The in-plane piece of `mask` with most pixels over `reference`; the largest if none."""
    labelled, n = ndimage.label(mask)
    if n <= 1:
        return mask
    over = ndimage.sum(reference, labelled, index=range(1, n + 1))
    if max(over) == 0:
        return _largest_component(mask)
    return np.asarray(labelled == 1 + int(np.argmax(over)))


# an RV region whose bright quartile (75th percentile of its signal) stays under this share of
# the LV blood on its slice is not blood
_RV_BLOOD_SHARE = 0.5
_RV_BLOOD_QUANTILE = 75
# a slice's LV cavity smaller than this (pixels) is no reference: the stack's median is used
_MIN_CAVITY_PX = 30


def _blood_bright(rv: np.ndarray, cavity: np.ndarray, images: np.ndarray) -> np.ndarray:
    """`rv` without the in-plane regions much darker than the LV blood pool: in cine bSSFP
    the RV holds the same bright blood, while lung, liver and chest wall that a network
    trained on synthetic images takes for a dilated RV are dark.

    Each region is compared with the LV blood of its own slice: coil sensitivity and inflow
    change the signal along the stack (the basal slices of ACDC patient047 at end-systole
    hold blood at 0.55 of the stack's median). The region's bright quartile is compared, not
    its median: at end-systole a small RV lies among trabeculae and wall the network takes in
    with it, while lung and liver have no bright quartile.
    """
    if not cavity.any() or not rv.any():
        return rv
    stack_blood = float(np.median(images[cavity]))
    kept = rv.copy()
    for k in range(rv.shape[0]):
        labelled, n = ndimage.label(rv[k])
        if not n:
            continue
        own = cavity[k].sum() >= _MIN_CAVITY_PX
        blood = float(np.median(images[k][cavity[k]])) if own else stack_blood
        bright = np.asarray([np.percentile(images[k][labelled == i], _RV_BLOOD_QUANTILE)
                             for i in range(1, n + 1)])
        kept[k] &= ~np.isin(labelled, 1 + np.flatnonzero(bright < _RV_BLOOD_SHARE * blood))
    return kept


def _rv_beside(rv: np.ndarray, lv: np.ndarray) -> np.ndarray:
    """The RV component that lies against the LV (most voxels within 2 pixels of it, in
    plane); the largest when none touches. Atria, aorta or stomach are not the RV."""
    labelled, n = ndimage.label(rv)
    if n <= 1:
        return rv
    near = ndimage.binary_dilation(lv, structure=np.ones((1, 5, 5), dtype=bool))
    touching = ndimage.sum(near, labelled, index=range(1, n + 1))
    if max(touching) == 0:
        return _largest_component(rv)
    return np.asarray(labelled == 1 + int(np.argmax(touching)))


def prior_offsets(card: dict[str, Any], n_classes: int) -> np.ndarray:
    """Per-class log-probability offsets from the card's calibration (zeros without one)."""
    offsets = np.zeros(n_classes, dtype=np.float32)
    for name, value in (card.get("calibration") or {}).get("log_prior_offsets", {}).items():
        offsets[int(Structure[name.upper()])] = float(value)
    return offsets


def apply_offsets(p: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Class probabilities (n, classes, h, w) shifted by log-probability `offsets` per class,
    renormalised (float32)."""
    shifted = p * np.exp(-offsets)[None, :, None, None]
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float32)


class Segmenter:
    """A loaded checkpoint that segments slices of any pixel size into `Structure` codes.

    Images are resampled to the card's inference grid (`grid_mm`, `inference.spacing_mm`; the
    training grid without one). The softmax is shifted by the card's calibrated class offsets
    (`segment.calibrate`): a network trained with a Dice loss over-segments thin structures,
    and the offset fitted on synthetic studies with known volumes takes that back.
    """

    def __init__(self, checkpoint: Path = DEFAULT_CHECKPOINT, tta: bool = True,
                 calibrated: bool = True) -> None:
        """`calibrated` False: a checkpoint whose calibration is being fitted (refused
        otherwise: an unfinished run's model)."""
        self.model, self.config, self.card = load_checkpoint(checkpoint, calibrated)
        self.grid_mm = inference_spacing_mm(self.card, self.config, checkpoint / CARD)
        self.tta = tta
        self.offsets = prior_offsets(self.card, self.config.n_classes)

    def without_tta(self) -> Segmenter:
        """The same loaded network without test-time flips (a whole cine's every phase,
        `segment.phases.drawn_cycle`)."""
        fast = copy.copy(self)
        fast.tta = False
        return fast

    @torch.inference_mode()
    def _predict(self, batch: np.ndarray, tta: bool) -> np.ndarray:
        """Softmax (n, classes, h, w) of normalised (n, channels, h, w) images (the slice and
        its neighbours, `with_context`); h, w multiples of 16."""
        x = torch.from_numpy(np.ascontiguousarray(batch))
        flips: list[tuple[int, ...]] = [(), (-1,), (-2,), (-2, -1)] if tta else [()]
        total = torch.zeros((x.shape[0], self.config.n_classes, *x.shape[2:]))
        for dims in flips:
            xi = torch.flip(x, dims) if dims else x
            p = torch.softmax(self.model(xi), dim=1)
            total += torch.flip(p, dims) if dims else p
        return apply_offsets((total / len(flips)).numpy(), self.offsets)

    def _to_grid(self, slices: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
        step = self.grid_mm
        size = (max(round(slices.shape[1] * spacing_mm[0] / step), 16),
                max(round(slices.shape[2] * spacing_mm[1] / step), 16))
        return _resample(torch.from_numpy(slices.astype(np.float32))[:, None], size)[:, 0].numpy()

    def _heart_center(self, grid: np.ndarray, middle: slice) -> np.ndarray:
        """Pixel (row, col) of the heart on the inference grid, from the `middle` slices of
        the stack `grid` (already on that grid; the others are their neighbours)."""
        stack = with_context(np.stack([normalise(s) for s in grid]), self.config.context)
        padded, (h, w) = _pad_to(stack[middle], _MULTIPLE)
        labels = np.argmax(self._predict(padded, tta=False), axis=1)[:, :h, :w]
        heart = clean_labels(labels) > 0
        if not heart.any():
            return np.array([h / 2, w / 2])
        return np.asarray(np.argwhere(heart)[:, 1:].mean(axis=0))

    def probabilities(self, slices: np.ndarray, spacing_mm: tuple[float, float],
                      center: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities (slices, classes, rows, cols) at the input grid.

        `slices` is (n, rows, cols) with `spacing_mm` = (row, column) pixel size; `center` is
        the heart's pixel on the network grid (found from the middle slices when None).
        """
        grid = self._to_grid(slices, spacing_mm)
        c = self._heart_center(grid, _middle(len(grid))) if center is None else center
        n, h, w = grid.shape
        r0, c0 = round(c[0]) - _CROP // 2, round(c[1]) - _CROP // 2
        padded = np.pad(grid, [(0, 0), (_CROP, _CROP), (_CROP, _CROP)])
        crops = padded[:, r0 + _CROP:r0 + 2 * _CROP, c0 + _CROP:c0 + 2 * _CROP]
        p = self._predict(with_context(np.stack([normalise(s) for s in crops]),
                                       self.config.context), tta=self.tta)
        full = np.zeros((n, p.shape[1], h, w), dtype=np.float32)
        full[:, 0] = 1.0  # outside the crop is background
        rs, re, cs, ce = max(r0, 0), min(r0 + _CROP, h), max(c0, 0), min(c0 + _CROP, w)
        if rs < re and cs < ce:
            full[:, :, rs:re, cs:ce] = p[:, :, rs - r0:re - r0, cs - c0:ce - c0]
        back = _resample(torch.from_numpy(full), slices.shape[1:])
        return back.numpy()

    def labels_at(self, slices: np.ndarray, spacing_mm: tuple[float, float], grid_mm: float,
                  center_px: np.ndarray, diastole: np.ndarray | None = None) -> np.ndarray:
        """Cleaned `Structure` codes of `slices` presented at `grid_mm` instead of the card's
        grid, the crop centred on `center_px` (row, col in input pixels): the second looks at
        a lost apex (`segment.apex`) and at a slice lost inside the stack (`segment.gap`).
        With `diastole` (the same slices' end-diastolic labels) they are read inside
        end-diastole, as `finish` reads another phase."""
        look = copy.copy(self)
        look.grid_mm = grid_mm
        center = np.asarray(center_px) * np.asarray(spacing_mm) / grid_mm
        labels = np.argmax(look.probabilities(slices, spacing_mm, center), axis=1)
        if diastole is not None:
            labels = within_diastole(labels, diastole, spacing_mm)
        return clean_labels(labels, slices).astype(np.uint8)

    def segment(self, slices: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
        """`Structure` codes (uint8, same shape as `slices`) of one phase's stack."""
        labels = np.argmax(self.probabilities(slices, spacing_mm), axis=1)
        return clean_labels(labels, slices).astype(np.uint8)

    def heart_center(self, slices: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
        """The heart's pixel on the network grid, to share between phases of one stack."""
        middle, n = _middle(len(slices)), len(slices)
        # only the middle slices and their neighbours need resampling
        lo, hi = max(middle.start - self.config.context, 0), min(middle.stop
                                                                + self.config.context, n)
        return self._heart_center(self._to_grid(slices[lo:hi], spacing_mm),
                                  slice(middle.start - lo, middle.stop - lo))

    def network_labels(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        """The network's labels (argmax, not cleaned) of several phases of one stack, the heart
        found once, in the first; `finish` makes them masks. Apart so that a cycle can finish
        them twice (alone, to find end-diastole; then inside it) with one pass of the network."""
        center = self.heart_center(volumes[0], spacing_mm)
        return [np.argmax(self.probabilities(v, spacing_mm, center), axis=1) for v in volumes]

    def finish(self, raw: list[np.ndarray], volumes: list[np.ndarray],
               spacing_mm: tuple[float, float], diastole: int | None = None) -> list[np.ndarray]:
        """Masks (`Structure` codes) from `network_labels` of `volumes`.

        With `diastole` (the index of end-diastole in `volumes`) every other phase is read
        inside that phase's segmentation (`segment.systole`): a ventricle contracts, so what
        the network draws outside the diastolic ventricles is not them.
        """
        if diastole is None:
            return [self._second_looks(clean_labels(r, v), v, spacing_mm)
                    for r, v in zip(raw, volumes, strict=True)]
        ed = self._second_looks(clean_labels(raw[diastole], volumes[diastole]),
                                volumes[diastole], spacing_mm)
        return [ed if k == diastole else self._second_looks(
            clean_labels(within_diastole(r, ed, spacing_mm), volumes[k]), volumes[k], spacing_mm,
            ed) for k, r in enumerate(raw)]

    def segment_phases(self, volumes: list[np.ndarray], spacing_mm: tuple[float, float],
                       diastole: int | None = None) -> list[np.ndarray]:
        """Segment several phases of one stack (`network_labels`, then `finish`)."""
        return self.finish(self.network_labels(volumes, spacing_mm), volumes, spacing_mm,
                           diastole)

    def _second_looks(self, labels: np.ndarray, slices: np.ndarray,
                      spacing_mm: tuple[float, float],
                      diastole: np.ndarray | None = None) -> np.ndarray:
        """`labels` with a slice the network lost inside the stack (`segment.gap.refound`) and
        an apex it lost (`segment.apex.second_look`) read again, and an LV that jumps from
        slice to slice tapered (`segment.taper`)."""
        found = refound(self, slices, labels.astype(np.uint8), spacing_mm, diastole)
        return tapered(second_look(self, slices, found, spacing_mm, diastole), spacing_mm)
