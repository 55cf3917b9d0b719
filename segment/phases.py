"""The phases a study is measured at, and every phase's masks drawn the way the measured ones
are.

One pass of the network over the cine (`segment.infer.Segmenter.network_labels`; the apex's
second look, `segment.apex`, still reads a phase's lost apex again as it finishes). Without
phases named by the source (ACDC's Info.cfg), end-diastole and end-systole are the largest and
smallest LV of the phases drawn alone. Then every phase is read inside end-diastole
(`segment.systole`) and given the readers' LV border (`segment.border`); every phase but
end-diastole has its LV cavity's muscle-dark border made wall (`segment.border.systolic_border`);
the measured pair has its LV base restored where the network drew it in part or lost it
(`segment.lvbase`: ED's first, as every other phase's RV base is judged against it; ES's
right after its RV base); every phase but end-diastole has its RV base follow the tricuspid
annulus (`segment.annulus`), then its RV's dark border peeled the same way (end-diastole is
not peeled, so a full cine's curve can step just beside it; ED and ES are found on the
phases drawn alone, before any peel).
`measured_pair` owns that order for the measured pair.
Before, only the measured pair was read inside end-diastole, so the volume curve the study page
plots stepped at it. What still differs is the LV base: where it leaves end-systole clearly
larger than another phase, the step stays in the curve and QC flags the ESV and EF
(`segment.qc.es_excess_flags`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from cmr_search.vocab import Structure
from segment.annulus import follow_annulus
from segment.border import reader_border, systolic_border
from segment.io import SaxStudy
from segment.lvbase import restored_base
from segment.measure import ed_es_from_curve, volume_ml
from segment.missing import missing_slices, with_slices, without_slices


class CycleSegmenter(Protocol):
    """`segment.infer.Segmenter` as a cycle needs it (tests pass a fake)."""

    def network_labels(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]: ...

    def finish(self, raw: list[np.ndarray], volumes: list[np.ndarray],
               spacing_mm: tuple[float, float], diastole: int | None = None
               ) -> list[np.ndarray]: ...


@dataclass
class DrawnCycle:
    """Every phase's finished masks ((slices, rows, cols) `Structure` codes), the LV cavity
    volume (ml) of each, and the indices of end-diastole and end-systole."""

    masks: list[np.ndarray]
    lv_curve_ml: list[float]
    ed: int
    es: int


def hinted_phases(study: SaxStudy) -> tuple[int, int] | None:
    """(ED, ES) phase indices the source names (ACDC Info.cfg), when it names two of ours."""
    frames = study.frame_numbers
    if study.ed_hint in frames and study.es_hint in frames and study.ed_hint != study.es_hint:
        return frames.index(study.ed_hint), frames.index(study.es_hint)
    return None


def curve_ml(study: SaxStudy, masks: list[np.ndarray],
             code: Structure = Structure.LV_CAVITY) -> list[float]:
    """Volume (ml) of one structure (the LV cavity unless named) in each phase's mask, by
    summation of discs (a blank slice's area interpolated, `segment.missing`)."""
    missing = missing_slices(study.phases)
    return [volume_ml(mask, code, study.spacing_mm, study.slice_spacing_mm, missing)
            for mask in masks]


def finished_pair(study: SaxStudy, ed_mask: np.ndarray, es_mask: np.ndarray, ed: int,
                  es: int) -> tuple[np.ndarray, np.ndarray]:
    """The measured ED and ES masks (phases `ed`, `es` of `study`, with the readers' border)
    after the steps the measured phases take: the basal LV slice the network drew in part or
    lost (`segment.lvbase`), and at ES the RV base following the tricuspid annulus
    (`segment.annulus`) before its own LV base, read inside ED's."""
    ed_mask = restored_base(ed_mask, study.phases[ed], study.spacing_mm)
    if es == ed:
        return ed_mask, ed_mask
    es_mask = follow_annulus(ed_mask, es_mask, study.spacing_mm, study.slice_spacing_mm)
    return ed_mask, restored_base(es_mask, study.phases[es], study.spacing_mm, ed_mask)


def measured_pair(study: SaxStudy, ed_mask: np.ndarray, es_mask: np.ndarray, ed: int,
                  es: int) -> tuple[np.ndarray, np.ndarray]:
    """The measured ED and ES masks from the pair as drawn (inside ED, with the readers'
    border), every step in its order: ES's LV border where the image turns as dark as the
    wall, then `finished_pair`, then ES's RV border the same way. The one owner of that
    order: a whole cycle (`drawn_cycle`) and a pair drawn again with flips
    (`segment.study`) both take it from here."""
    phases = study.phases
    if es != ed:
        es_mask = systolic_border(es_mask, phases[es], ed_mask, phases[ed])
    ed_mask, es_mask = finished_pair(study, ed_mask, es_mask, ed, es)
    if es != ed:
        # the RV's border only now: the annulus rule judges a systolic basal pool by how far
        # its centre moved from the diastolic one's, and on ACDC a pool peeled first had
        # moved more than RV_SHIFT_MM (whole basal RVs called atrium)
        es_mask = systolic_border(es_mask, phases[es], ed_mask, phases[ed],
                                  Structure.RV_CAVITY)
    return ed_mask, es_mask


def _other_phase(study: SaxStudy, mask: np.ndarray, k: int, ed: int, ed_drawn: np.ndarray,
                 ed_mask: np.ndarray) -> np.ndarray:
    """Phase `k` (neither measured one) of a cycle through `measured_pair`'s steps but the
    LV base: its LV border peeled against ED as drawn, its RV base following the annulus,
    its RV border peeled against ED as measured."""
    phases = study.phases
    mask = systolic_border(mask, phases[k], ed_drawn, phases[ed])
    mask = follow_annulus(ed_mask, mask, study.spacing_mm, study.slice_spacing_mm)
    return systolic_border(mask, phases[k], ed_mask, phases[ed], Structure.RV_CAVITY)


def drawn_cycle(study: SaxStudy, segmenter: CycleSegmenter) -> DrawnCycle:
    """Every phase of `study` segmented and finished as measured (module docstring), across
    any blank slice inside the stack (`segment.missing`): the masks are the whole stack's,
    empty there, the curve's volumes with its area interpolated."""
    missing = missing_slices(study.phases)
    if not missing.any():
        return _drawn_cycle(study, segmenter, study)
    cycle = _drawn_cycle(without_slices(study, missing), segmenter, study)
    masks = [with_slices(mask, missing) for mask in cycle.masks]
    return DrawnCycle(masks, curve_ml(study, masks), cycle.ed, cycle.es)


def _drawn_cycle(study: SaxStudy, segmenter: CycleSegmenter, whole: SaxStudy) -> DrawnCycle:
    """`drawn_cycle` of `study`, the stack as segmented (`whole` less any blank slice)."""
    phases, spacing = study.phases, study.spacing_mm
    raw = segmenter.network_labels(phases, spacing)
    hint = hinted_phases(study)
    if hint is not None:
        ed, es = hint
    else:  # the largest and smallest LV of the phases drawn alone (module docstring), on
        # the whole stack's curve: the blank slice's interpolated area counted as in the EDV
        alone = segmenter.finish(raw, phases, spacing)
        missing = missing_slices(whole.phases)
        ed, es = ed_es_from_curve(curve_ml(whole, [
            with_slices(reader_border(mask, phases[k]), missing)
            for k, mask in enumerate(alone)]))
    drawn = [reader_border(mask, phases[k])
             for k, mask in enumerate(segmenter.finish(raw, phases, spacing, ed))]
    ed_mask, es_mask = measured_pair(study, drawn[ed], drawn[es], ed, es)
    # the LV base is restored for the measured pair only: on the phantom's cines the rule
    # took a basal slice in one phase and left it in the next, and a curve of every phase
    # restored stepped nearly twice as much from phase to phase (docs/segmentation)
    masks = [ed_mask if k == ed else es_mask if k == es else
             _other_phase(study, mask, k, ed, drawn[ed], ed_mask) for k, mask in enumerate(drawn)]
    return DrawnCycle(masks, curve_ml(study, masks), ed, es)
