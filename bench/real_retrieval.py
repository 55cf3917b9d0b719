"""Real-data retrieval through the product's own index and engine (ACDC, EVALUATION ONLY).

`cmr-search index` runs on ../shared/data/acdc (50 patients, 5 diagnosis groups, no reports)
with the committed CLIP checkpoint and segmentation model; then, through `SearchEngine`:
- filter precision and recall against the expert values (derived/acdc_volumes_ef_from_gt_50.csv:
  volumes, EF and mass from the expert masks; BSA from Info.cfg), with QC-flagged values left
  out (the product) and, for scale, with every measured value taken at its word;
- text-to-study precision@10 of five prompts ("dilated cardiomyopathy" -> DCM, ...);
- study-to-study precision@5 by diagnosis group (Info.cfg) and 5-nearest-neighbour accuracy,
  for images alone, measurements alone and both fused ("more like this"), and for the
  measurement vector built from the expert values (what a perfect segmentation would give:
  the CSV's values, and the expert masks measured by the product's own code, with wall
  thickness), and for query by upload (each patient's folder zipped, without its expert masks);
- which measurement's error costs "more like this" most (`expert_bound`: the indexed values
  with one group at a time taken from the expert masks).
The diagnosis groups are never indexed: they only score the rankings.

Run: .venv/bin/python bench/real_retrieval.py [--data-dir DIR] [--reuse] [--no-upload]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
from expert_bound import (
    expert_mask_values,
    indexed_values,
    scores_table,
    swap_rankings,
    swap_table,
    vector_ranking,
)
from rich.console import Console
from rich.table import Table

from cmr_search.settings import Settings
from cmr_search.vocab import Measure
from search import Mode, Page, SearchEngine, SearchFilters, SearchRequest, SimilarRequest
from search.factory import open_engine
from search.filters import parse_filters
from search.ranking import Weights

ROOT = Path(__file__).resolve().parents[1]
ACDC = ROOT.parent / "shared" / "data" / "acdc"
GROUPS = ("NOR", "MINF", "DCM", "HCM", "RV")
console = Console(width=150)

# filter -> (expert column, its test); the expert LVEDVi is the expert LVEDV over Info.cfg BSA
FILTERS: dict[str, tuple[str, Any]] = {
    "lvef=..40": ("lv_ef_pct", lambda v: v <= 40),
    "lvef=..35": ("lv_ef_pct", lambda v: v <= 35),
    "lvef=50..": ("lv_ef_pct", lambda v: v >= 50),
    "rvef=..40": ("rv_ef_pct", lambda v: v <= 40),
    "lv_edv_index=100..": ("lv_edv_index", lambda v: v >= 100),
    "rv_edv_index=110..": ("rv_edv_index", lambda v: v >= 110),
    "lv_mass=150..": ("lv_mass_ed_g", lambda v: v >= 150),
}
QUERIES = ("LVEF below 35 %", "EF < 40", "LV mass over 150 g", "LVEF 35 % or less",
           "LVEF below 35 or above 60")


def expert_values() -> dict[str, dict[str, Any]]:
    """acdc-<patient> -> expert measurements and group (never indexed)."""
    out = {}
    with (ACDC / "derived" / "acdc_volumes_ef_from_gt_50.csv").open() as handle:
        for row in csv.DictReader(handle):
            values: dict[str, Any] = {k: float(v) for k, v in row.items()
                                      if k.endswith(("_ml", "_pct", "_g", "_m2"))}
            values["lv_edv_index"] = values["lv_edv_ml"] / values["bsa_m2"]
            values["rv_edv_index"] = values["rv_edv_ml"] / values["bsa_m2"]
            values["group"] = row["group"]
            out[f"acdc-{row['patient']}"] = values
    return out


def build_index(data_dir: Path, reuse: bool) -> dict[str, Any]:
    """`cmr-search index` on ACDC through the command line (its summary as a dict)."""
    if reuse and (data_dir / "index").is_dir():
        return {"reused": str(data_dir)}
    env = {**os.environ, "CMR_SEARCH_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "cli", "index", str(ACDC), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"cmr-search index failed: {done.stderr.strip()[-500:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def _search(engine: SearchEngine, q: str, filters: SearchFilters) -> list[dict[str, Any]]:
    response = engine.search(SearchRequest(q=q, mode=Mode.IMAGES, filters=filters,
                                           page=Page(limit=100, per_patient=False)))
    return [{"uid": r.study_instance_uid, **r.measurements} for r in response.results]


def _scored(found: set[str], truth: set[str]) -> tuple[str, str]:
    precision = f"{len(found & truth) / len(found):.2f}" if found else "-"
    recall = f"{len(found & truth) / len(truth):.2f}" if truth else "-"
    return precision, recall


def filter_table(engine: SearchEngine, experts: dict[str, dict[str, Any]],
                 payloads: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="filter precision / recall against the expert values (ACDC, n=50)")
    for name in ("filter", "expert positives", "returned (QC-clean)", "precision", "recall",
                 "returned (all values)", "precision (all)", "recall (all)"):
        table.add_column(name)
    for text, (column, test) in FILTERS.items():
        truth = {uid for uid, v in experts.items() if test(v[column])}
        filters = parse_filters([text])
        found = {h["uid"] for h in _search(engine, "heart", filters)}
        (name, (low, high)), = filters.measured_ranges().items()
        everything = {uid for uid, p in payloads.items()
                      if _within(p.get("measurements", {}).get(_MEASURE[name]), low, high)}
        table.add_row(text, str(len(truth)), str(len(found)), *_scored(found, truth),
                      str(len(everything)), *_scored(everything, truth))
    return table


_MEASURE = {"lvef": "lvef_pct", "rvef": "rvef_pct", "lv_edv_index": "lvedvi_ml_per_m2",
            "rv_edv_index": "rvedvi_ml_per_m2", "lv_mass": "lv_mass_g"}


def _within(value: float | None, low: float | None, high: float | None) -> bool:
    return value is not None and (low is None or value >= low) and \
        (high is None or value <= high)


def query_table(engine: SearchEngine, experts: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="numbers read from the query (images mode, no reports)")
    for name in ("query", "read as", "returned", "precision vs expert"):
        table.add_column(name)
    tests = {"LVEF below 35 %": ("lv_ef_pct", lambda v: v < 35),
             "EF < 40": ("lv_ef_pct", lambda v: v < 40),
             "LV mass over 150 g": ("lv_mass_ed_g", lambda v: v > 150),
             "LVEF 35 % or less": ("lv_ef_pct", lambda v: v <= 35),
             "LVEF below 35 or above 60": ("lv_ef_pct", lambda v: v < 35 or v > 60)}
    for q in QUERIES:
        response = engine.search(SearchRequest(q=q, mode=Mode.IMAGES,
                                               page=Page(limit=100, per_patient=False)))
        assert response.interpretation is not None
        column, test = tests[q]
        found = {r.study_instance_uid for r in response.results}
        truth = {uid for uid, v in experts.items() if test(v[column])}
        table.add_row(q, "; ".join(s.split(" (from")[0]
                                   for s in response.interpretation.measurements),
                      str(len(found)), _scored(found, truth)[0])
    return table


def _neighbours(engine: SearchEngine, uid: str) -> list[str]:
    response = engine.similar(SimilarRequest(positive=[uid], page=Page(limit=5)))
    return [r.study_instance_uid for r in response.results][:5]


def _scores(ranked: dict[str, list[str]], experts: dict[str, dict[str, Any]]
            ) -> dict[str, tuple[float, float]]:
    """group -> (precision@5, 5-NN accuracy); "all" for every study."""
    by_group: dict[str, list[tuple[float, float]]] = {}
    for uid, found in ranked.items():
        group = experts[uid]["group"]
        same = [experts[f]["group"] == group for f in found]
        vote = Counter(experts[f]["group"] for f in found).most_common(1)
        score = (sum(same) / 5.0, float(bool(vote) and vote[0][0] == group))
        by_group.setdefault(group, []).append(score)
        by_group.setdefault("all", []).append(score)
    return {g: (float(np.mean([s[0] for s in v])), float(np.mean([s[1] for s in v])))
            for g, v in by_group.items()}


def expert_vector_ranking(experts: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """The product's measurement vector made of the expert CSV values, cosine-ranked."""
    return vector_ranking({uid: {
        Measure.LVEDVI.value: v["lv_edv_ml"] / v["bsa_m2"],
        Measure.LVESVI.value: v["lv_esv_ml"] / v["bsa_m2"], Measure.LVEF.value: v["lv_ef_pct"],
        Measure.RVEDVI.value: v["rv_edv_ml"] / v["bsa_m2"],
        Measure.RVESVI.value: v["rv_esv_ml"] / v["bsa_m2"], Measure.RVEF.value: v["rv_ef_pct"],
        Measure.LV_MASSI.value: v["lv_mass_ed_g"] / v["bsa_m2"]} for uid, v in experts.items()})


def upload_ranking(engine: SearchEngine, settings: Settings,
                   experts: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each patient's folder zipped and sent through query by upload (read, measured and
    embedded on the fly, as the page does), its own indexed copy left out of its results."""
    from indexer.embed import StudyEncoder
    from indexer.measure import checked_segmentation
    from indexer.upload import study_from_upload

    encoder = cast(StudyEncoder, engine.encoder)
    segmentation = checked_segmentation(settings.segmentation_checkpoint, settings.measure_tta)
    previews = Path(tempfile.mkdtemp(prefix="acdc-upload-previews-"))
    measured_by = (engine.store.metadata() or {}).get("segmentation_model")
    ranked = {}
    for done, uid in enumerate(sorted(experts), start=1):
        folder = ACDC / "training" / uid.removeprefix("acdc-")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for path in sorted(folder.iterdir()):
                if not path.name.endswith("_gt.nii.gz"):  # the expert masks stay out
                    zf.write(path, f"{folder.name}/{path.name}")
        buffer.seek(0)
        study = study_from_upload(buffer, f"{folder.name}.zip", encoder, previews,
                                  segmentation=segmentation, index_measured_by=measured_by)
        response = engine.near_vectors(study.vectors, SearchFilters(), Page(limit=5),
                                       study_instance_uid=study.study_instance_uid)
        ranked[uid] = [r.study_instance_uid for r in response.results][:5]
        print(f"query by upload {done}/{len(experts)}", end="\r", file=sys.stderr)
    return ranked


def similar_table(engines: dict[str, SearchEngine], experts: dict[str, dict[str, Any]],
                  uploads: dict[str, list[str]] | None = None,
                  bound: dict[str, list[str]] | None = None
                  ) -> tuple[Table, dict[str, dict[str, tuple[float, float]]]]:
    results = {name: _scores({uid: _neighbours(e, uid) for uid in experts}, experts)
               for name, e in engines.items()}
    if uploads is not None:
        results["query by upload (the patient's folder zipped, fused)"] = _scores(uploads,
                                                                                  experts)
    results["expert measurement vector, CSV values (no wall thickness)"] = _scores(
        expert_vector_ranking(experts), experts)
    if bound is not None:
        results["expert masks measured by the product (upper bound)"] = _scores(bound, experts)
    table = scores_table("study-to-study precision@5 by group / 5-NN accuracy (ACDC, n=50)",
                         "signal", results, GROUPS)
    return table, results


# zero-shot prompts of issue 14 and the ACDC group each one should bring back
PROMPTS = {"normal heart": "NOR", "prior myocardial infarction": "MINF",
           "dilated cardiomyopathy": "DCM", "hypertrophic cardiomyopathy": "HCM",
           "dilated right ventricle": "RV"}


# what clinicians type for the same groups: the text towers read the words better
# (search.understand.spelled_out writes these out before embedding)
ABBREVIATIONS = {"HCM": "HCM", "DCM": "DCM", "MI": "MINF", "ARVC": "RV"}


def abbreviation_table(engine: SearchEngine, experts: dict[str, dict[str, Any]]) -> Table:
    """Precision@10 of each abbreviation against its group, images mode and both modes."""
    table = Table(title="abbreviations: text-to-study precision@10 (ACDC, n=50, chance 0.20)")
    table.add_column("mode")
    for word, group in ABBREVIATIONS.items():
        table.add_column(f"{word} ({group})")
    for mode in (Mode.IMAGES, Mode.BOTH):
        row = []
        for word, group in ABBREVIATIONS.items():
            response = engine.search(SearchRequest(q=word, mode=mode,
                                                   page=Page(limit=10, per_patient=False)))
            found = [r.study_instance_uid for r in response.results][:10]
            row.append(f"{sum(experts[u]['group'] == group for u in found) / 10.0:.2f}")
        table.add_row(mode.value, *row)
    return table


def prompt_table(engines: dict[str, SearchEngine], experts: dict[str, dict[str, Any]]) -> Table:
    """Text-to-study precision@10 of each prompt against its group, images mode (no reports:
    the video vector's zero-shot ranking, the measured findings, or both fused)."""
    table = Table(title="text-to-study precision@10 by prompt (images mode, ACDC, n=50, "
                        "chance 0.20)")
    table.add_column("signal")
    for prompt, group in PROMPTS.items():
        table.add_column(f"{prompt} ({group})")
    table.add_column("mean")
    for name, engine in engines.items():
        row = []
        for prompt, group in PROMPTS.items():
            response = engine.search(SearchRequest(q=prompt, mode=Mode.IMAGES,
                                                   page=Page(limit=10, per_patient=False)))
            found = [r.study_instance_uid for r in response.results][:10]
            row.append(sum(experts[u]["group"] == group for u in found) / 10.0)
        table.add_row(name, *(f"{v:.2f}" for v in row), f"{np.mean(row):.2f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="where to index (default: "
                        "a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="search an index already in "
                        "--data-dir instead of indexing again")
    parser.add_argument("--no-upload", action="store_true", help="leave out query by upload "
                        "(each patient read and measured again: about 3 minutes)")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="acdc-retrieval-"))
    summary = build_index(data_dir, args.reuse)
    shown = ("indexed", "measured", "measure_failed", "seconds", "reused")
    console.print(f"index: {json.dumps({k: summary[k] for k in shown if k in summary})}")
    settings = Settings(data_dir=data_dir)
    experts = expert_values()
    base = open_engine(settings)
    fused = Weights.from_settings(settings)
    engines = {"images alone": SearchEngine(base.store, base.encoder, replace(fused, measures=0)),
               "measurements alone": SearchEngine(base.store, base.encoder,
                                                  replace(fused, images=0, examples=0)),
               f"fused (images {fused.examples:g}, measures {fused.measures:g})": base}
    payloads = {str(h.payload["study_instance_uid"]): h.payload
                for h in base.store.scroll(["study_instance_uid", "measurements"])}
    console.print(filter_table(base, experts, payloads))
    console.print(query_table(base, experts))
    uploads = None if args.no_upload else upload_ranking(base, settings, experts)
    console.print("measuring the expert masks (the bound's measurements)")
    expert_masks = {uid: expert_mask_values(ACDC / "training" / uid.removeprefix("acdc-"))
                    for uid in sorted(experts)}
    swaps = swap_rankings(indexed_values(payloads), expert_masks)
    bound = swaps["expert masks, every measurement (upper bound)"]
    table, _ = similar_table(engines, experts, uploads, bound)
    console.print(table)
    console.print(swap_table({name: _scores(r, experts) for name, r in swaps.items()}, GROUPS))
    console.print(prompt_table(engines, experts))
    console.print(abbreviation_table(base, experts))


if __name__ == "__main__":
    main()
