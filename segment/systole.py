"""End-systole inside end-diastole: on a fixed short-axis slice the ventricles contract, so
each one's end-systolic cut lies within its end-diastolic one.

On ACDC's expert masks this holds to the pixel: of 228,497 end-systolic LV cavity pixels, 27
lie more than two pixels outside the same slice's end-diastolic LV, and of 204,850 RV pixels,
281 lie more than four pixels outside its end-diastolic RV (`SYSTOLE_MARGIN_MM` covers both).
A network that sees one phase at a time breaks it where a slice is ambiguous: a dilated RV
called LV at end-systole (ACDC patients 085 and 086), or a second RV piece lung-side of the
LV kept instead of the true, thin systolic RV (patient049). So the end-systolic labels are
read inside the end-diastolic ventricles before the usual cleaning: LV labels further than
`SYSTOLE_MARGIN_MM` outside the diastolic LV, and RV labels as far outside the diastolic RV,
become background. Where end-diastole has no LV cavity on a slice (an apical slice it
missed), the LV there is left as the network drew it.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from cmr_search.vocab import LV_STRUCTURES, Structure

# How far (mm, in plane) an end-systolic ventricle may reach outside its end-diastolic cut on
# the same slice: through-plane motion and the contours' own pixel of play.
SYSTOLE_MARGIN_MM = 6.0
_MIN_CAVITY_PX = 30  # fewer diastolic LV cavity pixels on a slice: no LV to read inside


def grown_in_plane(mask: np.ndarray, spacing_mm: tuple[float, float],
                   radius_mm: float = SYSTOLE_MARGIN_MM) -> np.ndarray:
    """`mask` (rows, cols, or slices, rows, cols) grown in plane by `radius_mm` (at least a
    pixel); `spacing_mm` is the (row, column) pixel size."""
    radii = [max(radius_mm / s, 1.0) for s in spacing_mm]
    rr, cc = np.ogrid[-int(radii[0]):int(radii[0]) + 1, -int(radii[1]):int(radii[1]) + 1]
    disk = (rr / radii[0]) ** 2 + (cc / radii[1]) ** 2 <= 1.0
    disk = disk.reshape((1,) * (mask.ndim - 2) + disk.shape)
    return np.asarray(ndimage.binary_dilation(mask, structure=disk))


def within_diastole(raw: np.ndarray, diastole: np.ndarray,
                    spacing_mm: tuple[float, float]) -> np.ndarray:
    """The network's raw labels `raw` (slices, rows, cols) of another phase with what lies
    outside the end-diastolic ventricles of `diastole` (cleaned `Structure` codes of the same
    stack) set to background; `spacing_mm` is the in-plane (row, column) pixel size."""
    if raw.shape != diastole.shape:
        raise ValueError(f"a phase of shape {raw.shape} against end-diastole {diastole.shape}")
    ed_lv = np.isin(diastole, LV_STRUCTURES)
    if not ed_lv.any():  # nothing to read inside: the phase on its own
        return raw
    lv_near = grown_in_plane(ed_lv, spacing_mm)
    rv_near = grown_in_plane(diastole == Structure.RV_CAVITY, spacing_mm)
    # a slice whose diastolic LV has (next to) no cavity gives nothing to read inside: an
    # apical slice the network missed at end-diastole keeps its systolic LV
    lv_near[(diastole == Structure.LV_CAVITY).sum(axis=(1, 2)) < _MIN_CAVITY_PX] = True
    labels = raw.copy()
    labels[np.isin(labels, LV_STRUCTURES) & ~lv_near] = Structure.BACKGROUND
    labels[(labels == Structure.RV_CAVITY) & ~rv_near] = Structure.BACKGROUND
    return labels
