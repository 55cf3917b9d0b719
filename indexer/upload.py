"""A study that is not in the index, uploaded to query by: a zip of DICOM, read and embedded.

Nothing is written to the index; previews go to a folder the caller owns. When asked, the
study is kept in the archive, where the next incremental index run embeds it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from catalog import REPORT
from cmr_search.vocab import View
from indexer.assemble import assemble_stacks, study_stacks
from indexer.deidentify import Deidentifier
from indexer.embed import StudyEncoder, point_vectors, report_texts
from indexer.findings import measurement_vectors
from indexer.measure import SegmentationModel, measure_study
from indexer.payload import patient_key, study_report
from indexer.upload_keep import RESEARCH_NOT_KEPT, keep_for_indexing
from indexer.upload_measures import not_compared
from indexer.upload_zip import (
    WANTED,
    UploadError,
    UploadLimits,
    extract_zip,
    may_hold_research,
    upload_label,
)
from reader.discover import Skipped
from reader.nifti import AcdcStudy
from reader.scan import Study, scan_archive

logger = logging.getLogger(__name__)
# the names callers import from here: unpacking and keeping live in their own modules
__all__ = ["RESEARCH_NOT_KEPT", "UploadError", "UploadIdentity", "UploadLimits", "UploadedStudy",
           "embed_study", "extract_zip", "keep_for_indexing", "may_hold_research", "read_study",
           "study_from_upload", "upload_label"]
_LIMITS = UploadLimits()  # the default (a frozen dataclass, shared safely)


@dataclass
class UploadedStudy:
    study_instance_uid: str
    views: list[str]
    vectors: dict[str, np.ndarray]
    previews: dict[str, str] = field(default_factory=dict)  # relative to the preview root
    impression: str = ""
    skipped: int = 0
    kept: Path | None = None  # where it waits for the next index run, when asked
    already_indexed: bool = False  # asked to be kept, but the index holds it: not copied
    # measurement name -> value (units in the name) and the ones a QC check doubts
    measurements: dict[str, float] = field(default_factory=dict)
    measurement_flags: dict[str, list[str]] = field(default_factory=dict)
    measure_error: str = ""  # why it was not measured, when measuring was asked
    # why its measurements did not join the search ("" when they did, or none were asked):
    # they are compared only with an index measured by the same segmentation model
    measures_not_compared: str = ""
    sex: str = "unknown"  # PatientSex: the reference ranges the measurements are read against
    # what reading left out or assumed ("sax_cine: IM_0004: pixel data cannot be decoded"): a
    # short axis that could not be read was dropped without a word, and the search went on
    # with the long axes alone
    notes: list[str] = field(default_factory=list)
    research: bool = False  # a research (ACDC-style NIfTI) patient: searched with, never kept
    patient_key: str = ""  # the index's key of its patient (`UploadIdentity`), "" unknown


@dataclass(frozen=True)
class UploadIdentity:
    """How the index names studies and patients, so that an upload is named alike: its
    patient key (from the index's secret), and for a de-identified index its pseudonyms."""

    patient_key_secret: str
    deidentifier: Deidentifier | None = None


def _as_indexed(study: Study | AcdcStudy, identity: UploadIdentity | None,
                label: str) -> tuple[Study | AcdcStudy, list[str], str]:
    """The study as the index would hold it, what that refused, and its patient key. With a
    de-identified index the upload is de-identified as ingest does it: under its real UID its
    own pseudonymised copy came back as the first "other patient", handing whoever uploaded
    it that patient's pseudonym, and its report was shown unscrubbed."""
    if identity is None:
        return study, [], ""
    refused: list[str] = []
    if identity.deidentifier is not None and isinstance(study, Study):
        named, refused = identity.deidentifier.study(study)
        if named is None:
            raise UploadError(f"{label}: {'; '.join(refused)}")
        study = named
    who, uid = (study.patient_id, study.study_instance_uid) if isinstance(study, AcdcStudy) \
        else (study.info.patient_id, study.info.study_instance_uid)
    return study, refused, patient_key(who, uid, identity.patient_key_secret)


def read_study(folder: Path, label: str | None = None
               ) -> tuple[Study | AcdcStudy, list[Skipped]]:
    """The one study in `folder` (DICOM, or a research patient in the ACDC NIfTI layout), and
    the files skipped (errors name `label`)."""
    label = label or folder.name
    result = scan_archive(folder, workers=1)
    if not result.studies and len(result.research_studies) == 1:
        # a researcher's real heart: "uploads take DICOM" left it no way to be compared
        return result.research_studies[0], result.skipped
    if not result.studies:
        by_reason = result.skipped_by_reason()
        if "study has no cine series" in by_reason:  # a study was found: say what it lacks
            raise UploadError(f"{label}: the study has no cine series to compare (similar "
                              "cases are found by the cine; LGE or other series alone are not "
                              "enough)")
        if result.research_studies:
            raise UploadError(f"{label}: holds {len(result.research_studies)} research "
                              "(ACDC-style NIfTI) patients; upload one patient's folder")
        reasons = ", ".join(f"{r} ({n})" for r, n in by_reason.most_common(3))
        raise UploadError(f"{label}: no DICOM study found (looked for {WANTED}: Info.cfg "
                          "beside its .nii.gz)" + (f"; skipped: {reasons}" if reasons else ""))
    if len(result.studies) > 1:
        raise UploadError(f"{label}: holds {len(result.studies)} studies; upload one")
    study = result.studies[0]
    if not study.has_cine:
        raise UploadError(f"{label}: the study has no cine series to compare")
    return study, result.skipped


def embed_study(folder: Path, encoder: StudyEncoder, preview_root: Path,
                label: str | None = None,
                segmentation: SegmentationModel | None = None,
                identity: UploadIdentity | None = None,
                index_measured_by: str | None = None) -> UploadedStudy:
    """Read, assemble and embed the study in `folder` (and its report, when one comes with it);
    with `segmentation`, measure it too, so it finds hearts that measure alike where the
    index was measured by that model (`index_measured_by`: the index's recorded
    `segmentation_model`, None where it holds no measurements); named as the index names its
    studies (`identity`)."""
    label = label or folder.name
    study, skips = read_study(folder, label)
    study, refused, key = _as_indexed(study, identity, label)
    # an image the reader could not take, named: a damaged short axis went without a word
    # and the search ran on the long axes alone (junk beside the study is no news)
    refused += [f"{Path(s.path).relative_to(folder)}: {s.reason}" for s in skips
                if not s.reason.startswith("not DICOM") and Path(s.path).is_relative_to(folder)]
    try:
        stacks = study_stacks(study)
        assembly = assemble_stacks(stacks, encoder.preprocess, preview_root=preview_root)
    except Exception as error:  # noqa: BLE001  (any reader failure is the upload's fault)
        raise UploadError(f"{label}: cannot assemble the study "
                          f"({_in_upload(str(error), folder, label)})") from None
    vectors = point_vectors(encoder.encode_clips([assembly.clips])[0])
    measured = None
    sex = "unknown" if isinstance(study, AcdcStudy) else study.info.patient_sex or "unknown"
    why_not = not_compared(segmentation, index_measured_by)
    if segmentation is not None:
        # measured even where not compared: its numbers are shown beside the cine
        measured = measure_study(study, stacks, "upload", segmentation, encoder.spec)
        if not why_not:
            vectors.update(measurement_vectors(measured, sex))
        if not measured.measured:
            logger.info("an uploaded study could not be measured")  # why: shown to the user
    report = study_report(study)
    impression = report.impression if report else ""
    if report is not None:
        vectors[REPORT] = encoder.encode_texts([report_texts(report)[1]]).own[0]
    previews = {}
    for kind, preview in assembly.previews.items():
        previews[kind.value] = str(preview.animation.relative_to(preview_root))
        previews[f"{kind.value}_poster"] = str(preview.poster.relative_to(preview_root))
    read = assembly.clips.views_read()
    views = [View.SAX_CINE.value] if isinstance(study, AcdcStudy) else list(study.view_series)
    uploaded = UploadedStudy(study.study_instance_uid, sorted(v for v in views if v in read),
                             vectors, previews, impression, len(skips), sex=sex,
                             notes=[_in_upload(n, folder, label)
                                    for n in [*refused, *assembly.clips.notes]],
                             research=isinstance(study, AcdcStudy), patient_key=key)
    if measured is not None:
        uploaded.measurements = {k: v for k, v in measured.values.items() if v is not None}
        uploaded.measurement_flags = {k: v for k, v in measured.flags.items() if v}
        uploaded.measure_error = _in_upload(measured.error, folder, label)
    # a study that could not be measured says so (`measure_error`); one not measured here, with
    # an index that was, says why the numbers play no part
    if (measured is None and index_measured_by) or (measured is not None and measured.measured):
        uploaded.measures_not_compared = why_not
    return uploaded


def _in_upload(message: str, folder: Path, label: str) -> str:
    """A reader's message with the server's scratch folder named as the upload: the sender
    knows "scan.zip/DICOM/IM_0004", and the server's paths are not theirs to see."""
    return message.replace(str(folder), label)


def study_from_upload(stream: BinaryIO, filename: str, encoder: StudyEncoder,
                      preview_root: Path, keep_in: Path | None = None,
                      limits: UploadLimits = _LIMITS,
                      segmentation: SegmentationModel | None = None,
                      keep_unless: Callable[[str], bool] | None = None,
                      identity: UploadIdentity | None = None,
                      index_measured_by: str | None = None) -> UploadedStudy:
    """An uploaded zip, unpacked in a scratch folder, read and embedded (measured as
    `embed_study` says); kept in `keep_in` for the next index run when given, unless
    `keep_unless(uid)` (the index holds it: a second copy would be skipped as duplicate
    instances). Errors name the uploaded file."""
    label = upload_label(filename)
    with tempfile.TemporaryDirectory(prefix="cmr-upload-") as tmp:
        saved = Path(tmp) / "upload.zip"
        with saved.open("wb") as out:
            shutil.copyfileobj(stream, out)
        folder = extract_zip(saved, Path(tmp) / "study", limits, label)
        study = embed_study(folder, encoder, preview_root, label, segmentation, identity,
                            index_measured_by)
        if keep_in is not None and keep_unless is not None \
                and keep_unless(study.study_instance_uid):
            study.already_indexed = True
        elif keep_in is not None and study.research:  # it failed the whole upload, embedded
            study.notes.append(RESEARCH_NOT_KEPT)
        elif keep_in is not None:
            study.kept = keep_for_indexing(folder, study.study_instance_uid, keep_in)
    return study
