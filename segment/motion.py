"""Regional wall motion from the short-axis masks at end-diastole and end-systole.

A reader calls wall motion regional when part of the LV wall barely moves while the rest
contracts: the pattern of a prior infarct, where dilated cardiomyopathy makes every wall move
little (global hypokinesis, which the ejection fraction already grades). Per slice, the LV
cavity is cut into six 60-degree sectors from the septum (the RV's direction), as the AHA
model cuts a mid slice; a sector's endocardial radius is the 95th percentile of its cavity
pixels' distances from the LV's centre, and its radial shortening (%) how much of the
diastolic radius the endocardium moves inward by end-systole. Each phase has its own centre,
so the heart's translation is not read as motion, and it is the centre of the whole LV (cavity
and wall): the cavity's own centre would move towards a still wall and hide it (a still third
of the wall then looked like 13 % shortening against 18 % elsewhere; tests/segment/
test_motion.py). On the phantom, which does not translate, the three centres ranked infarcts
alike (AUC 0.85 to 0.86). The basal and apical fifths of the LV are left out: through-plane
motion at the base and partial volume at the apex make their radii unreliable.

The hypokinetic wall is the share of sectors shortening less than `HYPOKINETIC_PCT`, counted
only in a ventricle whose best-moving sectors (the 90th percentile) still shorten
`CONTRACTING_PCT` or more; where none does, the hypokinesis is global and the share is not
given (None).
Both limits were chosen on the phantom's infarcts (docs/segmentation/README.md, "Regional wall
motion"), not on real patients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cmr_search.vocab import Structure

SECTORS = 6
HYPOKINETIC_PCT = 10.0  # a sector shortening less than this moves too little
CONTRACTING_PCT = 15.0  # the best-moving tenth of a regionally abnormal LV shortens this much
_EDGE_FRACTION = 0.2  # the basal and apical fifths of the LV's slices are left out
_MIN_PIXELS = 10  # fewer cavity pixels in a phase's slice (or sector): no radius


@dataclass(frozen=True)
class RegionalMotion:
    """Radial shortening (%) per slice (rows, base to apex) and sector (columns, from the
    septum), NaN where a sector could not be measured."""

    shortening_pct: np.ndarray

    @property
    def measured(self) -> np.ndarray:
        values = self.shortening_pct.ravel()
        return np.asarray(values[np.isfinite(values)])

    def hypokinetic_wall_pct(self) -> float | None:
        """Share (%) of the measured sectors that are hypokinetic while others contract;
        None with fewer than two slices' worth of sectors, and None where no wall contracts
        (global hypokinesis, or end-systole read in the end-diastolic phase): there, regional
        motion cannot be told, and 0 would read as a normal wall."""
        values = self.measured
        if len(values) < 2 * SECTORS:
            return None
        if float(np.percentile(values, 90)) < CONTRACTING_PCT:
            return None
        return 100.0 * float(np.mean(values < HYPOKINETIC_PCT))


def _sector_radii_mm(mask: np.ndarray, septum: float,
                     spacing_mm: tuple[float, float]) -> np.ndarray:
    """The endocardial radius (mm) of each sector of one slice's LV cavity."""
    points = np.argwhere(mask == Structure.LV_CAVITY).astype(float)
    d = points - _centre(mask)
    angle = (np.arctan2(d[:, 0], d[:, 1]) - septum) % (2 * math.pi)
    radius = np.hypot(d[:, 0] * spacing_mm[0], d[:, 1] * spacing_mm[1])
    sector = np.minimum((angle / (2 * math.pi / SECTORS)).astype(int), SECTORS - 1)
    out = np.full(SECTORS, np.nan)
    for s in range(SECTORS):
        chosen = radius[sector == s]
        if len(chosen) >= _MIN_PIXELS:
            out[s] = float(np.percentile(chosen, 95))
    return out


def _centre(mask: np.ndarray) -> np.ndarray:
    """The centre of the whole LV (cavity and wall): the epicardium stays round where one
    wall stops moving, so this centre follows the heart, not the dysfunction."""
    lv = (mask == Structure.LV_CAVITY) | (mask == Structure.LV_MYOCARDIUM)
    return np.asarray(np.argwhere(lv).mean(axis=0))


def _septum(mask: np.ndarray, cavity: np.ndarray) -> float:
    """The angle (radians, (row, col) image frame) from the cavity's centre to the RV's."""
    rv = mask == Structure.RV_CAVITY
    if rv.sum() < _MIN_PIXELS:
        return math.pi
    d = np.argwhere(rv).mean(axis=0) - np.argwhere(cavity).mean(axis=0)
    return math.atan2(d[0], d[1])


def regional_motion(ed: np.ndarray, es: np.ndarray,
                    spacing_mm: tuple[float, float]) -> RegionalMotion:
    """Sector radial shortening of the middle slices of a (slices, rows, cols) `Structure`
    stack at end-diastole (`ed`) and end-systole (`es`), with (row, col) `spacing_mm`."""
    cavity_ed, cavity_es = ed == Structure.LV_CAVITY, es == Structure.LV_CAVITY
    slices = np.flatnonzero(cavity_ed.reshape(len(ed), -1).sum(axis=1) >= _MIN_PIXELS)
    edge = round(_EDGE_FRACTION * len(slices))
    kept = slices[edge:len(slices) - edge] if len(slices) > 2 * edge else slices
    rows = []
    for k in kept:
        if cavity_es[k].sum() < _MIN_PIXELS:
            rows.append(np.full(SECTORS, np.nan))  # obliterated or lost: not measured
            continue
        septum = _septum(ed[k], cavity_ed[k])
        r_ed = _sector_radii_mm(ed[k], septum, spacing_mm)
        r_es = _sector_radii_mm(es[k], septum, spacing_mm)
        rows.append(100.0 * (1.0 - r_es / r_ed))
    return RegionalMotion(np.asarray(rows, dtype=float).reshape(-1, SECTORS))
