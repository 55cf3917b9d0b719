"""What an index run tells: the summary on the operator's terminal, the run report kept in the
data folder (without identifiers when the run de-identifies), and the exit status a night's
monitoring reads."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from cli.common import console

_SHOWN_SKIPS = 10  # a folder's skipped studies and files listed on the terminal


def summary_table(summary: dict[str, Any], report: Path) -> None:
    out = Console()
    table = Table(title="index run", show_header=False)
    # failed: a PACS's studies that could not be brought (tried again at the next run);
    # skipped: what holds nothing to index. An outage's studies read "skipped" before
    for key in ("indexed", "unchanged", "measured", "measure_failed", "failed", "skipped",
                "views_left_out", "studies_in_index", "seconds"):
        value = summary.get(key, 0)
        table.add_row(key, "unchanged (not published)" if value is None else str(value))
    for stage, seconds in summary["stages"].items():
        table.add_row(f"  {stage} (s)", f"{seconds:.1f}")
    for stage, seconds in (summary["source"].get("seconds") or {}).items():
        table.add_row(f"  PACS {stage} (s, all fetch threads)", f"{seconds:.1f}")
    out.print(table)
    for word in ("failed", "skipped"):  # a report of an earlier release has no failed_by_
        counts = summary.get(f"{word}_by_reason") or {}
        for reason, count in sorted(counts.items(), key=lambda x: -x[1]):
            out.print(f"{word:7s} {count:5d}  {reason}", highlight=False)
    # which studies or files, and why: a folder said "skipped 2  NiftiError" and no more.
    # A PACS's failures are listed whole (each is tried again); what holds nothing to index
    # (a folder's junk files, a PACS's brain MRs) is no failure, and the first few do.
    items = summary["skipped_items"]
    from indexer.summary import is_failure  # loaded already: the run has just ended

    bad = [is_failure(i, bool(summary["source"])) for i in items]
    failed = [("failed ", i) for i, b in zip(items, bad, strict=True) if b]
    skipped = [("skipped", i) for i, b in zip(items, bad, strict=True) if not b]
    shown = failed + skipped[:_SHOWN_SKIPS]
    for word, item in shown:
        out.print(f"{word} {item['path']}: {item['reason']}", highlight=False,
                  soft_wrap=True)  # one line each, whatever the terminal's width
    if len(shown) < len(items):
        out.print(f"... and {len(items) - len(shown)} more in the run report")
    notes = summary.get("views_left_out_items", [])
    for item in notes[:_SHOWN_SKIPS]:  # indexed, but without a view it holds
        out.print(f"view left out {item['path']}: {item['reason']}", highlight=False,
                  soft_wrap=True)
    if len(notes) > _SHOWN_SKIPS:
        out.print(f"... and {len(notes) - _SHOWN_SKIPS} more views left out in the run report")
    if summary["source"]:  # a PACS: what fetching cost
        fetched = summary["source"]
        out.print(f"fetched {fetched['studies_fetched']} studies, {fetched['series_fetched']} "
                  f"series ({fetched['series_not_fetched']} left in the PACS), "
                  f"{fetched['bytes_fetched'] / 1e6:.1f} MB from {fetched['source']}")
    published = summary["published"]
    if published:
        # a run that indexed nothing new said "published" and not why (the labeler changed)
        why = f" ({published['why']})" if published.get("why") else ""
        state = f"published{why}" if published["changed"] else "unchanged, nothing to publish"
        out.print(f"index {published['target']}: {published['points']} points, {state}",
                  highlight=False, soft_wrap=True)
    console.print(f"run report: {report}")




@contextmanager
def uids_redacted(deidentified: bool) -> Iterator[None]:
    """While a de-identified run lasts, its log without real DICOM UIDs (pseudonyms stay);
    the handlers as they were after it (in a process that goes on: a test, a notebook)."""
    from indexer.deidentify import UidRedactor

    handlers = list(logging.getLogger().handlers) if deidentified else []
    redactor = UidRedactor()
    for handler in handlers:
        handler.addFilter(redactor)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(redactor)




def _without_file(reason: str) -> str:
    """A skip reason without the file inside the study it ends with ("truncated pixel data:
    SMITH_JOHN_1954/IM1.dcm", `indexer.prepare.failure_reason`): a token after the last ": "
    with no blank, and a path's slash, a dot or a digit, is a file's name."""
    head, sep, tail = reason.rpartition(": ")
    named = sep and tail and not any(c.isspace() for c in tail) \
        and any(c in "/." or c.isdigit() for c in tail)
    return head if named else reason


def withheld(result: dict[str, Any]) -> dict[str, Any]:
    """A de-identified run's report as it is kept in the data folder: studies named by their
    pseudonym (as in the index), files of the archive not named at all. A folder or file name
    holds what the run took out ("SMITH_JOHN_1954/"), and so does a PACS study's own UID; the
    terminal, the operator's, shows them."""
    from catalog import without_paths
    from indexer.deidentify import without_uids
    from indexer.prepare import note_without_file

    def hidden(item: dict[str, str]) -> dict[str, str]:
        where = f"study {item['study']}" if "study" in item else "a file of the archive"
        reason = without_paths(item["reason"], [Path(item["path"])])
        return {**{k: v for k, v in item.items() if k != "study"}, "path": where,
                "reason": without_uids(_without_file(reason))}

    # the reasons' counts and the run's error name what came short by its real UID too
    def by_reason(counts: dict[str, int]) -> dict[str, int]:
        out: dict[str, int] = {}
        for reason, count in counts.items():
            out[without_uids(reason)] = out.get(without_uids(reason), 0) + count
        return out

    return {**result, "skipped_items": [hidden(i) for i in result["skipped_items"]],
            "views_left_out_items": [{**hidden(i), "reason": note_without_file(i["reason"])}
                                     for i in result.get("views_left_out_items", [])],
            "skipped_by_reason": by_reason(result["skipped_by_reason"]),
            **({"failed_by_reason": by_reason(result["failed_by_reason"])}
               if "failed_by_reason" in result else {}),
            **({"error": without_uids(result["error"])} if "error" in result else {})}




def records_lost(result: dict[str, Any]) -> str | None:
    """Why a run that published is an alarm all the same: studies whose embedding records
    were damaged are out of this index until the next run embeds them again (their
    `.damaged` files are there to look into until then)."""
    lost = result.get("records_unreadable") or 0
    return (f"{lost} studies' embedding records were damaged: they are left out of this "
            "index and set aside (.damaged), and the next run of their archive embeds them "
            "again and removes what was set aside") if lost else None


def nothing_brought(result: dict[str, Any]) -> str | None:
    """Why a PACS run brought nothing, or None: every study it listed failed (the PACS went
    down after listing, a wrong setting, a full cache) and none was indexed or is unchanged.
    A night's monitoring reads the exit status; a run that only found what holds nothing to
    index (brain MRs) or had some failures among successes is no alarm (they are tried again)."""
    if not result["source"] or not result["failed"] or result["indexed"] or result["unchanged"]:
        return None
    first = next(i for i in result["skipped_items"] if i.get("outcome") != "skipped")
    # the others held nothing to index: "none of the 3 studies" said of a listing of 5
    others = f"; {result['skipped']} more it listed hold nothing to index" \
        if result["skipped"] else ""
    return (f"none of the {result['failed']} studies the PACS listed could be brought "
            f"(the first: {first['reason'][:200]}); they are tried again at the next "
            f"run{others}")
