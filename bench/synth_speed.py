"""Synthetic archive generation: studies per second with 1 and 2 workers, and size per study.

Run: .venv/bin/python bench/synth_speed.py [--studies 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from phantom.archive import SynthConfig, generate_archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--seed", type=int, default=123)
    args = parser.parse_args()
    table = Table(title=f"cmr-search synth, {args.studies} studies")
    for column in ("workers", "seconds", "studies/s", "projected 200 studies (s)",
                   "MB/study", "largest study (MB)"):
        table.add_column(column, justify="right")
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "archive"
            started = time.perf_counter()
            summary = generate_archive(SynthConfig(out, args.studies, args.seed, workers=workers))
            seconds = time.perf_counter() - started
            largest = max(sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
                          for d in out.glob("*/*") if d.is_dir())
            table.add_row(str(workers), f"{seconds:.1f}", f"{args.studies / seconds:.2f}",
                          f"{200 * seconds / args.studies:.0f}", f"{summary.mb_per_study:.1f}",
                          f"{largest / 1e6:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
