"""Indexing from a PACS against the same studies from a folder, side by side in one run.

    .venv/bin/python bench/pacs_index.py [--studies 8] [--workers 2] [--dimse]

Builds a synthetic archive, loads it into a real Orthanc (Debian's `orthanc` and
`orthanc-dicomweb`, on free loopback ports, in a temporary folder) through its REST API, then
indexes it with the demo model three ways, each into a fresh data folder: from the folder, from
Orthanc over DICOMweb, and (with --dimse) over DIMSE C-FIND + C-GET. Prints studies per minute,
the seconds of the PACS stages, and the bytes fetched per study against the bytes of the whole
study (the win from fetching only the series the model and previews need).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's packages
sys.path.append(str(ROOT / "tests"))  # the Orthanc runner and the in-memory PACS of the tests

from fakes.orthanc import Orthanc, missing  # noqa: E402
from fakes.pacs import FakePacs  # noqa: E402

from cmr_search.layout import DataLayout  # noqa: E402
from cmr_search.settings import Settings  # noqa: E402
from cmrclip.checkpoint import DEMO_CHECKPOINT  # noqa: E402
from cmrclip.inference import Encoder  # noqa: E402
from indexer.pipeline import IndexOptions, run_index  # noqa: E402
from indexer.sources import FolderSource, PacsSource  # noqa: E402
from indexer.summary import IndexSummary  # noqa: E402
from pacs import PacsAddress, open_pacs  # noqa: E402
from phantom.archive import SynthConfig, generate_archive  # noqa: E402
from phantom.study import ReportFormat  # noqa: E402
from vectorstore import Generations  # noqa: E402

# failed: a PACS's studies that could not be brought (tried again by the next run); skipped:
# files or studies with nothing to index (the one column counted both)
COLUMNS = ("source", "indexed", "failed (studies to try again)",
           "skipped (files or studies, nothing to index)", "seconds", "studies/min",
           "MB series fetched/study", "MB received/study (with metadata)", "MB whole study",
           "fetched share", "PACS s: query / select / fetch / read")


def _run(source: Any, data: Path, encoder: Encoder, workers: int) -> tuple[IndexSummary, float]:
    started = time.perf_counter()
    summary = run_index(source, DataLayout(data), encoder, Generations(data / "index"),
                        IndexOptions(workers=workers))
    return summary, time.perf_counter() - started


def _pacs(address: str, data: Path, concurrency: int) -> PacsSource:
    settings = Settings(data_dir=data, pacs_rate_limit=0, pacs_concurrency=concurrency,
                        pacs_ae_title="CMRSEARCH")
    return PacsSource(open_pacs(PacsAddress.parse(address), settings, DataLayout(data)),
                      concurrency)


def _row(name: str, summary: IndexSummary, seconds: float, whole: float) -> str:
    n = summary.indexed
    fetched = summary.source.get("bytes_fetched")
    received = summary.source.get("bytes_received")
    per_study = f"{fetched / n / 1e6:.2f}" if fetched is not None and n else "(reads all)"
    all_in = f"{received / n / 1e6:.2f}" if received is not None and n else "-"
    share = f"{fetched / n / whole:.0%}" if fetched is not None and n else "100%"
    stages = summary.source.get("seconds", {})
    pacs_s = " / ".join(f"{stages.get(k, 0):.1f}" for k in ("query", "select", "fetch",
                                                           "read")) if stages else "-"
    counts = summary.as_dict()  # a PACS's failures apart from what holds nothing to index
    return (f"| {name} | {n} | {counts['failed']} | {counts['skipped']} | {seconds:.1f} | "
            f"{60 * n / seconds:.1f} | {per_study} | {all_in} | {whole / 1e6:.2f} | {share} | "
            f"{pacs_s} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--studies", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--dimse", action="store_true", help="also index over DIMSE C-GET")
    args = parser.parse_args()
    if (reason := missing()) is not None:
        sys.exit(f"cannot run Orthanc: {reason}")
    encoder = Encoder.from_checkpoint(DEMO_CHECKPOINT)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = root / "archive"
        generate_archive(SynthConfig(archive, args.studies, seed=41,
                                     report_format=ReportFormat.SR, workers=args.workers))
        files = FakePacs(archive).instances
        whole = sum(i.path.stat().st_size for items in files.values() for i in items)
        orthanc = Orthanc(root / "orthanc")
        orthanc.start()
        try:
            started = time.perf_counter()
            orthanc.upload([i.path for items in files.values() for i in items])
            load_s = time.perf_counter() - started
            runs = [("folder", FolderSource(archive), root / "d-folder"),
                    ("Orthanc DICOMweb", _pacs(orthanc.dicomweb, root / "d-web",
                                               args.concurrency), root / "d-web")]
            if args.dimse:
                runs.append(("Orthanc DIMSE C-GET", _pacs(orthanc.dimse, root / "d-dimse",
                                                          args.concurrency), root / "d-dimse"))
            rows = []
            for name, source, data in runs:
                summary, seconds = _run(source, data, encoder, args.workers)
                rows.append(_row(name, summary, seconds, whole / len(files)))
        finally:
            orthanc.close()
    print(f"{len(files)} studies, {whole / 1e6:.1f} MB; loaded into Orthanc in {load_s:.1f} s; "
          f"{args.workers} workers, PACS concurrency {args.concurrency}\n")
    print(f"| {' | '.join(COLUMNS)} |")
    print(f"|{'---|' * len(COLUMNS)}")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
