"""The measure stage: a study's short-axis cine segmented over the whole cycle, measured and
checked, written as its measurement record (in the worker that decoded its pixels).

A study that cannot be measured gets a record saying why and is indexed all the same; its
images and report still answer searches.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import torch

from catalog import MEASURE_VERSION, without_paths
from cmr_search.vocab import Measure, View
from cmrclip.clips import ClipSpec
from indexer.deidentify import failure_note, is_deidentified
from indexer.overlay import label_crops
from indexer.previews import PREVIEW_SPEC
from indexer.records import MeasurementRecord
from reader.nifti import AcdcStudy
from reader.scan import Study
from reader.series import unplaced_frame
from reader.stack import Stack
from reader.views import StudyStacks
from segment.acdc import sax_from_acdc
from segment.cycle import analyse_cycle
from segment.io import SaxStudy, StudyReadError, sax_from_stack
from segment.phases import CycleSegmenter
from segment.scar import SliceSegmenter, stack_scar

logger = logging.getLogger(__name__)



class MeasuringSegmenter(CycleSegmenter, SliceSegmenter, Protocol):
    """A segmenter as the measure stage uses it: the cine's cycle and the LGE stack's slices
    (`segment.infer.Segmenter`; tests pass fakes)."""


class SegmentationModel(Protocol):
    """What the measure stage needs of a segmentation model: a key naming its records, and the
    model itself (loaded once per worker process). Picklable: it travels to the workers."""

    @property
    def key(self) -> str: ...

    def load(self) -> MeasuringSegmenter: ...


_LOADED: dict[tuple[str, bool], MeasuringSegmenter] = {}


def _border_settings_bytes(checkpoint: Path) -> bytes:
    try:
        card = json.loads((checkpoint / "model_card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return b""
    if not isinstance(card, dict):
        return b""
    # both move the borders: the class offsets and the grid the network sees
    chosen = {k: card[k] for k in ("calibration", "inference") if card.get(k)}
    return b"" if not chosen else json.dumps(chosen, sort_keys=True).encode()


@dataclass(frozen=True)
class CheckpointSegmentation:
    """A segmentation checkpoint folder; test-time augmentation (4 flips, about 1.75x the time
    per study) off by default for indexing."""

    checkpoint: Path
    tta: bool = False
    _key: list[str] = field(default_factory=list, compare=False, repr=False)

    @property
    def key(self) -> str:
        if not self._key:
            digest = hashlib.sha256((self.checkpoint / "model.safetensors").read_bytes())
            digest.update(_border_settings_bytes(self.checkpoint))  # it moves the borders too
            self._key.append(f"{self.checkpoint.name}-{digest.hexdigest()[:12]}-"
                             f"{'tta' if self.tta else 'plain'}-{MEASURE_VERSION}")
        return self._key[0]

    def load(self) -> MeasuringSegmenter:
        from segment.infer import Segmenter

        name = (str(self.checkpoint), self.tta)
        if name not in _LOADED:
            _LOADED[name] = Segmenter(self.checkpoint, tta=self.tta)
        return _LOADED[name]


class SegmentationUnavailableError(ValueError):
    """The segmentation checkpoint cannot be read; the message names the folder and the fix."""


def checked_segmentation(checkpoint: Path | None, tta: bool) -> CheckpointSegmentation:
    """The segmentation model of `checkpoint` (the committed one when None), loaded once here
    (tens of milliseconds) so that a missing, damaged or uncalibrated checkpoint is reported,
    in one line, before any study is touched rather than as every study's failure."""
    from segment.checkpoint import CheckpointError
    from segment.paths import DEFAULT_CHECKPOINT

    folder = checkpoint or DEFAULT_CHECKPOINT
    model = CheckpointSegmentation(folder, tta)
    fix = "set CMR_SEARCH_SEGMENTATION_CHECKPOINT or CMR_SEARCH_MEASURE=0"
    try:
        model.key  # noqa: B018  (reads the weights)
    except OSError as error:
        raise SegmentationUnavailableError(
            f"{folder}: not a segmentation checkpoint ({error.strerror or error}); {fix}"
        ) from error
    try:
        model.load()  # the checksum, the weights file, the card: as every worker will
    except (CheckpointError, OSError) as error:
        raise SegmentationUnavailableError(f"{error}; {fix}") from error
    return model


@contextmanager
def _threads(n: int | None) -> Iterator[None]:
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _sax_study(study: Study | AcdcStudy, stacks: StudyStacks, sax_stack: Stack) -> SaxStudy:
    """The short-axis phases as segmentation reads them, with body size and ED/ES hints."""
    if isinstance(study, AcdcStudy):  # as `cmr-search segment` reads it
        return sax_from_acdc(study, sax_stack)
    sax_series = max(study.series_for(View.SAX_CINE), key=lambda s: s.n_slices)
    unplaced = unplaced_frame(sax_series)
    if unplaced is not None:  # else it reads as "a single slice" (`segment.io.read_dicom`)
        raise StudyReadError(f"{unplaced}: no ImagePositionPatient; the short-axis slices "
                             "cannot be placed")
    return sax_from_stack(study.study_instance_uid, sax_stack,
                          sax_series.slices[0].frames[0].path, str(study.folder))


def _scar(record: MeasurementRecord, stacks: StudyStacks, model: SegmentationModel,
          threads: int | None) -> None:
    """Scar burden from the study's short-axis LGE stack, when it has one (its first frame:
    magnitude or PSIR as the scanner stored it)."""
    lge = stacks.views.get(View.LGE_SAX)
    if lge is None or not lge.stacks:
        return
    stack = lge.stacks[0]
    try:
        with _threads(threads):
            found = stack_scar(stack, model.load())
    except Exception:  # a broken LGE stack leaves the cine measurements standing
        logger.debug("scar of %s failed", record.study_instance_uid, exc_info=True)
        return
    record.values[Measure.SCAR.value] = found.scar_pct
    if found.flags:
        record.flags[Measure.SCAR.value] = [f.value for f in found.flags]


def measure_study(study: Study | AcdcStudy, stacks: StudyStacks, fingerprint: str,
                  model: SegmentationModel, clip_spec: ClipSpec,
                  threads: int | None = None) -> MeasurementRecord:
    """Segment, measure and check one study; a failure becomes a record with its reason."""
    uid = study.study_instance_uid
    record = MeasurementRecord(uid, fingerprint, model.key)
    stack = stacks.sax
    try:
        if stack is None:  # indexed by its long-axis cines: nothing here to measure
            raise StudyReadError(f"{study.folder}: no short-axis cine that can be read")
        with _threads(threads):
            sax = _sax_study(study, stacks, stack)
            cycle = analyse_cycle(sax, model.load())
            record.overlays = label_crops(stack, cycle.masks, stacks.sax_center,
                                          clip_spec, PREVIEW_SPEC)
    except Exception as error:  # any failure leaves the study unmeasured, never unindexed
        logger.debug("measuring %s failed%s", uid, failure_note(study, error),
                     exc_info=not is_deidentified(study))
        # the page shows it to every role: no folder (it names the patient in many exports),
        # and the class of an error only when it is not the reader's own
        reason = without_paths(str(error), [study.folder])
        record.status = "failed"
        record.error = (reason if isinstance(error, StudyReadError)
                        else f"{type(error).__name__}: {reason}")[:300]
        return record
    result = cycle.result
    record.values = dict(result.values)
    record.flags = {k: [f.value for f in v] for k, v in result.flags.items()}
    _scar(record, stacks, model, threads)
    record.study_flags = [f.value for f in result.study_flags]
    record.lv_curve_ml, record.rv_curve_ml = cycle.lv_curve_ml, cycle.rv_curve_ml
    record.ed, record.es = cycle.ed, cycle.es
    record.interval_ms = round(float(stack.rr_ms / max(len(stack.times_ms), 1)), 2)
    record.seconds = round(result.seconds, 2)
    return record
