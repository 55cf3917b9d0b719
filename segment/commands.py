"""Plain functions behind `cmr-search segment` and `cmr-search train-seg`.

Training takes its label maps from the caller (see `cli.segment`, which composes the
phantom's label maps with `train`), so this package never depends on the phantom.
"""

from __future__ import annotations

import logging
from pathlib import Path

from reader.nifti import is_acdc_patient
from segment.infer import Segmenter
from segment.io import read_lge, read_study
from segment.paths import DEFAULT_CHECKPOINT
from segment.scar import stack_scar
from segment.study import StudyResult, analyse, write

logger = logging.getLogger(__name__)


class ResultWriteError(OSError):
    """Masks or measurements that could not be written; the message names the path."""


def segment_study(study: Path, out: Path, checkpoint: Path = DEFAULT_CHECKPOINT,
                  tta: bool = False, segmenter: Segmenter | None = None) -> StudyResult:
    """Segment one DICOM or ACDC-style study folder and write masks and measurements to `out`.

    Without `tta` (the default) it segments as the indexer does (`indexer.measure`): an ED and
    ES pair within the 2 s per study the issue asks for (ACDC: 0.79 s mean); a whole cine in
    every phase (the phantom's 22 to 30 phases: 4 to 6 s). Raises `segment.io.StudyReadError`
    (one line naming the file and the reason) for a study that cannot be read,
    `ResultWriteError` for results that cannot be written, and
    `segment.checkpoint.CheckpointError` for a bad checkpoint.
    """
    model = segmenter or Segmenter(checkpoint, tta=tta)
    result = analyse(read_study(study), model)
    lge = read_lge(study) if study.is_dir() and not is_acdc_patient(study) else None
    if lge is not None:  # scar burden from the short-axis LGE stack
        found = stack_scar(lge, model)
        result.values["scar_pct"] = found.scar_pct
        if found.flags:
            result.flags["scar_pct"] = found.flags
    try:
        write(result, out, checkpoint.name)
    except OSError as error:  # the disk filled, or the folder went, while writing
        raise ResultWriteError(f"{error.filename or out}: cannot write the results "
                               f"({error.strerror or type(error).__name__})") from error
    logger.info("segmented %s in %.2f s: %d phases", study.name, result.seconds,
                len(result.masks))
    return result
