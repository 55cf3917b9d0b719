"""bench/reader_quality.py without its archive: one line saying how to make it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("named", [False, True])
def test_a_missing_archive_is_one_line_naming_it_and_how_to_make_it(
        tmp_path: Path, named: bool) -> None:
    """It was a 10-line traceback ending in FileNotFoundError."""
    archive = tmp_path / ("elsewhere" if named else "demo-archive")
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "reader_quality.py"),
         *(["--archive", str(archive)] if named else [])],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "CMR_SEARCH_DATA_DIR": str(tmp_path)})
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.splitlines() == [
        f"reader_quality: {archive} holds no ground_truth.jsonl (a synthetic archive's ground "
        f"truth): make one with `cmr-search synth {archive}` (or `make demo`), or name another "
        "with --archive"]
