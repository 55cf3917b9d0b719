"""The index run's summary on the terminal: which studies or files failed, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.index import _summary_table


def _summary(skipped: int) -> dict[str, object]:
    items = [{"path": f"/archive/patient{i:03d}", "reason": "NiftiError: missing frame"}
             for i in range(skipped)]
    return {"indexed": 1, "unchanged": 0, "measured": 0, "measure_failed": 0,
            "skipped": skipped, "studies_in_index": 1, "seconds": 1.0, "stages": {},
            "source": {}, "skipped_by_reason": {"NiftiError": skipped},
            "skipped_items": items, "published": None}


def test_a_folders_skipped_studies_are_named_with_their_reason(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """It said "skipped 2  NiftiError" and no more: the reasons were in the run report only."""
    _summary_table(_summary(2), tmp_path / "run.json")
    out = capsys.readouterr().out
    assert "skipped /archive/patient001: NiftiError: missing frame" in out
    _summary_table(_summary(25), tmp_path / "run.json")
    out = capsys.readouterr().out
    assert out.count("\nskipped /archive") == 10 and "... and 15 more in the run report" in out
