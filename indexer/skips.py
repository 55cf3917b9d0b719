"""Studies a source showed to hold nothing to index, remembered between runs.

A PACS lists every MR study in its window: brain, knee and spine studies too. Deciding that one
has no cine costs a metadata request (DICOMweb) or fetching its pixels (DIMSE), and without a
memory every nightly run paid that again and listed each such study as failed. A study is
remembered under the fingerprint it had when it was looked at (its series and instance
counts): one that gains a series is looked at again. So is every study after `MAX_AGE_DAYS`,
after a release that reads studies differently (`RULES`), and with `--rebuild`. A failure that
may pass (a timeout, a series sent short) is never remembered.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_AGE_DAYS = 90  # a reader improved without bumping RULES still sees the study again
# Bump when the reader or the series selection starts to accept studies it refused before.
RULES = "r1"


def _rules() -> str:
    try:
        release = metadata.version("cmr-search")
    except metadata.PackageNotFoundError:
        release = "unknown"
    return f"{RULES}/{release}"


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    reason: str
    seen: str  # ISO date (UTC) of the run that looked at the study


class SkipMemory:
    """`DATA_DIR/not-indexable.json`: study key -> the fingerprint it had and why it holds
    nothing to index; written whole (temporary file, then rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._studies: dict[str, Remembered] = {}
        self._changed = False
        self._read()

    def _read(self) -> None:
        if not self.path.is_file():
            return
        try:
            data = json.loads(self.path.read_text())
            if data.get("rules") != _rules():
                logger.info("%s: written by other reading rules; every study is looked at "
                            "again", self.path)
                return
            self._studies = {key: Remembered(**entry) for key, entry in data["studies"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            logger.warning("%s unreadable (%s): every study is looked at again", self.path,
                           type(error).__name__)

    def __len__(self) -> int:
        return len(self._studies)

    def reason(self, key: str, fingerprint: str, today: datetime | None = None) -> str | None:
        """Why the study holds nothing to index, when it was found so at this fingerprint
        within `MAX_AGE_DAYS`; None: look at it."""
        found = self._studies.get(key)
        if found is None or found.fingerprint != fingerprint:
            return None
        now = today or datetime.now(UTC)
        try:
            seen = datetime.fromisoformat(found.seen).replace(tzinfo=UTC)
        except (TypeError, ValueError):  # a hand-edited file: look at the study again
            return None
        return found.reason if now - seen <= timedelta(days=MAX_AGE_DAYS) else None

    def remember(self, key: str, fingerprint: str, reason: str,
                 today: datetime | None = None) -> None:
        seen = (today or datetime.now(UTC)).date().isoformat()
        self._studies[key] = Remembered(fingerprint, reason, seen)
        self._changed = True

    def forget_all(self) -> None:
        self._changed = self._changed or bool(self._studies)
        self._studies = {}

    def save(self, today: datetime | None = None) -> None:
        # entries past MAX_AGE_DAYS are never read again (a study indexed since, one gone from
        # the PACS): the file grew with every study ever found empty
        oldest = ((today or datetime.now(UTC)) - timedelta(days=MAX_AGE_DAYS)).date()
        for key, found in list(self._studies.items()):
            try:
                stale = date.fromisoformat(found.seen[:10]) < oldest
            except (TypeError, ValueError):
                stale = True  # a hand-edited entry reason() never believes
            if stale:
                del self._studies[key]
                self._changed = True
        if not self._changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".partial")
        body = {"rules": _rules(), "studies": {k: vars(v) for k, v in self._studies.items()}}
        with tmp.open("w") as handle:
            json.dump(body, handle)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)
        self._changed = False
