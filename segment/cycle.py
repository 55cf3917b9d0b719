"""A whole cardiac cycle segmented: the masks of every phase (with the readers' LV border,
`segment.border`, each phase's RV base following the annulus from end-diastole,
`segment.annulus`, and the measured pair's LV base where the network lost it,
`segment.lvbase`), the LV and RV volume curves, and the measurements of the end-diastolic
and end-systolic phases found on the LV curve (or named by the source, as ACDC's Info.cfg
names them). The measured pair is segmented again, end-systole read inside end-diastole
(`segment.systole`); the other phases' masks stay as drawn alone.

What the indexer keeps of a study (curves and contours for the study page, numbers for search);
`segment.study.analyse` remains the one-study command's path (ED and ES re-segmented, with
test-time flips when the segmenter has them: `cmr-search segment --tta`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from cmr_search.vocab import Structure
from segment.annulus import follow_annulus
from segment.border import reader_border
from segment.io import SaxStudy
from segment.measure import ed_es_from_curve, volume_ml
from segment.study import StudyResult, finished_pair, hinted_phases, measure_masks


class PhaseSegmenter(Protocol):
    """`segment.infer.Segmenter` as a cycle needs it (tests pass a fake)."""

    def segment_phases(self, volumes: list[np.ndarray], spacing_mm: tuple[float, float],
                       diastole: int | None = None) -> list[np.ndarray]: ...


@dataclass
class Cycle:
    """Masks of every phase ((slices, rows, cols) `Structure` codes), volume curves (ml, one
    value per phase) and the measurements and QC of the ED and ES phases."""

    result: StudyResult
    masks: list[np.ndarray]
    lv_curve_ml: list[float]
    rv_curve_ml: list[float]

    @property
    def ed(self) -> int:
        return self.result.ed

    @property
    def es(self) -> int:
        return self.result.es


def curve_ml(study: SaxStudy, masks: list[np.ndarray], code: Structure) -> list[float]:
    """Volume (ml) of one structure in each phase's mask, by summation of discs."""
    return [round(volume_ml(m, code, study.spacing_mm, study.slice_spacing_mm), 1)
            for m in masks]


def analyse_cycle(study: SaxStudy, segmenter: PhaseSegmenter) -> Cycle:
    """Segment every phase of a study, find ED and ES on the LV curve, measure and check."""
    started = time.perf_counter()
    alone = segmenter.segment_phases(study.phases, study.spacing_mm)
    masks = [reader_border(mask, study.phases[k]) for k, mask in enumerate(alone)]
    lv = curve_ml(study, masks, Structure.LV_CAVITY)
    # phases the source names (ACDC Info.cfg) are taken as `analyse` takes them: a curve of
    # two phases read apart can put them the wrong way round (patient086, whose end-diastolic
    # LV was tapered and whose end-systolic one was not, segment.taper)
    ed, es = hinted_phases(study) or ed_es_from_curve(lv)
    if es != ed:
        # the measured pair is drawn again as `analyse` draws it, end-systole read inside
        # end-diastole (segment.systole), so the ES outline is read inside the ED mask kept
        pair = segmenter.segment_phases([study.phases[ed], study.phases[es]],
                                        study.spacing_mm, 0)
        for k, mask in zip((ed, es), pair, strict=True):
            masks[k] = reader_border(mask, study.phases[k])
            lv[k] = curve_ml(study, [masks[k]], Structure.LV_CAVITY)[0]
    # the measured pair finished as `analyse` finishes it (LV base, systolic RV base), and
    # every other phase's RV base follows the tricuspid annulus from end-diastole too
    masks[ed], masks[es] = finished_pair(study, masks[ed], masks[es], ed, es)
    lv[ed], lv[es] = curve_ml(study, [masks[ed], masks[es]], Structure.LV_CAVITY)
    masks = [mask if k in (ed, es) else follow_annulus(masks[ed], mask, study.spacing_mm,
                                                       study.slice_spacing_mm)
             for k, mask in enumerate(masks)]
    rv = curve_ml(study, masks, Structure.RV_CAVITY)
    result = measure_masks(study, {ed: masks[ed], es: masks[es]}, ed, es, lv)
    result.seconds = time.perf_counter() - started
    return Cycle(result, masks, lv, rv)
