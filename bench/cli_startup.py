"""How long a `cmr-search` command takes before it does anything, side by side with what the
training commands pay for the networks (torch, MONAI, torchio), and which of those load.

Each row is a fresh interpreter, `--runs` times; the table shows the median and the range.

Run: .venv/bin/python bench/cli_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "monai", "torchio", "transformers")
CASES = {
    "import cli.main (every command, --help too)": "import cli.main",
    "cmr-search --help": "import sys; sys.argv = ['cmr-search', '--help']\n"
                         "from cli.main import main\ntry:\n    main()\nexcept SystemExit:\n"
                         "    pass",
    "import cli.seg_recipes (train-seg, calibrate-seg)": "import cli.seg_recipes",
}


def _once(code: str) -> tuple[float, list[str]]:
    probe = (f"{code}\nimport json, sys\nprint('LOADED', json.dumps([m for m in {HEAVY!r} "
             "if m in sys.modules]), file=sys.stderr)")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    seconds = time.perf_counter() - started
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED"))
    return seconds, list(json.loads(line[len("LOADED "):]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    table = Table(title=f"command-line start-up (fresh interpreter, {args.runs} runs)")
    for column in ("what", "median s", "min-max s", "networks loaded"):
        table.add_column(column)
    for name, code in CASES.items():
        runs = [_once(code) for _ in range(args.runs)]
        times = [t for t, _ in runs]
        table.add_row(name, f"{statistics.median(times):.2f}",
                      f"{min(times):.2f}-{max(times):.2f}", ", ".join(runs[0][1]) or "none")
    Console().print(table)


if __name__ == "__main__":
    main()
