"""What an index run did, for the terminal, the JSON summary and the run report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reader.discover import reason_class
from reader.scan import NO_CINE


def is_failure(skipped: dict[str, str], from_pacs: bool) -> bool:
    """A PACS's study that could not be brought (tried again at the next run); a folder's
    junk file, or a study holding nothing to index, is no failure."""
    return from_pacs and skipped.get("outcome") != "skipped"


def holds_a_study(skipped: list[dict[str, str]]) -> bool:
    """Whether a folder's skips name a study read whole that has nothing to index (a brain MR
    with no cine): such a folder is no mistyped archive, as a PACS night without a cardiac
    study is no fault. "no DICOM or NIfTI study found" said of it was false."""
    return any(s["reason"].startswith(NO_CINE) for s in skipped)


def skipped_counts(skipped: list[dict[str, str]]) -> str:
    """What was skipped, by reason, most first ("skipped 3: 2 not DICOM (no DICM marker), 1
    study has no cine series"), or that nothing was."""
    if not skipped:
        return "it holds no file to read"
    reasons = Counter(reason_class(s["reason"]) for s in skipped)
    shown = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common(5))
    more = ", ..." if len(reasons) > 5 else ""
    return f"skipped {len(skipped)}: {shown}{more}"


def _by_reason(items: list[dict[str, str]]) -> dict[str, int]:
    return dict(Counter(reason_class(s["reason"]) for s in items))


@dataclass
class IndexSummary:
    indexed: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    studies_found: int = 0
    # None until published: an interrupted run said 0 while the index it left held them all
    studies_in_index: int | None = None
    published: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    source: dict[str, Any] = field(default_factory=dict)
    measured: int = 0
    measure_failed: int = 0
    # views reading left out of indexed studies (frames that cannot be decoded):
    # {"path", "study", "reason"}, as a skipped item is
    notes: list[dict[str, str]] = field(default_factory=list)
    # studies whose embedding records were damaged: left out of this index, embedded again
    # by the next run
    records_unreadable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        # a PACS's failures (an outage, a transfer cut: tried again) apart from what holds
        # nothing to index: a run whose PACS went down reported its failures as skipped too
        from_pacs = bool(self.source)
        items = [{**s, "outcome": "failed"} if is_failure(s, from_pacs) else s
                 for s in self.skipped]
        failed = [s for s in items if s.get("outcome") == "failed"]
        skipped = [s for s in items if s.get("outcome") != "failed"]
        return {"indexed": self.indexed, "unchanged": self.unchanged,
                "skipped": len(skipped), "failed": len(failed),
                "skipped_by_reason": _by_reason(skipped),
                "failed_by_reason": _by_reason(failed),
                # every study or file not indexed, each with its outcome when it failed
                "skipped_items": items, "studies_found": self.studies_found,
                "studies_in_index": self.studies_in_index, "seconds": round(self.seconds, 2),
                "stages": {k: round(v, 2) for k, v in self.stages.items()},
                "published": self.published, "interrupted": self.interrupted,
                "source": self.source, "measured": self.measured,
                "measure_failed": self.measure_failed, "views_left_out": len(self.notes),
                "views_left_out_items": self.notes,
                "records_unreadable": len(self.records_unreadable)}
