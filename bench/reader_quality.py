"""Reader quality on an archive with ground truth: view accuracy, report matching, and the
report labeler's agreement per finding. With ../shared/data/acdc present, also writes a montage
of real ACDC studies after preprocessing to data/bench/acdc_clips.png (not for shipping).

Run: .venv/bin/python bench/reader_quality.py [--archive data/demo-archive]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from cmr_search.settings import Settings
from cmr_search.vocab import CINE_SLOTS, SAX_SLOTS, Finding, View
from cmrclip.clips import ClipSpec
from cmrclip.preprocess import clips_from_stacks
from indexer.previews import render_preview
from phantom.archive import GROUND_TRUTH
from reader.labeler import Mention, label_findings
from reader.locate import heart_center
from reader.nifti import acdc_stacks, find_acdc
from reader.scan import scan_archive
from reader.stack import load_stack

ACDC = Path(__file__).resolve().parents[2] / "shared" / "data" / "acdc" / "training"


def _views(result: object, truth: dict[str, str]) -> tuple[int, int, Counter[tuple[str, str]]]:
    right = total = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for study in result.studies:  # type: ignore[attr-defined]
        for series in study.series:
            expected = truth.get(series.series_instance_uid)
            got = study.views[series.series_instance_uid].value
            total += 1
            right += expected == got
            if expected != got:
                confusion[(str(expected), got)] += 1
    return right, total, confusion


def _labeler_table(result: object, records: dict[str, dict[str, object]]) -> Table:
    counts: dict[Finding, Counter[tuple[bool, bool]]] = {f: Counter() for f in Finding}
    seconds, reports = 0.0, 0
    for study in result.studies:  # type: ignore[attr-defined]
        if study.report is None:
            continue
        truth = records[study.study_instance_uid]["findings"]
        started = time.perf_counter()
        labels = label_findings(study.report.impression, study.report.text)
        seconds, reports = seconds + time.perf_counter() - started, reports + 1
        for finding, label in labels.items():
            positive = truth[finding.value] != "none"  # type: ignore[index]
            said = label.mention in (Mention.POSITIVE, Mention.UNCERTAIN)
            counts[finding][(positive, said)] += 1
    table = Table(title="report labeler vs ground truth (positive or uncertain = positive; "
                  f"{1000 * seconds / max(reports, 1):.1f} ms per report)")
    for column in ("finding", "accuracy", "sensitivity", "specificity", "n"):
        table.add_column(column, justify="right")
    for finding, c in counts.items():
        n = sum(c.values())
        pos, neg = c[(True, True)] + c[(True, False)], c[(False, False)] + c[(False, True)]
        table.add_row(finding.value, f"{(c[(True, True)] + c[(False, False)]) / n:.3f}",
                      f"{c[(True, True)] / pos:.3f}" if pos else "-",
                      f"{c[(False, False)] / neg:.3f}" if neg else "-", str(n))
    return table


def _acdc_montage(out: Path) -> int:
    studies = find_acdc(ACDC)
    rows = []
    for study in studies[::5]:
        clips = clips_from_stacks(acdc_stacks(study), ClipSpec())
        tiles = [clips.cine[CINE_SLOTS.index(s), k] for s in SAX_SLOTS for k in (0, 6)]
        rows.append(np.concatenate([t.astype(np.float32) for t in tiles], axis=1))
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((np.concatenate(rows) * 255).astype(np.uint8)).save(out)
    return len(rows)


def _preview_stats(result: object, folder: Path, n: int = 20) -> str:
    """Size and encoding time of the short-axis preview for the first `n` studies."""
    sizes, times, frames = [], [], []
    for study in result.studies[:n]:  # type: ignore[attr-defined]
        series = study.series_for(View.SAX_CINE)[0]
        stack = load_stack(series).base_to_apex()
        mid = stack.images.shape[0] // 2
        center = heart_center(stack, mid)
        started = time.perf_counter()
        preview = render_preview(stack, mid, center, folder, study.study_instance_uid)
        times.append(time.perf_counter() - started)
        sizes.append(preview.animation.stat().st_size)
        frames.append(stack.images.shape[1])
    return (f"previews ({n} studies, {np.mean(frames):.0f} frames at 112 px): "
            f"{np.mean(sizes) / 1000:.1f} KB mean, {np.median(times) * 1000:.0f} ms median "
            "(crop + resample + WebP encode)")


def _records(archive: Path) -> dict[str, dict[str, Any]]:
    """The archive's ground truth by study; without it, one line naming the folder and how to
    make it (it was a 10-line traceback ending in FileNotFoundError)."""
    truth = archive / GROUND_TRUTH
    if not truth.is_file():
        sys.exit(f"reader_quality: {archive} holds no {GROUND_TRUTH} (a synthetic archive's "
                 f"ground truth): make one with `cmr-search synth {archive}` (or `make demo`), "
                 "or name another with --archive")
    lines = truth.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["study_instance_uid"]: json.loads(line) for line in lines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", type=Path, default=Settings().layout.demo_archive)
    args = parser.parse_args()
    records = _records(args.archive)
    truth = {uid: view for r in records.values() for uid, view in r["series"].items()}
    result = scan_archive(args.archive, workers=2)
    console = Console()
    right, total, confusion = _views(result, truth)
    console.print(f"view accuracy: {right}/{total} = {right / total:.4f}  "
                  f"errors: {dict(confusion.most_common(5))}")
    with_report = [r for r in records.values() if r["report_format"] != "none"]
    matched = sum(s.report is not None for s in result.studies)
    console.print(f"reports matched: {matched} of {len(with_report)} studies that have one")
    console.print(_labeler_table(result, records))
    with tempfile.TemporaryDirectory() as tmp:
        console.print(_preview_stats(result, Path(tmp)))
    if ACDC.is_dir():
        out = Settings().layout.bench / "acdc_clips.png"
        console.print(f"ACDC montage of {_acdc_montage(out)} patients: {out}")


if __name__ == "__main__":
    main()
