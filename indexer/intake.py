"""The studies one index run embeds, as every engine takes them: keyed by the UID each is
indexed under (its pseudonym when de-identifying), through the de-identify stage, with the
one way a study is skipped and the one way the source lets go of it.

Both engines (`pipeline.LocalEngine`, `ray_engine.RayEngine`) read their studies here, so a
de-identified run leaves this machine pseudonymous whichever engine embeds it: what reaches a
worker process or a Ray node is the de-identified study.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from indexer.sources import Candidate, StudySource, Unavailable
from reader.scan import Study

if TYPE_CHECKING:
    from indexer.pipeline import IndexOptions, IndexSummary

logger = logging.getLogger(__name__)


class Intake:
    """The studies of `todo` from `source`, under the keys of `fingerprints`."""

    def __init__(self, todo: list[Candidate], source: StudySource,
                 fingerprints: dict[str, str], options: IndexOptions,
                 summary: IndexSummary) -> None:
        self.todo, self.source, self.fingerprints = todo, source, fingerprints
        self.options, self.summary = options, summary
        self._original = {options.key(c.study_instance_uid): c.study_instance_uid
                          for c in todo}
        self.where = {options.key(c.study_instance_uid): c.location for c in todo}

    def studies(self) -> Iterator[Study | Unavailable]:
        """What the source brings, each under its key; the de-identify stage (when asked)
        records refused series and studies with their reasons."""
        deidentifier = self.options.deidentifier
        for item in self.source.studies(self.todo):
            key = self.options.key(item.study_instance_uid)
            if isinstance(item, Unavailable):
                yield Unavailable(key, item.reason)
                continue
            if deidentifier is None:
                yield item
                continue
            started = time.perf_counter()
            study, refused = deidentifier.study(item)
            stages = self.summary.stages
            stages["deidentify"] = stages.get("deidentify", 0.0) + time.perf_counter() - started
            self.summary.skipped += [{"path": self.where[key], "reason": reason}
                                     for reason in refused]
            yield study if study is not None else Unavailable(key, "; ".join(refused))

    def release(self, key: str) -> None:
        """The source may let go of what it fetched for this study (embedded or not)."""
        self.source.release(self._original[key])

    def skip(self, key: str, reason: str) -> None:
        """A study that did not embed: its reason in the summary and the log (its location
        only, no patient data), out of this run's index."""
        self.summary.skipped.append({"path": self.where[key], "reason": reason})
        logger.warning("%s: %s", self.where[key], reason)
        self.fingerprints.pop(key)
        self.release(key)
