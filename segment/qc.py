"""Quality control of a segmentation: flags that make a measurement uncertain, never silent.

Each check looks at the masks the way a reader would before trusting the numbers: does the
stack cover the base, does the myocardium close around the cavity, do neighbouring slices agree,
are the values physiologically possible.
"""

from __future__ import annotations

import itertools
from enum import StrEnum

import numpy as np
from scipy import ndimage

from cmr_search.vocab import LV_STRUCTURES, Structure


class QcFlag(StrEnum):
    """Why a measurement is shown as uncertain."""

    INCOMPLETE_BASAL_COVERAGE = "incomplete_basal_coverage"
    INCOMPLETE_APICAL_COVERAGE = "incomplete_apical_coverage"
    LV_NOT_CLOSED = "lv_not_closed"
    EF_OUT_OF_RANGE = "ef_out_of_range"
    VOLUME_OUT_OF_RANGE = "volume_out_of_range"
    MASS_OUT_OF_RANGE = "mass_out_of_range"
    SLICE_DISAGREEMENT = "slice_disagreement"
    # the maximum wall thickness comes from one slice whose neighbours' walls are far thinner:
    # an oblique apical cut or a stray contour, not hypertrophy (`wall_peak_flags`)
    WALL_PEAK_ONE_SLICE = "wall_peak_one_slice"
    # slices missing from the short-axis stack: its slices lie further apart than their
    # thickness allows, or one step is far longer than the others (`gap_flags`); every volume
    # is summed over slices that stand for the missing ones, and its base and apex guessed
    GAPS_BETWEEN_SLICES = "gaps_between_slices"
    # a blank slice (no pixels) between slices that hold pixels: the stack is segmented
    # across it and its area in every volume interpolated from its neighbours (`segment.missing`)
    MISSING_SLICE_INTERPOLATED = "missing_slice_interpolated"
    NO_LV = "no_lv"
    NO_RV = "no_rv"
    ED_ES_UNCLEAR = "ed_es_unclear"
    # another phase of the cine, drawn and finished the same way, holds a clearly smaller LV
    # than the one measured at end-systole (`es_excess_flags`)
    ES_NOT_SMALLEST = "es_not_smallest"
    # the RV measured at end-systole (the LV's) is not smaller than at end-diastole, or its EF
    # is out of range: one of the two RV contours is wrong, and every RV value depends on both
    RV_ED_ES_UNCLEAR = "rv_ed_es_unclear"
    NO_BODY_SIZE = "no_body_size"
    NO_LGE_MYOCARDIUM = "no_lge_myocardium"  # the LV wall was not found on the LGE stack
    # the scar measure is not validated yet (it missed scars on the synthetic bench): every
    # value is shown as uncertain and passes no filter
    SCAR_UNVALIDATED = "scar_unvalidated"


# Plausible adult ranges, wide on purpose: outside them the segmentation is more likely wrong
# than the heart (volumes ml, mass g, EF %).
# LVEF up to 90 %: a hypertrophied LV (HCM) can all but empty its cavity at end-systole, and
# 90 % is already the healthy women's mean + 5 SD (65 +- 5 %, Kawel-Boehm 2020, normals.py)
EF_RANGE_PCT = (5.0, 90.0)
# RVEF up to 80 %: the healthy range tops out near 72 % (women 60 +- 6 %, Kawel-Boehm 2020),
# 80 % is over mean + 3 SD, and the thin-walled RV has no counterpart of the LV's cavity
# obliteration. ACDC patient049 read 88 % (an RVESV of 8 ml; experts 73 %) and was graded
# normal under the LV's 90 %
RV_EF_RANGE_PCT = (5.0, 80.0)
LV_EDV_RANGE_ML = (40.0, 500.0)
RV_EDV_RANGE_ML = (40.0, 500.0)
LV_MASS_RANGE_G = (30.0, 400.0)
# how much larger (share of the end-diastolic LV volume) the measured end-systolic LV may be
# than the cine's smallest before its ESV and EF are uncertain: neighbouring phases round
# end-systole differ by a few percent, a whole basal slice counted or not by 10 to 20 %
ES_EXCESS_SHARE = 0.1
# End-systole is the curve's trough, so a measured ES above a neighbouring phase is out of
# step with the curve; by how much is judged against the curve's own phase-to-phase noise
# (sigma, from the other phases' second differences, `curve_noise_ml`): more than
# ES_NOISE_TIMES sigma (3 SD of the difference of two noisy phases: 3 * sqrt(2)) and more than
# ES_STEP_FLOOR_SHARE of the EDV (an ES that far off moves the EF by 3 points, about CMR's
# interstudy LVEF reproducibility: below it a doubt would say nothing). The phantom's myocarditis
# cine (archive seed 5) measured its ES 14.7 ml (8 % of EDV, under ES_EXCESS_SHARE) above the
# phase before, its LV base restored where the neighbours' was not: LVEF 36.6 %, truth 45.9 %
ES_NOISE_TIMES = 3.0 * 2.0 ** 0.5
ES_STEP_FLOOR_SHARE = 0.03
# fewer second differences than this away from ED and ES: no noise to judge against
_MIN_NOISE_POINTS = 5
# the last slice's LV cavity, as a share of the stack's largest, above which the apex was not
# reached (a real apex closes with a narrow cavity)
APICAL_CAVITY_SHARE = 0.35
# how much thicker than the thicker of its neighbours the slice giving the maximum wall
# thickness may be: hypertrophy, focal or not, spans neighbouring slices (6 to 10 mm apart) with
# a wall that changes gradually; a wall half again as thick as on both sides is one slice's
# reading (an apex cut obliquely, a papillary muscle drawn as wall); and thicker by more than
# two pixels of a cine's 1.3 to 1.8 mm grid, so a thin wall's rounding is no peak
WALL_PEAK_RATIO = 1.5
WALL_PEAK_MARGIN_MM = 3.0
# a neighbour already thicker than normal (about 12 mm, the upper limit for men) confirms
# the peak: apical hypertrophy thickens towards the apex, each slice on from the last
WALL_CONFIRMED_MM = 12.0

# Gaps in the stack. Short-axis cine is acquired contiguous or with a gap of up to about the
# slice's own thickness (SCMR: 6 to 8 mm slices, 2 to 4 mm gaps; ACDC: 5 to 8 mm slices 5 or
# 10 mm apart), so slices further apart than GAP_RATIO times their thickness plus GAP_MARGIN_MM
# are a stack with slices missing (every other 8 mm slice lost: 24 mm steps halved the LVEF,
# 26.8 -> 13.1 %), while 8 mm slices 10 mm apart, 6 mm slices 10 mm apart and 5 mm slices
# 10 mm apart are not; with a thickness or without (NIfTI), a step over MAX_STEP_MM (practice:
# 6 to 14 mm, reader.stack) is. A step more than UNEVEN_RATIO times the stack's median is a slice
# missing inside it.
GAP_RATIO = 1.5
GAP_MARGIN_MM = 3.0
MAX_STEP_MM = 20.0
UNEVEN_RATIO = 1.5


def gap_flags(steps_mm: list[float] | tuple[float, ...], thickness_mm: float | None,
              step_mm: float | None = None) -> list[QcFlag]:
    """`gaps_between_slices` for a stack whose neighbouring slice centres lie `steps_mm`
    apart (one step per pair, mm; or one `step_mm` for the whole stack, a NIfTI's) with slices
    `thickness_mm` thick (None where unknown): see `GAP_RATIO` and `UNEVEN_RATIO`."""
    steps = np.asarray(steps_mm if len(steps_mm) else [step_mm or 0.0], dtype=float)
    steps = steps[np.isfinite(steps) & (steps > 0)]
    if not len(steps):
        return []
    median = float(np.median(steps))
    wide = MAX_STEP_MM if thickness_mm is None else min(
        GAP_RATIO * thickness_mm + GAP_MARGIN_MM, MAX_STEP_MM)
    if median > wide or float(steps.max()) > UNEVEN_RATIO * median:
        return [QcFlag.GAPS_BETWEEN_SLICES]
    return []


def _areas(mask: np.ndarray, code: Structure) -> np.ndarray:
    return np.asarray((mask == code).reshape(mask.shape[0], -1).sum(axis=1), dtype=float)


def coverage_flags(ed: np.ndarray) -> list[QcFlag]:
    """Basal and apical coverage from the end-diastolic LV cavity areas (base is slice 0).

    A heuristic from masks alone: the ventricle still widening steeply at the top of the stack
    (largest cavity in the first slice and a quarter larger than in the next) means the base
    was not reached; a large cavity in the last slice means the apex was not.
    """
    areas = _areas(ed, Structure.LV_CAVITY)
    if areas.max() <= 0:
        return [QcFlag.NO_LV]
    flags = []
    has = np.flatnonzero(areas > 0)
    top = areas[has[0]:]
    if len(top) > 1 and top[0] >= 0.98 * top.max() and top[0] > 1.25 * top[1]:
        flags.append(QcFlag.INCOMPLETE_BASAL_COVERAGE)
    if areas[-1] > APICAL_CAVITY_SHARE * areas.max():
        flags.append(QcFlag.INCOMPLETE_APICAL_COVERAGE)
    return flags


def open_ring_fraction(mask2d: np.ndarray) -> float:
    """Share of the LV cavity border that touches neither myocardium nor itself."""
    cavity = mask2d == Structure.LV_CAVITY
    if cavity.sum() == 0:
        return 0.0
    border = cavity & ~ndimage.binary_erosion(cavity)
    ring = ndimage.binary_dilation(mask2d == Structure.LV_MYOCARDIUM, iterations=1)
    return float((border & ~ring).sum()) / float(border.sum())


def lv_closed_flags(mask: np.ndarray) -> list[QcFlag]:
    """Mid-ventricular slices (middle half of those with cavity) must have a closed ring."""
    has = np.flatnonzero(_areas(mask, Structure.LV_CAVITY) > 0)
    if len(has) == 0:
        return [QcFlag.NO_LV]
    lo, hi = has[0] + len(has) // 4, has[0] + max(3 * len(has) // 4, 1)
    worst = max(open_ring_fraction(mask[k]) for k in range(lo, hi))
    return [QcFlag.LV_NOT_CLOSED] if worst > 0.15 else []


def slice_flags(mask: np.ndarray, spacing_mm: tuple[float, float]) -> list[QcFlag]:
    """Neighbouring slices must agree: no gap inside the LV, no jump in area or position."""
    areas = _areas(mask, Structure.LV_CAVITY) + _areas(mask, Structure.LV_MYOCARDIUM)
    has = np.flatnonzero(areas > 0)
    if len(has) == 0:
        return [QcFlag.NO_LV]
    inner = areas[has[0]:has[-1] + 1]
    if (inner == 0).any():
        return [QcFlag.SLICE_DISAGREEMENT]
    lv = np.isin(mask, LV_STRUCTURES)
    centers = [np.argwhere(lv[k]).mean(axis=0) * spacing_mm for k in has]
    shifts = [float(np.linalg.norm(b - a)) for a, b in itertools.pairwise(centers)]
    for k in range(1, len(inner) - 1):
        if inner[k] > 1.6 * max(inner[k - 1], inner[k + 1]) and inner[k] > 0.3 * inner.max():
            return [QcFlag.SLICE_DISAGREEMENT]
    if shifts and max(shifts) > 15.0:
        return [QcFlag.SLICE_DISAGREEMENT]
    return []


def wall_peak_flags(by_slice_mm: list[float]) -> list[QcFlag]:
    """The slice with the thickest wall (mm per slice, NaN where not measured) must be
    confirmed by a neighbour: flagged when its wall is more than `WALL_PEAK_RATIO` times the
    thicker neighbour's and `WALL_PEAK_MARGIN_MM` thicker while that neighbour is of normal
    thickness (under `WALL_CONFIRMED_MM`), or when no neighbour was measured."""
    values = np.asarray(by_slice_mm, dtype=float)
    if not np.isfinite(values).any():
        return []
    k = int(np.nanargmax(values))
    near = [values[j] for j in (k - 1, k + 1) if 0 <= j < len(values) and np.isfinite(values[j])]
    if not near or (values[k] > WALL_PEAK_RATIO * max(near) and max(near) < WALL_CONFIRMED_MM
                    and values[k] - max(near) > WALL_PEAK_MARGIN_MM):
        return [QcFlag.WALL_PEAK_ONE_SLICE]
    return []


def curve_noise_ml(curve_ml: list[float], measured: set[int]) -> float | None:
    """The phase-to-phase noise (one SD, ml) of a volume curve: each inner phase's distance
    from the mean of its two neighbours, robustly (median absolute value, as a normal SD),
    over the phases that neither are nor touch a `measured` one (drawn differently: their
    LV base restored). None with fewer than `_MIN_NOISE_POINTS` such phases."""
    v = np.asarray(curve_ml, dtype=float)
    near = {j + d for j in measured for d in (-1, 0, 1)}
    residual = [v[k] - (v[k - 1] + v[k + 1]) / 2 for k in range(1, len(v) - 1) if k not in near]
    if len(residual) < _MIN_NOISE_POINTS:
        return None
    # |residual| has median 0.6745 * sqrt(1.5) sigma for independent phase noise sigma
    return float(np.median(np.abs(residual)) / (0.6745 * 1.5 ** 0.5))


def es_excess_flags(curve_ml: list[float], ed: int, es: int) -> list[QcFlag]:
    """End-systole measured larger than another phase of the same LV curve (ml, every phase
    drawn and finished as the measured ones) by more than `ES_EXCESS_SHARE` of end-diastole's
    volume, or larger than a neighbouring phase by more than the curve's noise allows
    (`ES_NOISE_TIMES`, `ES_STEP_FLOOR_SHARE`): one of the phases' basal slices was read
    differently, and the ESV (and EF) depends on which. Nothing to compare with fewer than
    three phases (ACDC's ED and ES pairs)."""
    if len(curve_ml) < 3 or max(ed, es) >= len(curve_ml):
        return []
    edv = curve_ml[ed]
    if curve_ml[es] - min(curve_ml) > ES_EXCESS_SHARE * edv:
        return [QcFlag.ES_NOT_SMALLEST]
    noise = curve_noise_ml(curve_ml, {ed, es})
    neighbours = [curve_ml[k] for k in (es - 1, es + 1) if 0 <= k < len(curve_ml) and k != ed]
    if noise is None or not neighbours:
        return []
    step = curve_ml[es] - min(neighbours)
    limit = max(ES_NOISE_TIMES * noise, ES_STEP_FLOOR_SHARE * edv)
    return [QcFlag.ES_NOT_SMALLEST] if step > limit else []


def range_flag(value: float, bounds: tuple[float, float], flag: QcFlag) -> list[QcFlag]:
    if not np.isfinite(value) or not bounds[0] <= value <= bounds[1]:
        return [flag]
    return []


def blank_slices(phases: list[np.ndarray]) -> np.ndarray:
    """Per slice, whether it holds one value throughout in any of these phases ((slices,
    rows, cols)): an export that wrote no pixels for it. A dark slice (air past the apex)
    still holds noise."""
    blank = np.zeros(phases[0].shape[0], dtype=bool)
    for phase in phases:
        flat = phase.reshape(phase.shape[0], -1)
        blank |= flat.min(axis=1) == flat.max(axis=1)
    return blank


def acquired_slices(phases: list[np.ndarray]) -> slice:
    """The slices from the first to the last that hold pixels. Blank slices at either end
    of the stack are padding (an export that writes a fixed number of slices), outside the
    acquired stack: the coverage rules look at its ends, not at the padding (a blank slice
    past the apex hid an LV cavity still large in the last slice acquired)."""
    held = np.flatnonzero(~blank_slices(phases))
    return slice(int(held[0]), int(held[-1]) + 1) if len(held) else slice(None)


def blank_slice_flags(phases: list[np.ndarray]) -> list[QcFlag]:
    """`MISSING_SLICE_INTERPOLATED` when a slice of any of these phases ((slices, rows, cols))
    holds one value throughout between slices that hold pixels: the slice is missing from the
    stack, segmented across and its area interpolated (`segment.missing`). One blank
    mid-ventricular slice of ACDC patient001 lost the LV above it too (LVEDV 124.5 ml for
    272.9) with no flag at all. Blank slices at either end are no gap between slices
    (`acquired_slices`), and a blank phase is the reader's to refuse."""
    blank = blank_slices(phases)
    if bool(blank.all()):  # nothing acquired at all: the reader's to refuse
        return []
    inside = blank[acquired_slices(phases)]
    return [QcFlag.MISSING_SLICE_INTERPOLATED] if bool(inside.any()) else []
