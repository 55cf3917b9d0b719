"""A whole cardiac cycle segmented: the masks of every phase drawn as the measured ones are
(`segment.phases.drawn_cycle`: read inside end-diastole, the readers' LV border, the RV base
following the annulus; the LV base restored for the measured pair only), the LV and RV volume
curves, and the measurements of end-diastole and end-systole (named by the source, as ACDC's
Info.cfg names them, or the largest and smallest LV of the phases drawn alone).

What the indexer keeps of a study (curves and contours for the study page, numbers for search);
`segment.study.analyse` remains the one-study command's path (the same drawing, and with
test-time flips the measured pair drawn again with them: `cmr-search segment --tta`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from cmr_search.vocab import Structure
from segment.io import SaxStudy
from segment.phases import CycleSegmenter, curve_ml, drawn_cycle
from segment.study import StudyResult, measure_masks


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


def analyse_cycle(study: SaxStudy, segmenter: CycleSegmenter) -> Cycle:
    """Segment every phase of a study, find ED and ES (`drawn_cycle`), measure and check."""
    started = time.perf_counter()
    drawn = drawn_cycle(study, segmenter)
    ed, es, masks = drawn.ed, drawn.es, drawn.masks
    lv = [round(ml, 1) for ml in drawn.lv_curve_ml]
    rv = [round(ml, 1) for ml in curve_ml(study, masks, Structure.RV_CAVITY)]
    result = measure_masks(study, {ed: masks[ed], es: masks[es]}, ed, es, lv)
    result.seconds = time.perf_counter() - started
    return Cycle(result, masks, lv, rv)
