"""A study that is not in the index, uploaded to query by: a zip of DICOM, read and embedded.

Nothing is written to the index; previews go to a folder the caller owns. When asked, the
study is kept in the archive, where the next incremental index run embeds it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import numpy as np

from catalog import REPORT
from cmr_search.layout import ARCHIVE_UPLOADS
from indexer.assemble import assemble_study
from indexer.embed import StudyEncoder, point_vectors, report_texts
from reader.scan import Study, scan_archive

logger = logging.getLogger(__name__)

class UploadError(ValueError):
    """An uploaded study cannot be read: not a zip, no DICOM, no cine; the message names the
    uploaded file and the reason."""


MAX_UPLOAD_BYTES = 2 * 1024**3  # uncompressed; a CMR study is ~10-300 MB
MAX_MEMBERS = 20000


@dataclass
class UploadedStudy:
    study_instance_uid: str
    views: list[str]
    vectors: dict[str, np.ndarray]
    previews: dict[str, str] = field(default_factory=dict)  # relative to the preview root
    impression: str = ""
    skipped: int = 0
    kept: Path | None = None  # where it waits for the next index run, when asked


def extract_zip(archive: Path, dest: Path) -> Path:
    """Unpack a zip safely (no paths outside `dest`, bounded size); UploadError otherwise."""
    if not zipfile.is_zipfile(archive):
        raise UploadError(f"{archive.name}: not a zip file")
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise UploadError(f"{archive.name}: more than {MAX_MEMBERS} files")
        if sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
            raise UploadError(f"{archive.name}: larger than {MAX_UPLOAD_BYTES >> 30} GiB unpacked")
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise UploadError(f"{archive.name}: unsafe path {member.filename!r}")
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
    return dest


def read_study(folder: Path) -> tuple[Study, int]:
    """The one study in `folder`, and how many files were skipped."""
    result = scan_archive(folder, workers=1)
    if not result.studies:
        reasons = ", ".join(f"{r} ({n})" for r, n in result.skipped_by_reason().most_common(3))
        raise UploadError(f"{folder.name}: no DICOM study found"
                          + (f"; skipped: {reasons}" if reasons else ""))
    if len(result.studies) > 1:
        raise UploadError(f"{folder.name}: holds {len(result.studies)} studies; upload one")
    study = result.studies[0]
    if not study.has_cine:
        raise UploadError(f"{folder.name}: the study has no cine series to compare")
    return study, len(result.skipped)


def embed_study(folder: Path, encoder: StudyEncoder, preview_root: Path) -> UploadedStudy:
    """Read, assemble and embed the study in `folder` (and its report, when one comes with it)."""
    study, skipped = read_study(folder)
    try:
        assembly = assemble_study(study, encoder.preprocess, preview_root=preview_root)
    except Exception as error:  # noqa: BLE001  (any reader failure is the upload's fault)
        raise UploadError(f"{folder.name}: cannot assemble the study ({error})") from None
    vectors = point_vectors(encoder.encode_clips([assembly.clips])[0])
    impression = study.report.impression if study.report else ""
    if study.report is not None:
        vectors[REPORT] = encoder.encode_texts([report_texts(study.report)[1]]).own[0]
    previews = {}
    for kind, preview in assembly.previews.items():
        previews[kind.value] = str(preview.animation.relative_to(preview_root))
        previews[f"{kind.value}_poster"] = str(preview.poster.relative_to(preview_root))
    return UploadedStudy(study.study_instance_uid, sorted(study.view_series), vectors,
                         previews, impression, skipped)


def keep_for_indexing(folder: Path, study_instance_uid: str, archive: Path) -> Path:
    """Copy an uploaded study into the archive, where the next index run embeds it (alone:
    index runs are incremental). Nothing is written to the index here."""
    name = "".join(c for c in study_instance_uid if c.isalnum() or c == ".")
    target = archive / ARCHIVE_UPLOADS / name
    if target.exists():
        return target
    partial = target.parent / f"{name}.partial"
    try:
        shutil.copytree(folder, partial, dirs_exist_ok=True)
        partial.replace(target)
    except OSError as error:
        raise UploadError(f"cannot keep the study in {archive}: "
                          f"{error.strerror or error}") from None
    return target


def study_from_upload(stream: BinaryIO, filename: str, encoder: StudyEncoder,
                      preview_root: Path, keep_in: Path | None = None) -> UploadedStudy:
    """An uploaded zip, unpacked in a scratch folder, read and embedded; kept in `keep_in` for
    the next index run when given. Errors name the uploaded file."""
    name = Path(filename or "upload.zip").name or "upload.zip"
    with tempfile.TemporaryDirectory(prefix="cmr-upload-") as tmp:
        saved = Path(tmp) / name
        with saved.open("wb") as out:
            shutil.copyfileobj(stream, out)
        folder = extract_zip(saved, Path(tmp) / Path(name).stem)
        study = embed_study(folder, encoder, preview_root)
        if keep_in is not None:
            study.kept = keep_for_indexing(folder, study.study_instance_uid, keep_in)
    return study
