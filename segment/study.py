"""One study from pixels to numbers: segment, find ED and ES, measure, flag, write.

`analyse` draws every phase as the indexer does (`segment.phases.drawn_cycle`: one pass of
the network; ED and ES named by the source, or the largest and smallest LV of the phases
drawn alone; every phase then read inside end-diastole, the measured pair's LV base
restored); with test-time flips (`--tta`) a full cine's pair is drawn again with them and
finished the same way (`finished_pair`). It measures and runs QC; `write` puts one NIfTI
mask per segmented phase, a label sidecar and `measurements.json` in a folder.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cmr_search.vocab import Structure
from segment import measure as m
from segment.border import reader_border
from segment.checkpoint import label_codes
from segment.infer import Segmenter
from segment.io import SaxStudy, bsa_m2, write_mask
from segment.missing import missing_slices, with_slices, without_slices
from segment.motion import regional_motion
from segment.phases import drawn_cycle, measured_pair
from segment.qc import (
    EF_RANGE_PCT,
    LV_EDV_RANGE_ML,
    LV_MASS_RANGE_G,
    RV_EDV_RANGE_ML,
    RV_EF_RANGE_PCT,
    QcFlag,
    acquired_slices,
    blank_slice_flags,
    coverage_flags,
    es_excess_flags,
    gap_flags,
    lv_closed_flags,
    range_flag,
    slice_flags,
    wall_peak_flags,
)

logger = logging.getLogger(__name__)

MEASUREMENTS_FILE = "measurements.json"
LABELS_FILE = "labels.json"
_UNITS = {"ml": "ml", "pct": "%", "g": "g", "mm": "mm", "m2": "m2"}


@dataclass
class StudyResult:
    """Masks of the segmented phases (index into the study's phases) and the measurements."""

    study: SaxStudy
    masks: dict[int, np.ndarray]
    ed: int
    es: int
    values: dict[str, float | None] = field(default_factory=dict)
    flags: dict[str, list[QcFlag]] = field(default_factory=dict)
    study_flags: list[QcFlag] = field(default_factory=list)
    lv_curve_ml: list[float] = field(default_factory=list)
    aha_mid: list[dict[str, Any]] = field(default_factory=list)
    # radial shortening (%) per middle slice and 60-degree sector from the septum
    regional_shortening_pct: list[list[float | None]] = field(default_factory=list)
    # the end-diastolic wall's thickest segment per slice (mm, NaN where not a full ring)
    wall_by_slice_mm: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _volumes(study: SaxStudy, mask: np.ndarray, code: Structure,
             missing: np.ndarray | None = None) -> float:
    """Summation of discs, a blank slice inside the stack interpolated (`segment.missing`;
    `missing` when the caller has it)."""
    missing = missing_slices(study.phases) if missing is None else missing
    return m.volume_ml(mask, code, study.spacing_mm, study.slice_spacing_mm, missing)


def _phases(study: SaxStudy, segmenter: Segmenter) -> tuple[dict[int, np.ndarray], list[float],
                                                             int, int]:
    n = len(study.phases)
    # a full cine is drawn without flips (every phase, for the curve); the pair again with them
    cycle = drawn_cycle(study, segmenter if n <= 2 else segmenter.without_tta())
    ed, es, curve = cycle.ed, cycle.es, cycle.lv_curve_ml
    # a study read from one 4D file gets one 4D mask: every phase's
    masks = dict(enumerate(cycle.masks)) if study.one_file else {
        ed: cycle.masks[ed], es: cycle.masks[es]}
    if n > 2 and segmenter.tta:  # across a blank slice inside the stack, as drawn_cycle
        missing = missing_slices(study.phases)
        kept = without_slices(study, missing)
        drawn = dict(zip((ed, es), segmenter.segment_phases(
            [kept.phases[ed], kept.phases[es]], study.spacing_mm, 0), strict=True))
        pair = {k: reader_border(mask, kept.phases[k]) for k, mask in drawn.items()}
        masks[ed], masks[es] = (with_slices(mask, missing) for mask in measured_pair(
            kept, pair[ed], pair[es], ed, es))
        for k in {ed, es}:  # the measured pair's points are its measured volumes
            curve[k] = _volumes(study, masks[k], Structure.LV_CAVITY, missing)
    return masks, curve, ed, es


def _anterior_sign(study: SaxStudy) -> float:
    """+1 when anterior lies counter-clockwise of the septum in (col, row) image angles.

    From the affine (RAS): anterior is +y. Without trustworthy geometry the NIfTI affine is
    still used, and the result says so.
    """
    affine = study.affines[0]
    row_axis, col_axis = affine[:3, 0], affine[:3, 1]  # voxel axes 0 (rows), 1 (cols)
    anterior = np.array([0.0, 1.0, 0.0])
    a_row, a_col = float(anterior @ row_axis), float(anterior @ col_axis)
    return 1.0 if a_row >= 0 or abs(a_col) > abs(a_row) else -1.0


def _aha(study: SaxStudy, ed_mask: np.ndarray, es_mask: np.ndarray) -> list[dict[str, Any]]:
    k = m.mid_slice(ed_mask)
    if k is None:
        return []
    sign = _anterior_sign(study)
    rings = {}
    # the wall the maximum is measured on (so no segment reads thicker than it), at both
    # phases so the thickening compares one wall with itself
    for phase, mask in (("ed", m.compact_wall(ed_mask)), ("es", m.compact_wall(es_mask))):
        ring = m.ring_thickness(mask[k], study.spacing_mm, sign)
        if ring is not None:  # across the wall, as the maximum wall thickness is
            rings[phase] = m.across_the_wall(ring, mask, k, study.spacing_mm,
                                             study.slice_spacing_mm)
    if "ed" not in rings:
        return []
    ed = m.aha_mid_segments(rings["ed"])
    es = m.aha_mid_segments(rings["es"]) if "es" in rings else {}
    out = []
    for number, name in m.AHA_MID:
        t_ed, t_es = ed[number], es.get(number, float("nan"))
        thickening = 100.0 * (t_es - t_ed) / t_ed if t_ed > 0 else float("nan")
        out.append({"segment": number, "name": name, "slice": k,
                    "ed_thickness_mm": _round(t_ed), "es_thickness_mm": _round(t_es),
                    "systolic_thickening_pct": _round(thickening)})
    return out


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _measure(result: StudyResult) -> None:
    s, ed, es = result.study, result.masks[result.ed], result.masks[result.es]
    v: dict[str, float | None] = {}
    missing = missing_slices(s.phases)
    v["lvedv_ml"], v["lvesv_ml"] = (_volumes(s, x, Structure.LV_CAVITY, missing)
                                    for x in (ed, es))
    v["rvedv_ml"], v["rvesv_ml"] = (_volumes(s, x, Structure.RV_CAVITY, missing)
                                    for x in (ed, es))
    for side in ("lv", "rv"):
        edv, esv = v[f"{side}edv_ml"] or 0.0, v[f"{side}esv_ml"] or 0.0
        v[f"{side}sv_ml"] = edv - esv
        v[f"{side}ef_pct"] = m.ejection_fraction_pct(edv, esv)
    v["lv_mass_g"] = (_volumes(s, ed, Structure.LV_MYOCARDIUM, missing)
                      * m.MYOCARDIAL_DENSITY_G_PER_ML)
    result.wall_by_slice_mm = m.slice_wall_thickness_mm(ed, s.spacing_mm, s.slice_spacing_mm)
    v["max_wall_thickness_mm"] = m.largest_mm(result.wall_by_slice_mm)
    motion = regional_motion(ed, es, s.spacing_mm)
    v["lv_hypokinetic_wall_pct"] = motion.hypokinetic_wall_pct()
    bsa = bsa_m2(s.height_cm, s.weight_kg)
    v["bsa_m2"] = bsa
    for name in ("lvedv_ml", "lvesv_ml", "lvsv_ml", "rvedv_ml", "rvesv_ml", "rvsv_ml",
                 "lv_mass_g"):
        base, unit = name.rsplit("_", 1)
        value = v[name]
        v[f"{base}i_{unit}_per_m2"] = None if bsa is None or value is None else value / bsa
    result.values = {k: _round(x, 2 if k == "bsa_m2" else 1) for k, x in v.items()}
    result.aha_mid = _aha(s, ed, es)
    result.regional_shortening_pct = [[_round(x) for x in row] for row in motion.shortening_pct]


def _number(values: dict[str, float | None], name: str) -> float:
    x = values.get(name)
    return float("nan") if x is None else float(x)


def _qc(result: StudyResult) -> None:
    ed, es, v = result.masks[result.ed], result.masks[result.es], result.values
    s = result.study
    # the stack's rules read the slices segmented, not a blank one put back empty
    # (`segment.missing`): its empty mask read as a slice disagreeing with its neighbours,
    # and next to the first slice as a base not reached
    kept = ~missing_slices(s.phases)
    ed, es = ed[kept], es[kept]
    acquired = acquired_slices([s.phases[result.ed][kept], s.phases[result.es][kept]])
    volume = (coverage_flags(ed[acquired]) + slice_flags(ed, s.spacing_mm)
              + gap_flags(s.slice_steps_mm, s.slice_thickness_mm, s.slice_spacing_mm)
              + blank_slice_flags(s.phases))  # every phase: a slice left out of all
    lv = lv_closed_flags(ed) + lv_closed_flags(es)
    study_flags = list(dict.fromkeys(volume + lv))
    curve = result.lv_curve_ml
    if len(curve) > max(result.ed, result.es) and curve[result.es] >= curve[result.ed]:
        study_flags.append(QcFlag.ED_ES_UNCLEAR)  # the named ES is not smaller than ED
    if v.get("bsa_m2") is None:
        study_flags.append(QcFlag.NO_BODY_SIZE)
    no_rv = [QcFlag.NO_RV] if not (ed == Structure.RV_CAVITY).any() else []
    # RVEDV 75 ml with RVESV 81 ml (RVEF -8 %) flagged only the EF, and RV dilation was
    # graded from the unflagged RVEDV; an RVEF over the RV's own bound (an RVESV far too small
    # for its RVEDV, ACDC patient049's 88 %) doubts them alike: one of the two contours is wrong
    rv_unclear = range_flag(_number(v, "rvef_pct"), RV_EF_RANGE_PCT, QcFlag.RV_ED_ES_UNCLEAR) \
        if (v.get("rvedv_ml") or 0) > 0 else []
    systole = es_excess_flags(curve, result.ed, result.es)

    def get(name: str) -> float:
        return _number(v, name)

    flags: dict[str, list[QcFlag]] = {}
    for name in v:
        f: list[QcFlag] = []
        if name.startswith(("lv", "max_wall")):
            f += volume + lv
        if name.startswith("rv"):
            f += volume + no_rv + rv_unclear
        # the hypokinetic share compares the ES wall with the ED wall: an end-systole read
        # differently from its neighbours moves it as it moves the ESV
        if name.startswith(("lvef", "lvsv", "lvesv", "lv_hypokinetic")):
            f += systole
        if name.startswith(("lvef", "lvsv")):
            f += range_flag(get("lvef_pct"), EF_RANGE_PCT, QcFlag.EF_OUT_OF_RANGE)
        if name.startswith(("rvef", "rvsv")):
            f += range_flag(get("rvef_pct"), RV_EF_RANGE_PCT, QcFlag.EF_OUT_OF_RANGE)
        if name.startswith("lvedv"):
            f += range_flag(get("lvedv_ml"), LV_EDV_RANGE_ML, QcFlag.VOLUME_OUT_OF_RANGE)
        if name.startswith("rvedv"):
            f += range_flag(get("rvedv_ml"), RV_EDV_RANGE_ML, QcFlag.VOLUME_OUT_OF_RANGE)
        if name.startswith("max_wall"):
            f += wall_peak_flags(result.wall_by_slice_mm)
        if name.startswith("lv_mass"):
            f += range_flag(get("lv_mass_g"), LV_MASS_RANGE_G, QcFlag.MASS_OUT_OF_RANGE)
        flags[name] = list(dict.fromkeys(f))
    result.flags, result.study_flags = flags, study_flags


def measure_masks(study: SaxStudy, masks: dict[int, np.ndarray], ed: int, es: int,
                  curve_ml: list[float] | None = None) -> StudyResult:
    """Measurements and QC of given masks (phase index -> (slices, rows, cols) codes)."""
    result = StudyResult(study, masks, ed, es, lv_curve_ml=[round(c, 1) for c in curve_ml or []])
    _measure(result)
    _qc(result)
    return result


def analyse(study: SaxStudy, segmenter: Segmenter) -> StudyResult:
    """Segment, measure and check one study."""
    started = time.perf_counter()
    masks, curve, ed, es = _phases(study, segmenter)
    result = measure_masks(study, masks, ed, es, curve)
    result.seconds = time.perf_counter() - started
    return result


def all_flags(result: StudyResult) -> list[QcFlag]:
    """The study's flags, then every value's not already among them, in order."""
    values = (flag for flags in result.flags.values() for flag in flags)
    return list(dict.fromkeys([*result.study_flags, *values]))


def as_json(result: StudyResult, model_name: str) -> dict[str, Any]:
    s = result.study
    measurements = {}
    for name, value in result.values.items():
        unit = "m2" if name == "bsa_m2" else ("ml/m2" if name.endswith("per_m2") and "_ml" in name
                                              else "g/m2" if name.endswith("per_m2")
                                              else _UNITS[name.rsplit("_", 1)[-1]])
        flags = result.flags.get(name, [])
        measurements[name] = {"value": value, "unit": unit, "flags": [f.value for f in flags],
                              "uncertain": bool(flags) or value is None}
    return {
        "study": s.study_id,
        "model": model_name,
        "ed": {"frame": s.frame_numbers[result.ed], "name": s.names[result.ed]},
        "es": {"frame": s.frame_numbers[result.es], "name": s.names[result.es]},
        "slice_spacing_mm": round(s.slice_spacing_mm, 2),
        "pixel_spacing_mm": [round(x, 4) for x in s.spacing_mm],
        "height_cm": s.height_cm, "weight_kg": s.weight_kg,
        "measurements": measurements,
        "aha_mid_segments": result.aha_mid,
        "regional_shortening_pct": result.regional_shortening_pct,
        "aha_orientation": "from DICOM geometry" if s.geometry_known else
                           "from the NIfTI affine (unverified for research data)",
        "lv_volume_curve_ml": result.lv_curve_ml,
        # every flag of the file, the study's and each value's: a reader of `qc_flags` saw []
        # beside an RVEF of 100 % flagged `ef_out_of_range` (the index payload's `qc_flags`
        # is the study's alone, beside its `measurement_flags`: here `study_qc_flags`)
        "qc_flags": [f.value for f in all_flags(result)],
        "study_qc_flags": [f.value for f in result.study_flags],
        "seconds": round(result.seconds, 2),
        # each file of the folder not segmented, and why (a label map, a frame of the 4D cine)
        "skipped_files": [{"file": f, "reason": why} for f, why in s.skipped],
    }


def write(result: StudyResult, out: Path, model_name: str) -> list[Path]:
    """Masks (`<input>_seg.nii.gz`), `labels.json` and `measurements.json` into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if result.study.one_file:  # a 4D cine: one 4D mask, every phase
        path = out / f"{result.study.names[0]}_seg.nii.gz"
        write_mask(path, np.stack([result.masks[k] for k in sorted(result.masks)]),
                   result.study, 0)
        written.append(path)
    for k, mask in sorted(result.masks.items()) if not result.study.one_file else ():
        path = out / f"{result.study.names[k]}_seg.nii.gz"
        write_mask(path, mask, result.study, k)
        written.append(path)
    labels = {"label_codes": label_codes(), "model": model_name,
              "conventions": "papillary muscles and trabeculation inside the LV cavity; "
                             "the partial-volume rim of the LV wall counts as cavity (cine); "
                             "RV myocardium not contoured; at end-systole no RV above the "
                             "descended tricuspid annulus"}
    (out / LABELS_FILE).write_text(json.dumps(labels, indent=2) + "\n", encoding="utf-8")
    (out / MEASUREMENTS_FILE).write_text(
        json.dumps(as_json(result, model_name), indent=2) + "\n", encoding="utf-8")
    return [*written, out / LABELS_FILE, out / MEASUREMENTS_FILE]
