"""A study that is not in the index, uploaded to query by: a zip of DICOM, read and embedded.

Nothing is written to the index; previews go to a folder the caller owns. When asked, the
study is kept in the archive, where the next incremental index run embeds it.
"""

from __future__ import annotations

import logging
import lzma
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import numpy as np

from catalog import REPORT
from cmr_search.layout import ARCHIVE_UPLOADS
from cmr_search.locks import held
from cmr_search.vocab import View
from indexer.assemble import assemble_stacks, study_stacks
from indexer.deidentify import Deidentifier
from indexer.embed import StudyEncoder, point_vectors, report_texts
from indexer.findings import measurement_vectors
from indexer.measure import SegmentationModel, measure_study
from indexer.payload import patient_key, study_report
from indexer.upload_measures import not_compared
from reader.discover import Skipped
from reader.nifti import AcdcStudy
from reader.scan import Study, scan_archive

logger = logging.getLogger(__name__)
# a DICOM UID (digits and dots): never the name of a staging folder (".partial", ".earlier")
_KEEPABLE_UID = re.compile(r"[0-9][0-9.]{0,63}")

class UploadError(ValueError):
    """An uploaded study cannot be read: not a zip, no DICOM, no cine, over a limit; the message
    names the uploaded file and the reason."""


# why a research patient asked to be kept is not: it is searched with, never copied into a
# hospital's archive (its dataset is indexed as a whole, from where it lies)
RESEARCH_NOT_KEPT = ("a research (NIfTI) patient is not kept for the index: index its "
                     "dataset with `cmr-search index` instead")


@dataclass(frozen=True)
class UploadLimits:
    """What an uploaded zip may hold, checked from its directory before unpacking and again
    while each member streams out (a zip may understate its sizes)."""

    max_unpacked_bytes: int = 2 * 1024**3  # a CMR study is ~10-300 MB
    max_ratio: float = 50.0  # unpacked / packed, of the whole zip and of each large member
    max_members: int = 10000
    max_name_chars: int = 255  # of one path component (what file systems allow)


_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_RATIO_FROM = 1 << 20  # a member's own ratio counts from 1 MiB (small headers pack well)
_CHUNK = 1 << 16
# what an upload may hold, as its refusals say it (an empty zip: "no DICOM study found")
_WANTED = "the study's DICOM files, in folders or not, or one ACDC-style NIfTI patient folder"


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


def _check_member(label: str, member: zipfile.ZipInfo, limits: UploadLimits) -> PurePosixPath:
    name = PurePosixPath(member.filename)
    if name.is_absolute() or ".." in name.parts or "\\" in member.filename \
            or any(ord(c) < 32 for c in member.filename):
        raise UploadError(f"{label}: unsafe path {member.filename[:100]!r}")
    if any(len(part.encode()) > limits.max_name_chars for part in name.parts):
        raise UploadError(f"{label}: member name over {limits.max_name_chars} characters")
    if member.flag_bits & 0x1:
        raise UploadError(f"{label}: {member.filename[:100]!r} is encrypted")
    if member.compress_type not in _METHODS:
        raise UploadError(f"{label}: {member.filename[:100]!r} uses compression method "
                          f"{member.compress_type}, which is not supported")
    if member.file_size > _RATIO_FROM and \
            member.file_size > limits.max_ratio * max(member.compress_size, 1):
        raise UploadError(f"{label}: {member.filename[:100]!r} unpacks more than "
                          f"{limits.max_ratio:g} times its packed size")
    return name


def _plan(label: str, zf: zipfile.ZipFile, packed: int,
          limits: UploadLimits) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The members to unpack, every limit checked from the zip's directory."""
    members = [m for m in zf.infolist() if not m.is_dir()]
    if len(members) > limits.max_members:
        raise UploadError(f"{label}: more than {limits.max_members} files")
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise UploadError(f"{label}: larger than {limits.max_unpacked_bytes >> 20} MB unpacked")
    if total > _RATIO_FROM and total > limits.max_ratio * max(packed, 1):
        raise UploadError(f"{label}: unpacks more than {limits.max_ratio:g} times its size")
    plan = [(m, _check_member(label, m, limits)) for m in members]
    files = {name for _, name in plan}
    if len(files) < len(plan):
        raise UploadError(f"{label}: the same member name twice")
    folders = {parent for name in files for parent in name.parents}
    clash = sorted(str(n) for n in files & folders)
    if clash:
        raise UploadError(f"{label}: {clash[0][:100]!r} is both a file and a folder")
    # empty files hold no DICOM; a Mac's zip adds resource forks and folder settings beside
    # every file, which would be skipped as junk and copied into the archive with a kept study
    return [(m, name) for m, name in plan if m.file_size > 0 and not _mac_litter(name)]


def _mac_litter(name: PurePosixPath) -> bool:
    return "__MACOSX" in name.parts or name.name.startswith("._") or name.name == ".DS_Store"


def _unpack(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Stream one member out; the bytes written (never more than it declared, nor `budget`)."""
    written = 0
    with zf.open(member) as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > member.file_size or written > budget:
                raise UploadError("unpacks to more than it declares")
            out.write(chunk)
    return written


def extract_zip(archive: Path, dest: Path, limits: UploadLimits = UploadLimits(),
                label: str | None = None) -> Path:
    """Unpack a zip safely (no paths outside `dest`, bounded sizes and ratio, checked before
    and while unpacking); UploadError naming `label` (the uploaded file) otherwise."""
    label = label or archive.name
    if not zipfile.is_zipfile(archive):
        with archive.open("rb") as handle:
            started_as_zip = handle.read(4) == b"PK\x03\x04"
        if started_as_zip:  # its end (the zip's directory) is missing: it was cut off
            raise UploadError(f"{label}: a damaged or incomplete zip file (cut off before its "
                              "end): upload it again")
        raise UploadError(f"{label}: not a zip file (upload {_WANTED}, as one .zip)")
    budget = limits.max_unpacked_bytes
    member_name = ""
    try:
        with zipfile.ZipFile(archive) as zf:
            for member, name in _plan(label, zf, archive.stat().st_size, limits):
                member_name = member.filename[:100]
                target = dest.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _unpack(zf, member, target, budget)
    except UploadError as error:
        if str(error).startswith(label):
            raise
        raise UploadError(f"{label}: {member_name!r} {error}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError,
            NotImplementedError, RuntimeError, OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        where = f" {member_name!r}" if member_name else ""
        raise UploadError(f"{label}:{where} cannot be unpacked ({reason[:120]})") from None
    return dest


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
        raise UploadError(f"{label}: no DICOM study found (looked for {_WANTED}: Info.cfg "
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


def keep_for_indexing(folder: Path, study_instance_uid: str, archive: Path) -> Path:
    """Copy an uploaded study into the archive, where the next index run embeds it (alone:
    index runs are incremental). Nothing is written to the index here. A study kept before
    is replaced by this upload (the earlier copy may have been part of it)."""
    name = study_instance_uid.strip()
    if not _KEEPABLE_UID.fullmatch(name):
        # ".." was "kept" as the archive's own folder, a blank one as every upload's
        raise UploadError(f"StudyInstanceUID {study_instance_uid[:70]!r} is not a UID: the "
                          "study cannot be kept for the index (search with it without "
                          "keeping it)")
    target = archive / ARCHIVE_UPLOADS / name
    partial = target.parent / f"{name}.partial"
    earlier = target.parent / f"{name}.earlier"
    # one keep at a time, in every server process: two of one study removed each other's copy
    try:
        with held(target.parent):
            _replace(folder, target, partial, earlier, archive)
    except OSError as error:  # a read-only archive: the lock's folder cannot be made
        raise UploadError(f"cannot keep the study in {archive}: "
                          f"{error.strerror or error}") from None
    return target


def _replace(folder: Path, target: Path, partial: Path, earlier: Path, archive: Path) -> None:
    try:
        for stale in (partial, earlier):
            if stale.exists():
                shutil.rmtree(stale)
        shutil.copytree(folder, partial)
        if target.exists():  # it said "kept", and the first, partial copy was indexed
            target.replace(earlier)
        partial.replace(target)
        if earlier.exists():
            shutil.rmtree(earlier)
    except OSError as error:
        raise UploadError(f"cannot keep the study in {archive}: "
                          f"{error.strerror or error}") from None


def upload_label(filename: str) -> str:
    """The uploaded file's own name, for messages only (never used as a path)."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable())[:100]
    return name if name not in ("", ".", "..") else "upload.zip"


def may_hold_research(stream: BinaryIO) -> bool:
    """Whether an uploaded zip may hold a research (ACDC-style NIfTI) patient, from its
    directory alone (nothing unpacked): it names a NIfTI volume (.nii.gz), which such a
    patient's folder holds. One that does not is DICOM or nothing at all. A stream that is no
    readable zip is not judged here (True): reading it says what is wrong. The stream is left
    at its start."""
    try:
        with zipfile.ZipFile(stream) as zf:
            return any(n.lower().endswith(".nii.gz") for n in zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return True
    finally:
        stream.seek(0)


def study_from_upload(stream: BinaryIO, filename: str, encoder: StudyEncoder,
                      preview_root: Path, keep_in: Path | None = None,
                      limits: UploadLimits = UploadLimits(),
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
