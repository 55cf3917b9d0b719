"""The RV base in systole: the tricuspid annulus travels toward the apex, so a basal short-axis
slice that cuts the RV at end-diastole may cut the right atrium at end-systole (and, less
far, in the phases between).

Readers follow the annulus: on those slices they draw no RV (ACDC's experts draw the LV ring
and leave the bright pool beside it out). A network that sees one slice at a time cannot
know where the valve went and labels the atrial pool RV, which inflated the end-systolic RV
by 14 to 24 ml in every ACDC group but the RV group (docs/segmentation/README.md, "The RV at
end-systole"). What does tell the two apart is place: between end-diastole and end-systole
the RV contracts toward its own centre, so its pool stays where it was on the slice, while
the atrium that replaces it lies behind, beside the LV. A basal pool whose centre moved
further than `RV_SHIFT_MM` from the end-diastolic RV of the same slice is therefore not RV.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from cmr_search.vocab import Structure

# How far (mm, in plane) the centre of a slice's RV pool may move between end-diastole and
# another phase and still be RV. Chosen on half of the ACDC patients and read on the other
# half (7 and 7.5 mm chosen; held-out RVEF MAE 16.5 -> 11.2 and 15.3 -> 13.0 points).
RV_SHIFT_MM = 7.5
# How far (mm) the tricuspid annulus can travel toward the apex in systole (TAPSE, about
# 20 to 25 mm in normal hearts): slices further below the end-diastolic RV base are left alone.
ANNULUS_TRAVEL_MM = 25.0


def _centre_mm(region: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
    centre = np.asarray(ndimage.center_of_mass(region), dtype=float)
    return np.asarray(centre * np.asarray(spacing_mm, dtype=float))


def atrium_at_rv_base(ed_mask: np.ndarray, mask: np.ndarray, spacing_mm: tuple[float, float],
                      slice_spacing_mm: float) -> list[int]:
    """Slices of `mask` (another phase of the stack of `ed_mask`, slices base first) whose RV
    label is the right atrium: walking from the base, each slice whose RV pool sits more than
    `RV_SHIFT_MM` from that slice's end-diastolic RV (or above the end-diastolic RV's first
    slice), until the first pool in place, a slice inside the end-diastolic RV without one, or
    `ANNULUS_TRAVEL_MM` below the end-diastolic RV base."""
    ed_rv = ed_mask == Structure.RV_CAVITY
    rv = mask == Structure.RV_CAVITY
    ed_slices = np.flatnonzero(ed_rv.any(axis=(1, 2)))
    if len(ed_slices) == 0 or not slice_spacing_mm > 0:  # no ED RV, or no usable geometry
        return []
    top_mm = (ed_slices[0] - 0.5) * slice_spacing_mm  # upper face of the ED RV's first slab
    atrium = []
    for k in np.flatnonzero(rv.any(axis=(1, 2))):
        if k * slice_spacing_mm - top_mm > ANNULUS_TRAVEL_MM:
            break
        if ed_rv[k].any():
            moved_mm = float(np.linalg.norm(_centre_mm(rv[k], spacing_mm)
                                            - _centre_mm(ed_rv[k], spacing_mm)))
            if moved_mm <= RV_SHIFT_MM:
                break
        elif k > ed_slices[0]:
            break  # a gap inside the ED RV is the network's miss, not the atrium
        atrium.append(int(k))
    return atrium


def follow_annulus(ed_mask: np.ndarray, mask: np.ndarray, spacing_mm: tuple[float, float],
                   slice_spacing_mm: float) -> np.ndarray:
    """`mask` without RV on the basal slices `atrium_at_rv_base` finds (a copy)."""
    out = mask.copy()
    for k in atrium_at_rv_base(ed_mask, mask, spacing_mm, slice_spacing_mm):
        out[k][out[k] == Structure.RV_CAVITY] = Structure.BACKGROUND
    return out
