"""Keeping an uploaded study for the index: copied into the archive's uploads folder, where
the next incremental index run embeds it; a study kept before is replaced, one keep at a time.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from cmr_search.layout import ARCHIVE_UPLOADS
from cmr_search.locks import held
from indexer.upload_zip import UploadError

# a DICOM UID (digits and dots): never the name of a staging folder (".partial", ".earlier")
_KEEPABLE_UID = re.compile(r"[0-9][0-9.]{0,63}")
# why a research patient asked to be kept is not: it is searched with, never copied into a
# hospital's archive (its dataset is indexed as a whole, from where it lies)
RESEARCH_NOT_KEPT = ("a research (NIfTI) patient is not kept for the index: index its "
                     "dataset with `cmr-search index` instead")


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
