"""The fetch cache: a study's instances under DATA_DIR/pacs-cache/<source>/<study uid>/,
marked complete once every wanted series arrived, deleted once the study's record is written
(unless kept). A killed run leaves at most the studies in flight, cleared by the next run."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

from pacs.client import safe_uid

logger = logging.getLogger(__name__)

_MARK = ".complete"


class FetchCache:
    def __init__(self, root: Path, location: str, keep: bool = False) -> None:
        key = hashlib.sha256(location.encode()).hexdigest()[:12]
        self.root = root / key
        self.keep = keep

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

    def discard(self, study_instance_uid: str) -> None:
        self._mark(study_instance_uid).unlink(missing_ok=True)
        shutil.rmtree(self.folder(study_instance_uid), ignore_errors=True)

    def release(self, study_instance_uid: str) -> None:
        """The study's record is written (or it failed): its instances go, unless kept."""
        if not self.keep:
            self.discard(study_instance_uid)

    def clear_incomplete(self) -> int:
        """Remove what a killed run left half-fetched (and, unless kept, everything)."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for entry in self.root.iterdir():
            if entry.is_dir():
                if not self.keep or not (self.root / f"{entry.name}{_MARK}").is_file():
                    shutil.rmtree(entry, ignore_errors=True)
                    removed += 1
            elif entry.name.endswith(".partial") or (entry.name.endswith(_MARK) and (
                    not self.keep or not (self.root / entry.name[:-len(_MARK)]).is_dir())):
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
