"""The studies one index run prepares, as every engine takes them: keyed by the UID each is
indexed under (its pseudonym when de-identifying), through the de-identify stage, each with
what it needs (embedding, measuring or both), with the one way a study is skipped and the one
way the source lets go of it.

Both engines (`engine.LocalEngine`, `ray_engine.RayEngine`) read their studies here, so a
de-identified run leaves this machine pseudonymous whichever engine embeds it: what reaches a
worker process or a Ray node is the de-identified study.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from indexer.prepare import Job, Prepared, note_without_file
from indexer.sources import Candidate, Indexable, StudySource, Unavailable
from reader.scan import Study

if TYPE_CHECKING:
    from indexer.pipeline import IndexOptions
    from indexer.summary import IndexSummary

logger = logging.getLogger(__name__)


class Intake:
    """The studies of `todo` from `source`, under the keys of `fingerprints`; `needs` holds
    the keys of the studies to embed and of those to measure (None: embed every one)."""

    def __init__(self, todo: list[Candidate], source: StudySource,
                 fingerprints: dict[str, str], options: IndexOptions,
                 summary: IndexSummary,
                 needs: tuple[set[str], set[str]] | None = None) -> None:
        self.todo, self.source, self.fingerprints = todo, source, fingerprints
        self.options, self.summary = options, summary
        self._original = {options.key(c.study_instance_uid): c.study_instance_uid
                          for c in todo}
        self.where = {options.key(c.study_instance_uid): c.location for c in todo}
        self.needs = needs or (set(self._original), set())
        self.kept: dict[str, Indexable] = {}  # the studies brought so far, by key
        # key -> why: studies that hold nothing to index until they change (not failures)
        self.not_indexable: dict[str, str] = {}

    def studies(self) -> Iterator[Indexable | Unavailable]:
        """What the source brings, each under its key; the de-identify stage (when asked)
        records refused series and studies with their reasons. Research studies (NIfTI)
        carry no header to de-identify and pass as they are."""
        deidentifier = self.options.deidentifier
        for item in self.source.studies(self.todo):
            key = self.options.key(item.study_instance_uid)
            if isinstance(item, Unavailable):
                if item.permanent and key in self.needs[0]:  # not one indexed already, only
                    self.not_indexable[key] = item.reason      # fetched to be measured again
                yield Unavailable(key, item.reason, item.permanent)
                continue
            if deidentifier is None or not isinstance(item, Study):
                yield item
                continue
            started = time.perf_counter()
            study, refused = deidentifier.study(item)
            stages = self.summary.stages
            stages["deidentify"] = stages.get("deidentify", 0.0) + time.perf_counter() - started
            self.summary.skipped += [{"path": self.where[key], "study": key, "reason": reason}
                                     for reason in refused]
            yield study if study is not None else Unavailable(key, "; ".join(refused))

    def jobs(self) -> Iterator[Job | Unavailable]:
        """Each brought study as a job saying which of its records are missing."""
        embed, measure = self.needs
        for item in self.studies():
            if isinstance(item, Unavailable):
                yield item
                continue
            uid = item.study_instance_uid
            self.kept[uid] = item
            yield Job(item, self.fingerprints[uid], uid in embed, uid in measure)

    def done(self, prepared: Prepared, usable: bool | None = None) -> bool:
        """Count one prepared study; False (and the study skipped) when it is unusable
        (`usable`: as judged where its clips were, when they stayed there)."""
        self.summary.measured += prepared.measured == "measured"
        self.summary.measure_failed += prepared.measured == "failed"
        if prepared.usable if usable is None else usable:
            for note in prepared.notes:
                self._noted(prepared.study_instance_uid, note)
            return True
        self.skip(prepared.study_instance_uid, prepared.error, prepared.embed)
        return False

    def _noted(self, key: str, note: str) -> None:
        """An indexed study of which reading left a view out (a damaged frame dropped its
        cine): said as a skip is, not only on the study page."""
        self.summary.notes.append({"path": self.where[key], "study": key, "reason": note})
        if self.options.deidentifier:  # the pseudonym, and no file of the archive
            logger.warning("study %s: %s", key, note_without_file(note))
        else:
            logger.warning("%s: %s", self.where[key], note)

    def release(self, key: str) -> None:
        """The source may let go of what it fetched for this study (embedded or not)."""
        self.source.release(self._original[key])

    def skip(self, key: str, reason: str, embed: bool = True) -> None:
        """A study that did not prepare: its reason in the summary and the log (its location
        only, no patient data); out of this run's index when it was to be embedded."""
        skipped = {"path": self.where[key], "study": key, "reason": reason}
        if key in self.not_indexable:  # a brain MR in the PACS is no failure
            skipped["outcome"] = "skipped"
        self.summary.skipped.append(skipped)
        # a de-identified run's log names the study by its pseudonym: a folder (or a PACS
        # study's own UID) beside it would undo the pseudonym
        shown = f"study {key}" if self.options.deidentifier else self.where[key]
        logger.warning("%s: %s", shown, reason)
        if embed:
            self.fingerprints.pop(key, None)
        self.release(key)
