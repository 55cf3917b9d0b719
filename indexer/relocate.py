"""Records an earlier run made of a folder named by a relative path ("synth", typed in the
folder it ran in), carried over to the absolute path the folder is named by now, without
reading, embedding or measuring the studies again.

A folder study's fingerprint digests each file's path as the run named it
(`indexer.payload.study_fingerprint`), and the archive is named absolute since (a relative
one was stored as typed, and meant another folder wherever the next command ran): a study
recorded as `synth/P1/IM1` no longer matched itself as `/data/synth/P1/IM1`, and the first
run after the upgrade would have embedded and measured the whole archive again. A record is
carried over only when its fingerprint is that study's, every file's size and modification
time included, as the earlier run named it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

from cmrclip.clips import UNREADABLE
from indexer.payload import study_fingerprint
from indexer.records import MeasurementStore, RecordStore
from indexer.sources import Candidate, FolderSource, Indexable

logger = logging.getLogger(__name__)


def fingerprint_named(study: Indexable, folder: str) -> str:
    """`study_fingerprint(study)` as a run that named the study's folder `folder` made it
    (the same digest, each file's path with the study's folder written as `folder`)."""
    return study_fingerprint(study, folder=folder)


def _relative(name: str) -> bool:
    return bool(name) and "://" not in name and not Path(name).is_absolute()


def earlier_names(study: Indexable, root: Path, recorded: str, archive: str) -> list[str]:
    """What an earlier run may have named the study's folder by, relative paths only: the
    folder its record keeps (`recorded`; none when de-identified), and the study's place
    under the archive the published index names (`archive`, as typed then)."""
    names = [recorded] if _relative(recorded) else []
    if _relative(archive) and study.folder.is_relative_to(root):
        names.append(str(Path(archive) / study.folder.relative_to(root)))
    return list(dict.fromkeys(names))


def archive_meant(archive: str, bases: Iterable[Path], recorded: Iterable[str]) -> list[Path]:
    """The folders a relative `archive` an earlier run stored may name, for a reader (the web
    server's upload folder) until the next run stores it absolute. That run named it from the
    folder it started in, which the index does not keep: `archive` is tried under each of
    `bases` (where that run may have started), made absolute as a run makes it now, and kept
    where it is a folder holding most of the studies the index recorded under it
    (`recorded`: the studies' folders as kept, "synth/P1"). A same-named folder wherever the
    reader started was taken for it, and uploads went where no index run looks: the folder
    alone is no evidence, so none is kept where no study is recorded under it (a
    de-identified index keeps no folder), and one holding a few of them (a copy of some
    studies) is no archive of them either. A recorded folder is read normalised
    ("synth/../x/P1" is no study of "synth")."""
    name = os.path.normpath(archive)
    under = [os.path.normpath(r) for r in recorded if _relative(r)]
    under = [r for r in under if PurePath(r).is_relative_to(name)]
    found: list[Path] = []
    for base in bases:
        folder = Path(os.path.abspath(base / name))
        held = sum(Path(os.path.abspath(base / r)).exists() for r in under)
        if 2 * held > len(under) > 0 and folder.is_dir() and folder not in found:
            found.append(folder)
    return found


def carry_over(source: FolderSource, candidates: Iterable[Candidate],
               fingerprints: dict[str, str], on_disk: dict[str, str],
               stores: tuple[RecordStore, MeasurementStore | None],
               keyed: Callable[[str], str], stamped: Callable[[str], str],
               archive: str) -> int:
    """Each candidate whose embedding record (and measurement record, if any) an earlier run
    made under a relative name of its folder, renamed to its fingerprint now (`fingerprints`,
    key -> stamped fingerprint) with the folder it keeps made absolute; `on_disk` follows.
    `keyed` gives a study's index key, `stamped` a source fingerprint as recorded, `archive`
    the archive the published index names. Returns how many were carried over."""
    records, measurements = stores
    moved = 0
    for candidate in candidates:
        key = keyed(candidate.study_instance_uid)
        old, new = on_disk.get(key), fingerprints.get(key)
        if old is None or new is None or old == new:
            continue
        try:
            record = records.get(key, old)
        except UNREADABLE:  # a damaged record is embedded again by its own rule
            continue
        study = source.study(candidate.study_instance_uid)
        recorded = record.payload.archive_path
        if not any(stamped(fingerprint_named(study, name)) == old
                   for name in earlier_names(study, source.root, recorded, archive)):
            continue  # changed since, or named otherwise: embedded again as any change
        record.fingerprint = record.payload.fingerprint = new
        record.payload.archive_path = recorded and str(study.folder)  # "": de-identified
        records.put(record)  # and the record under the old fingerprint is removed
        measured = measurements.find(key, old) if measurements is not None else None
        if measurements is not None and measured is not None:
            measured.fingerprint = new
            measurements.put(measured)
        on_disk[key] = new
        moved += 1
    if moved:
        # not the archive's name: an export's folder is often named by the patient ID
        logger.info("%d studies indexed when the archive was named by a relative path are "
                    "kept as they are (not read again)", moved)
    return moved
