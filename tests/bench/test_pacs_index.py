"""bench/pacs_index.py's table: a PACS's failed studies apart from what was skipped."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from indexer.summary import IndexSummary

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_pacs_index",
                                                  ROOT / "bench" / "pacs_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_failed_and_skipped_studies_have_a_column_each() -> None:
    """The failures of a PACS (an outage, a transfer cut: tried again) were counted in the
    "skipped" column, with what holds nothing to index."""
    bench = _bench()
    summary = IndexSummary(indexed=3, source={"bytes_fetched": 3e6, "seconds": {"fetch": 1.0}},
                           skipped=[{"path": "1.2.3", "study": "1.2.3", "reason": "timed out"},
                                    {"path": "1.2.4", "study": "1.2.4", "reason": "timed out"},
                                    {"path": "1.2.5", "study": "1.2.5", "outcome": "skipped",
                                     "reason": "study has no cine series"}])
    cells = bench._row("Orthanc DICOMweb", summary, 6.0, 2e6).strip("|").split(" | ")
    assert len(cells) == len(bench.COLUMNS)
    shown = dict(zip(bench.COLUMNS, (c.strip() for c in cells), strict=True))
    assert shown["indexed"] == "3" and shown["failed (studies to try again)"] == "2"
    assert shown["skipped (files or studies, nothing to index)"] == "1"
    assert shown["seconds"] == "6.0" and shown["studies/min"] == "30.0"
