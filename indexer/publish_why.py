"""Why a publish changed the index: what a run publishes when it indexed nothing new.

A run that embedded no study republishes all the same when the calibration, the report
labeler (its reports are read again), the measurements or the studies held changed since the
index was published (an earlier run embedded studies and stopped before publishing them).
Said as "published" alone, it read as a needless rebuild.
"""

from __future__ import annotations

import hashlib
from typing import Any

# each part of a generation's content, recorded with it, and how its change is said
_SAID = {"report_version": "the report labeler changed, its reports read again",
         "calibration": "the calibration changed",
         "measured": "the measurements changed"}


def content_parts(fingerprints: dict[str, str], calibration: str, report: str,
                  measured: str) -> dict[str, Any]:
    """What a generation holds, part by part (its metadata's `content_parts`): the studies
    (a digest of their fingerprints, and how many), the calibration's digest, the report
    labeler's version and the measurements' digest."""
    h = hashlib.sha256()
    for uid, fingerprint in sorted(fingerprints.items()):
        h.update(f"{uid}:{fingerprint}\n".encode())
    return {"studies": h.hexdigest()[:16], "study_count": len(fingerprints),
            "calibration": calibration, "report_version": report,
            "measured": hashlib.sha256(measured.encode()).hexdigest()[:16]}


def why_edge(published: dict[str, Any] | None, parts: dict[str, Any], rebuild: bool) -> str:
    """Why a new generation is built over `published` (the live one's metadata, None when
    there is none), in words for the run's summary, from the metadata alone: counting the
    studies that changed opened the published shard (every part of a large index) and
    scrolled every point just to word this, while the web server read it."""
    if published is None:
        return "a new index"
    if rebuild:
        return "--rebuild"
    before = published.get("content_parts")
    if not isinstance(before, dict):
        return "the index published was built by an earlier release"
    said = []
    if before.get("studies") != parts["studies"]:
        said.append(_studies(before.get("study_count"), parts["study_count"]))
    said += [text for key, text in _SAID.items() if before.get(key) != parts[key]]
    return "; ".join(said) or "its content changed"


def _studies(before: Any, now: int) -> str:
    if before != now:
        return f"the studies changed, {before} published and {now} now"
    # "the studies changed since it was published, 11 of them" was said of 1 study changed:
    # how many is the run's "indexed" count (and an interrupted run's, published now)
    if now == 1:
        return "its one study changed since it was published"
    return "some of its studies changed since it was published"


def why_server(new: int, changed: int, stale: int, fresh: bool, rebuild: bool) -> str:
    """Why points were written to a server's collection: `new` studies it did not hold,
    `changed` whose study changed, `stale` whose calibration, measurements or report labeler
    changed; `fresh`: the collection is built whole (a new index or a rebuild)."""
    if fresh:
        return "--rebuild" if rebuild else "a new index"
    said = [f"{n} {what}" for n, what in ((new, "studies new to the index"),
                                          (changed, "studies changed"),
                                          (stale, "points whose calibration, measurements or "
                                                  "report labeler changed")) if n]
    return "; ".join(said)
