"""Scan + clip assembly speed on an archive, with 1 and 2 worker processes, and where time goes.

Header time is wall time of the scan per study; decode and resample are CPU time per study
summed over workers.

Run: .venv/bin/python bench/scan_speed.py [--archive data/demo-archive] [--studies N]
(`make demo` builds the 200-study demo archive first.)
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cmr_search.settings import Settings
from cmrclip.clips import ClipSpec
from cmrclip.preprocess import Preprocess
from indexer.assemble import assemble_study
from reader.scan import Study, scan_archive


def _assemble(study: Study) -> dict[str, float]:
    timings: dict[str, float] = {}
    assemble_study(study, Preprocess(ClipSpec()), timings)
    return timings


def _run(archive: Path, workers: int, limit: int | None) -> dict[str, float]:
    started = time.perf_counter()
    result = scan_archive(archive, workers)
    studies = result.studies[:limit] if limit else result.studies
    scan_seconds = time.perf_counter() - started
    totals: dict[str, float] = {}
    started = time.perf_counter()
    if workers == 1:
        parts = [_assemble(s) for s in studies]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_assemble, studies, chunksize=2))
    assemble_seconds = time.perf_counter() - started
    for part in parts:
        for key, value in part.items():
            totals[key] = totals.get(key, 0.0) + value
    n = len(studies)
    wall = scan_seconds * n / max(len(result.studies), 1) + assemble_seconds
    return {
        "studies": n, "wall": wall, "per_s": n / wall,
        "header_read": result.seconds["header_read"] / max(len(result.studies), 1) * 1000,
        "pixel_decode": totals.get("pixel_decode", 0.0) / n * 1000,
        "resample": totals.get("resample", 0.0) / n * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", type=Path, default=Settings().layout.demo_archive)
    parser.add_argument("--studies", type=int, default=None, help="assemble only the first N")
    args = parser.parse_args()
    if not args.archive.is_dir():
        raise SystemExit(f"{args.archive}: no archive there (run `make demo` first)")
    # read every file once so both runs find it in the page cache (a cold first run measures
    # the disk, not the reader)
    scan_archive(args.archive, workers=2)
    table = Table(title=f"scan + clip assembly, warm cache: {args.archive}")
    for column in ("workers", "studies", "wall s", "studies/s", "headers ms/st",
                   "decode ms/st", "resample ms/st"):
        table.add_column(column, justify="right")
    for workers in (1, 2):
        r = _run(args.archive, workers, args.studies)
        table.add_row(str(workers), str(int(r["studies"])), f"{r['wall']:.1f}",
                      f"{r['per_s']:.2f}", f"{r['header_read']:.0f}",
                      f"{r['pixel_decode']:.0f}", f"{r['resample']:.0f}")
    Console().print(table)


if __name__ == "__main__":
    main()
