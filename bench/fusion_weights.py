"""The image signal's weight in "more like this", chosen on a synthetic validation archive.

"More like this" fuses the video vector (weight `weight_examples`) with the measurement vector
(`weight_measures`, 1) by weighted reciprocal rank fusion. This prints, for each image weight,
study-to-study precision@5 by diagnosis and 5-nearest-neighbour accuracy (majority of the top
5) in the images mode (video and measurements: an archive without reports, as a research
archive is) and in the fused mode (with the reports). Real data is never used to choose.

    cmr-search synth /tmp/val --studies 200 --seed 404
    CMR_SEARCH_DATA_DIR=/tmp/val-data cmr-search index /tmp/val
    CMR_SEARCH_DATA_DIR=/tmp/val-data python bench/fusion_weights.py --archive /tmp/val
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from statistics import mean

from rich.console import Console
from rich.table import Table

from cmr_search.settings import Settings
from search import Mode, Page, SearchEngine, SimilarRequest
from search.factory import open_engine

GRID = (0.0, 0.3, 0.5, 1.0, 2.0)
K = 5


def ground_truth(archive: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in
            (archive / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()]
    return {row["study_instance_uid"]: row["diagnosis"] for row in rows}


def scores(engine: SearchEngine, truth: dict[str, str], mode: Mode
           ) -> tuple[dict[str, float], float]:
    """precision@5 per diagnosis (and "all"), 5-NN accuracy."""
    by: dict[str, list[float]] = defaultdict(list)
    right = 0
    for uid, diagnosis in truth.items():
        found = engine.similar(SimilarRequest(positive=[uid], mode=mode, page=Page(limit=K)))
        groups = [truth.get(r.study_instance_uid, "?") for r in found.results][:K]
        by[diagnosis].append(sum(g == diagnosis for g in groups) / K)
        vote = Counter(groups).most_common(1)
        right += int(bool(vote) and vote[0][0] == diagnosis)
    out = {d: mean(v) for d, v in sorted(by.items())}
    out["all"] = mean(v for values in by.values() for v in values)
    return out, right / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="the synthetic archive "
                        "(its ground_truth.jsonl names each study's diagnosis)")
    args = parser.parse_args()
    console = Console(width=160)
    truth = ground_truth(args.archive)
    base = open_engine(Settings())
    for mode in (Mode.IMAGES, Mode.BOTH):
        results = {}
        for weight in GRID:
            engine = SearchEngine(base.store, base.encoder, replace(base.weights, examples=weight))
            results[weight] = scores(engine, truth, mode)
        diagnoses = [d for d in next(iter(results.values()))[0] if d != "all"]
        table = Table(title=f"study-to-study precision@{K} by diagnosis, {mode.value} mode "
                            f"(measures weight {base.weights.measures:g}, n={len(truth)})")
        for column in ("image weight", *diagnoses, "all", f"{K}-NN acc"):
            table.add_column(column, justify="left" if column == "image weight" else "right")
        for weight, (p, accuracy) in results.items():
            table.add_row(f"{weight:g}", *(f"{p[d]:.2f}" for d in diagnoses),
                          f"{p['all']:.3f}", f"{accuracy:.3f}")
        console.print(table)


if __name__ == "__main__":
    main()
