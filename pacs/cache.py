"""The fetch cache: a study's instances under DATA_DIR/pacs-cache/<source>/<study uid>/,
marked complete once every wanted series arrived, deleted once the study's record is written
(unless kept). A killed run leaves at most the studies in flight, cleared by the next run.

What a --keep-dicom run kept is marked so (`<uid>.kept`) and stays through later runs without
the option: they deleted it all at their start. It goes when the PACS's study changes (it is
fetched again), when a de-identified run starts (they are the PACS's identified files), or by
hand."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

from pacs.client import safe_uid

logger = logging.getLogger(__name__)

_MARK = ".complete"
_KEPT = ".kept"
_MARKED = "kept-are-marked"  # written by the first run that marks what it keeps


class FetchCache:
    def __init__(self, root: Path, location: str, keep: bool = False,
                 deidentified: bool = False) -> None:
        key = hashlib.sha256(location.encode()).hexdigest()[:12]
        self.root = root / key
        self.keep = keep and not deidentified
        self.deidentified = deidentified

    def folder(self, study_instance_uid: str) -> Path:
        return self.root / safe_uid(study_instance_uid, "Study Instance UID")

    def _mark(self, study_instance_uid: str) -> Path:
        return self.root / f"{safe_uid(study_instance_uid, 'Study Instance UID')}{_MARK}"

    def is_complete(self, study_instance_uid: str, fingerprint: str) -> bool:
        mark = self._mark(study_instance_uid)
        return mark.is_file() and mark.read_text(encoding="utf-8") == fingerprint

    def mark_complete(self, study_instance_uid: str, fingerprint: str) -> None:
        mark = self._mark(study_instance_uid)
        tmp = mark.with_suffix(".partial")
        tmp.write_text(fingerprint, encoding="utf-8")
        tmp.replace(mark)

    def _kept(self, study_instance_uid: str) -> Path:
        return self.root / f"{safe_uid(study_instance_uid, 'Study Instance UID')}{_KEPT}"

    def discard(self, study_instance_uid: str) -> None:
        self._mark(study_instance_uid).unlink(missing_ok=True)
        self._kept(study_instance_uid).unlink(missing_ok=True)
        shutil.rmtree(self.folder(study_instance_uid), ignore_errors=True)

    def release(self, study_instance_uid: str) -> None:
        """The study's record is written (or it failed): its instances go, unless this run
        keeps them or an earlier one did."""
        if self.keep:
            if self.folder(study_instance_uid).is_dir():
                self._kept(study_instance_uid).touch()
        elif not self._kept(study_instance_uid).is_file():
            self.discard(study_instance_uid)

    def clear_incomplete(self) -> int:
        """Remove what a killed run left: half-fetched studies, and whole ones no run kept
        (fetched, then killed before the record); a de-identified run removes every study
        earlier runs kept too. The first run of a release with `.kept` marks takes every
        whole study it finds for kept: the releases before kept them unmarked (and its first
        run deleted them all)."""
        self.root.mkdir(parents=True, exist_ok=True)
        marked = (self.root / _MARKED).is_file()
        removed = 0
        for entry in [e for e in self.root.iterdir() if e.is_dir()]:
            kept = self.root / f"{entry.name}{_KEPT}"
            if not (self.root / f"{entry.name}{_MARK}").is_file() or self.deidentified or \
                    not (self.keep or kept.is_file() or not marked):
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
            elif not kept.is_file():
                kept.touch()
        (self.root / _MARKED).touch()
        for entry in self.root.iterdir():  # marks whose study is gone, after the folders
            if entry.name.endswith(".partial") or (entry.name.endswith((_MARK, _KEPT)) and
                                                   not (self.root / entry.stem).is_dir()):
                entry.unlink(missing_ok=True)
        if removed:
            logger.info("fetch cache: removed %d studies left by an earlier run", removed)
        return removed

    def studies_held(self) -> int:
        return sum(1 for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else 0

    def bytes_held(self) -> int:
        if not self.root.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
