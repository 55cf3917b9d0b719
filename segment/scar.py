"""Scar burden from the short-axis LGE stack: the myocardium segmented by the same network (it
was trained on LGE-like contrast too), enhancement by a signal-intensity threshold.

The threshold is the stricter of the two conventions in clinical use (Flett et al., JACC
Imaging 2011): n standard deviations above remote myocardium (n = 5, the infarct setting; the
remote reference is the darker half of the myocardium, where a nulled wall lies) and the full
width at half maximum of the brightest myocardium (FWHM). Either alone marks noise as scar in a
wall with none; together they keep healthy walls near zero. Specks smaller than `MIN_SPECK_MM2`
are left out, as readers do. Bright subendocardial scar that the network labelled cavity is
looked for in a thin band of the cavity along the wall, where it stands out from the blood.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import ndimage

from cmr_search.vocab import Structure
from reader.stack import Stack
from segment.qc import QcFlag

logger = logging.getLogger(__name__)

N_SD = 5.0
_IN_PLANE = np.array([np.zeros((3, 3)), [[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.zeros((3, 3))],
                     dtype=bool)  # a 2D cross per slice: no erosion across slices
MIN_SPECK_MM2 = 10.0  # smaller enhanced islands are noise or partial volume, not scar
MIN_MYOCARDIUM_ML = 20.0  # less LV wall on the LGE stack: the segmentation missed the heart
# how far into the labelled cavity enhancement is looked for: the network draws bright
# subendocardial scar as blood (synthetic LGE: 4 of 9 scars missed); chosen on one synthetic
# archive (seed 2031) and checked on another (seed 2032), docs/segmentation/README.md
RIM_MM = 3.0


class SliceSegmenter(Protocol):
    """`segment.infer.Segmenter` as the scar measure needs it (tests pass a fake)."""

    def segment_phases(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]: ...


@dataclass
class ScarResult:
    """Scar burden (% of the LV myocardium, by volume) and what it rests on."""

    scar_pct: float | None
    myocardium_ml: float
    scar_ml: float
    threshold: float = 0.0  # the signal intensity above which the wall (and rim) was scar
    flags: list[QcFlag] = field(default_factory=list)
    scar_mask: np.ndarray | None = None  # (slices, rows, cols) bool, for contours and checks


def _bright_rim(images: np.ndarray, myocardium: np.ndarray, cavity: np.ndarray,
                blood: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
    """Cavity pixels within `RIM_MM` of the wall that stand out from the blood pool (`blood`,
    more than `N_SD` robust SDs above its median): subendocardial scar the network took for
    blood, as bright enhancement looks like blood to it."""
    rim = np.zeros_like(cavity)
    values = images[blood].astype(np.float64)
    median = float(np.median(values))
    # an SD that scar cannot lift; when most of the pool shares one grey level (a narrow
    # integer range, a smoothed export) that is 0, and the plain SD stands in
    spread = 1.4826 * float(np.median(np.abs(values - median))) or float(values.std())
    for k in np.flatnonzero(myocardium.any(axis=(1, 2)) & cavity.any(axis=(1, 2))):
        near = ndimage.distance_transform_edt(~myocardium[k], sampling=spacing_mm) <= RIM_MM
        rim[k] = cavity[k] & near & (images[k] > median + N_SD * spread)
    return rim


def enhanced(images: np.ndarray, myocardium: np.ndarray, spacing_mm: tuple[float, float],
             cavity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """The enhanced part of the wall (bool, same shape as `images`), the wall the share is
    taken of (the eroded myocardium and the scar found in the cavity's rim), and the threshold.

    The wall's outermost pixels are left out (they share pixels with blood and fat). With
    `cavity` (the LV cavity's label), the threshold is at least the blood pool's median (a
    wall pixel no brighter than blood cannot be told from blood partial volume), and the
    cavity's bright rim next to the wall is looked in too (`_bright_rim`).
    """
    core = ndimage.binary_erosion(myocardium, structure=_IN_PLANE)
    core = core if core.sum() >= 20 else myocardium
    values = images[core].astype(np.float64)
    if values.size < 20:
        return np.zeros_like(myocardium), core, float("inf")
    remote = values[values <= np.median(values)]
    n_sd = remote.mean() + N_SD * remote.std()
    floor, rim = 0.0, np.zeros_like(core)
    blood = None if cavity is None else ndimage.binary_erosion(cavity, structure=_IN_PLANE)
    if cavity is not None and blood is not None and blood.sum() >= 20:  # a pool to measure
        floor = float(np.median(images[blood]))
        rim = _bright_rim(images, myocardium, cavity, blood, spacing_mm)
    fwhm = 0.5 * np.percentile(images[core | rim], 99.5)
    threshold = float(max(n_sd, fwhm, floor))
    scar = (core | rim) & (images > threshold)
    min_pixels = MIN_SPECK_MM2 / (spacing_mm[0] * spacing_mm[1])
    for k in range(scar.shape[0]):
        labelled, n = ndimage.label(scar[k])
        if n:
            sizes = ndimage.sum(scar[k], labelled, index=range(1, n + 1))
            small = np.isin(labelled, 1 + np.flatnonzero(np.asarray(sizes) < min_pixels))
            scar[k] &= ~small
    return scar, core | (rim & scar), threshold


def scar_burden(images: np.ndarray, spacing_mm: tuple[float, float], slice_spacing_mm: float,
                segmenter: SliceSegmenter) -> ScarResult:
    """Scar burden of a short-axis LGE stack (`images` (slices, rows, cols), one image a
    slice; `spacing_mm` (row, column); `slice_spacing_mm` between slice centres)."""
    labels = segmenter.segment_phases([images.astype(np.float32)], spacing_mm)[0]
    myocardium = labels == Structure.LV_MYOCARDIUM
    voxel_ml = spacing_mm[0] * spacing_mm[1] * slice_spacing_mm / 1000.0
    myo_ml = float(myocardium.sum() * voxel_ml)
    if myo_ml < MIN_MYOCARDIUM_ML:
        return ScarResult(None, round(myo_ml, 1), 0.0, flags=[QcFlag.NO_LGE_MYOCARDIUM])
    cavity = labels == Structure.LV_CAVITY
    scar, wall, threshold = enhanced(images, myocardium, spacing_mm, cavity)
    myo_ml = float((myocardium | (wall & cavity)).sum() * voxel_ml)  # with scar taken for blood
    share = float(scar.sum() / max(int(wall.sum()), 1))  # of the wall it was looked for in
    return ScarResult(round(100.0 * share, 1), round(myo_ml, 1), round(share * myo_ml, 1),
                      threshold, [QcFlag.SCAR_UNVALIDATED], scar_mask=scar)


def slice_spacing(positions: np.ndarray, row_dir: np.ndarray, col_dir: np.ndarray) -> float:
    """Distance (mm) between neighbouring slice centres along the stack's normal."""
    if len(positions) < 2:
        return 8.0  # one slice: a typical LGE slice thickness, only scales the volume
    normal = np.cross(row_dir, col_dir)
    along = np.sort(np.asarray(positions) @ normal)
    return float(np.median(np.diff(along))) or 8.0


def stack_scar(stack: Stack, segmenter: SliceSegmenter) -> ScarResult:
    """Scar burden of a decoded short-axis LGE series (its first frame: magnitude or PSIR as
    the scanner stored it)."""
    return scar_burden(stack.images[:, 0], stack.spacing, slice_spacing(
        stack.positions, stack.row_dir, stack.col_dir), segmenter)
