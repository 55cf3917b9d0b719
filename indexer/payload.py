"""What a study point carries besides its vectors: the payload search filters, facets and shows."""

from __future__ import annotations

import functools
import hashlib
import hmac
import inspect
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from catalog import ReportStatus, StudyPayload
from cmr_search import normals, vocab
from cmrclip.clips import StudyClips
from indexer import deidentify, names
from indexer.deidentify import scrub_free_text
from indexer.names import given
from indexer.records import EmbeddingRecord, RecordStore
from reader import labeler, motion, negation, phrasing, sides, wording, written
from reader.labeler import Mention, label_diagnoses, label_findings
from reader.nifti import AcdcStudy
from reader.reports import StudyReport
from reader.scan import Study

logger = logging.getLogger(__name__)
_VENDORS = (("siemens", "siemens"), ("philips", "philips"), ("ge ", "ge"), ("general electric",
            "ge"), ("ge medical", "ge"), ("canon", "canon"), ("toshiba", "canon"))
_AGE = re.compile(r"^(\d{1,3})([DWMY])$")
_AGE_DIVISOR = {"D": 365.25, "W": 52.18, "M": 12.0, "Y": 1.0}


def study_fingerprint(study: Study | AcdcStudy, recipe: str = "",
                      folder: str | None = None) -> str:
    """A digest of every file of the study (path, size, modification time), its report, and
    the `recipe` its payload is made by (de-identified or not, the patient-key secret), so a
    changed recipe re-makes every point.

    Stat-based on purpose: hashing every byte of a hospital archive on each re-run costs a full
    read of it; a re-exported or edited file changes size or mtime. With `folder`, the digest a
    run that named the study's folder so made (`indexer.relocate`: a relative name before).
    """
    h = hashlib.sha256(recipe.encode())
    if isinstance(study, AcdcStudy):
        files = sorted(str(p) for p in study.folder.iterdir()
                       if p.name == "Info.cfg" or p.name.endswith(".nii.gz"))
    else:
        files = sorted({str(f.path) for s in study.series for sl in s.slices for f in sl.frames})
    own = str(study.folder)
    for name in files:
        st = os.stat(name)
        named = name if folder is None else f"{folder}{name[len(own):]}"
        h.update(f"{named}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    report = study_report(study)
    if report is not None:
        h.update(report.text.encode())
    return h.hexdigest()[:32]


def study_report(study: Study | AcdcStudy) -> StudyReport | None:
    """The study's report (research studies come without one)."""
    return None if isinstance(study, AcdcStudy) else study.report


def age_years(patient_age: str) -> int | None:
    """DICOM AgeString (nnnD/W/M/Y) in whole years; None when absent or malformed."""
    match = _AGE.match(patient_age.strip().upper())
    if not match:
        return None
    return int(int(match.group(1)) / _AGE_DIVISOR[match.group(2)])


def study_datetime(study_date: str) -> str | None:
    """DICOM DA (YYYYMMDD) as an RFC 3339 datetime for Qdrant's datetime index."""
    if not re.fullmatch(r"\d{8}", study_date or ""):
        return None
    return f"{study_date[:4]}-{study_date[4:6]}-{study_date[6:]}T00:00:00Z"


def vendor(manufacturer: str) -> str:
    text = f"{manufacturer.lower()} "
    for needle, name in _VENDORS:
        if needle in text:
            return name
    return "other" if manufacturer.strip() else "unknown"


def patient_key(patient_id: str, study_instance_uid: str, secret: str) -> str:
    """Groups one patient's studies without storing the Patient ID itself: an HMAC-SHA256
    keyed by a secret from the settings, so it cannot be reversed by hashing candidate IDs."""
    source = patient_id.strip() or study_instance_uid
    return hmac.new(secret.encode(), f"cmr-search-patient:{source}".encode(),
                    hashlib.sha256).hexdigest()[:20]


@functools.cache
def report_version() -> str:
    """A digest of the code that reads a stored report: the labeler, and the scrubber a
    de-identified index's reports went through. Reports an earlier version read are read
    again (`relabel_stale`), not kept as they were until a `--rebuild`: the names the
    scrubber knows come from faker's data, so their digest is part of it, not faker's version
    (an upgrade that keeps the lists re-reads nothing)."""
    h = hashlib.sha256()
    for module in (labeler, motion, negation, phrasing, sides, wording, written, normals, vocab,
                   deidentify):
        h.update(Path(inspect.getfile(module)).read_bytes())
    # every module of the scrubber's names, one added later among them
    for path in sorted(Path(inspect.getfile(names)).parent.glob("*.py")):
        h.update(path.read_bytes())
    h.update(given.gazetteer_version().encode())
    return h.hexdigest()[:12]


def report_fields(report: StudyReport | None) -> dict[str, Any]:
    """Impression, report and the findings and diagnoses the report states (with sentences):
    the report's part of a `StudyPayload` (its defaults when there is no report)."""
    if report is None:
        return {}
    return {"has_report": True, "report_status": ReportStatus.PRESENT,
            "impression": report.impression, "report": report.text,
            **_labels(report.impression, report.text)}


def relabel_stale(records: RecordStore, members: dict[str, str], deidentified: bool
                  ) -> Iterator[EmbeddingRecord]:
    """The `members` records (uid -> fingerprint), those whose report an earlier version
    read read again and written back (once: the next run finds them current): labelled by
    this labeler and, in a de-identified index, scrubbed by this scrubber's rules too (an age
    over 89 an earlier one kept). About 2 ms a report; the embeddings are kept: no
    re-embedding, no re-measuring."""
    version = report_version()
    for record in records.all(members):
        payload = record.payload
        if payload.has_report and payload.report_version != version:
            try:
                record.payload = _read_again(payload, deidentified)
            except Exception as error:  # noqa: BLE001  (one report must not stop every publish)
                # the type only: a validation error's message quotes the report
                logger.warning("study %s: its report could not be read again (%s); its "
                               "earlier labels are kept", record.study_instance_uid,
                               type(error).__name__)
            else:
                records.put(record)
        yield record


def _read_again(payload: StudyPayload, deidentified: bool) -> StudyPayload:
    impression, text = payload.impression, payload.report
    if deidentified:  # the scrubbed text scrubbed again: the rules are idempotent
        impression, text = scrub_free_text(impression), scrub_free_text(text)
    fields = payload.model_dump() | {"impression": impression, "report": text}
    return StudyPayload.model_validate(fields | _labels(impression, text))


def _labels(impression: str, text: str) -> dict[str, Any]:
    """The findings and diagnoses a report states, the labeler's version with them."""
    labels = label_findings(impression, text)
    diagnoses = label_diagnoses(impression, text)

    def having(mention: Mention) -> list[str]:
        return sorted(f.value for f, label in labels.items() if label.mention is mention)

    return {
        "report_version": report_version(),
        "report_findings": having(Mention.POSITIVE),
        "report_uncertain": having(Mention.UNCERTAIN),
        "report_negated": having(Mention.NEGATIVE),
        "report_severity": {f.value: label.severity.value for f, label in labels.items()
                            if label.severity is not None
                            and label.mention is not Mention.NEGATIVE},
        "report_sentences": {f.value: label.sentence for f, label in labels.items()
                             if label.sentence},
        "report_diagnoses": sorted(d.value for d, label in diagnoses.items()
                                   if label.mention is Mention.POSITIVE),
    }


def research_payload(study: AcdcStudy, fingerprint: str, previews: dict[str, str],
                     frame_interval_ms: float, key_secret: str,
                     deidentified: bool = False) -> StudyPayload:
    """A research (ACDC-style NIfTI) study: no report, no DICOM header; its short-axis cine.
    Its diagnosis group (Info.cfg) is ground truth for evaluation and stays out of the index."""
    return StudyPayload(
        study_instance_uid=study.study_instance_uid,
        patient_key=patient_key(study.patient_id, study.study_instance_uid, key_secret),
        views=["sax_cine"], previews=previews, frame_interval_ms=round(frame_interval_ms, 2),
        archive_path="" if deidentified else str(study.folder), fingerprint=fingerprint,
        manufacturer="", model_name="research dataset (NIfTI)")


def study_payload(study: Study | AcdcStudy, fingerprint: str, previews: dict[str, str],
                  clips: StudyClips, key_secret: str,
                  deidentified: bool = False) -> StudyPayload:
    """Everything but the image-derived scores (those need the calibration of the whole index).
    A de-identified study keeps no archive path (its folder names carry IDs). Its views are
    those its `clips` hold: a series that could not be decoded is neither searched for as a
    view nor scored (the study page says why it is missing)."""
    frame_interval_ms = clips.frame_interval_ms
    if isinstance(study, AcdcStudy):
        return research_payload(study, fingerprint, previews, frame_interval_ms, key_secret,
                                deidentified)
    read = clips.views_read()
    info = study.info
    return StudyPayload(
        study_instance_uid=info.study_instance_uid,
        accession_number=info.accession_number,
        patient_key=patient_key(info.patient_id, info.study_instance_uid, key_secret),
        study_date=study_datetime(info.study_date),
        age=age_years(info.patient_age),
        sex=info.patient_sex or "unknown",
        manufacturer=info.manufacturer,
        vendor=vendor(info.manufacturer),
        model_name=info.manufacturer_model_name,
        field_strength=info.magnetic_field_strength,
        views=sorted(v for v in study.view_series if v in read),
        series=dict(study.view_series),
        previews=previews,
        frame_interval_ms=round(frame_interval_ms, 2),
        archive_path="" if deidentified else study.origin or str(study.folder),
        fingerprint=fingerprint,
        **report_fields(study.report))
