"""The synthetic-only segmentation on real short-axis cine (ACDC) and on a fresh synthetic archive.

ACDC (../shared/data/acdc, 50 patients, EVALUATION ONLY): Dice per structure at ED and ES
against the expert masks; LV/RV volumes, EF and LV mass against
derived/acdc_volumes_ef_from_gt_50.csv; diagnosis group from the measurements by guideline
thresholds and by leave-one-out nearest neighbours (also from the expert masks, for scale);
seconds per study; a montage of ten patients in docs/. Synthetic: measurements of a freshly
generated phantom archive against the phantom's truth, and Dice on fresh generator draws.

Run: .venv/bin/python bench/real_segmentation.py [--checkpoint DIR] [--synthetic N] [--tta]
(without test-time flips by default, as `cmr-search segment` and the index measure; `--no-tta`
is accepted and is that default)
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import matplotlib
import nibabel as nib
import numpy as np
from rich.console import Console
from rich.table import Table
from seg_common import (
    NN_FEATURES,
    SEVEN,
    agreement,
    agreement_table,
    dice,
    features,
    group_table,
    guideline_group,
    nearest_neighbours,
)

from cmr_search.vocab import Structure
from segment.acdc import read_acdc
from segment.infer import Segmenter
from segment.io import read_dicom, read_lge
from segment.paths import DEFAULT_CHECKPOINT
from segment.scar import stack_scar
from segment.study import StudyResult, analyse, measure_masks

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
ACDC = ROOT.parent / "shared" / "data" / "acdc"
MONTAGE = ROOT / "docs" / "segmentation" / "acdc_montage.png"
GROUPS = ("NOR", "MINF", "DCM", "HCM", "RV")
_ACDC_CODES = {1: Structure.RV_CAVITY, 2: Structure.LV_MYOCARDIUM, 3: Structure.LV_CAVITY}
_STRUCTURES = (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM, Structure.RV_CAVITY)
_COMPARED = {"lvedv_ml": "lv_edv_ml", "lvesv_ml": "lv_esv_ml", "lvef_pct": "lv_ef_pct",
             "rvedv_ml": "rv_edv_ml", "rvef_pct": "rv_ef_pct", "lv_mass_g": "lv_mass_ed_g"}
_UNIT = {"lvedv_ml": "ml", "lvesv_ml": "ml", "lvef_pct": "pts", "rvedv_ml": "ml",
         "rvesv_ml": "ml", "rvef_pct": "pts", "lv_mass_g": "g", "max_wall_thickness_mm": "mm"}
console = Console(width=150)


def _expert(folder: Path, name: str) -> np.ndarray:
    gt = np.asarray(nib.load(folder / f"{name}_gt.nii.gz").dataobj).astype(np.int64)
    out = np.zeros(gt.shape, dtype=np.uint8)
    for code, structure in _ACDC_CODES.items():
        out[gt == code] = structure
    return np.transpose(out, (2, 0, 1))


def _run_acdc(segmenter: Segmenter, limit: int) -> list[dict[str, Any]]:
    rows = []
    folders = sorted(p for p in (ACDC / "training").iterdir() if p.is_dir())
    for folder in folders[::max(len(folders) // limit, 1)] if limit else folders:
        study = read_acdc(folder)
        started, cpu = time.perf_counter(), time.process_time()
        predicted = analyse(study, segmenter)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        experts = {k: _expert(folder, name) for k, name in enumerate(study.names)}
        ed_ref = int(np.argmax([(m == Structure.LV_CAVITY).sum() for m in experts.values()]))
        reference = measure_masks(study, experts, ed_ref, 1 - ed_ref)
        dices = {}
        for k in predicted.masks:
            phase = "ED" if study.frame_numbers[k] == study.ed_hint else "ES"
            for s in _STRUCTURES:
                dices[(phase, s)] = dice(predicted.masks[k] == s, experts[k] == s)
        rows.append({"patient": study.study_id, "group": _group(folder), "seconds": seconds,
                     "cpu_seconds": cpu,
                     "dice": dices, "pred": predicted, "ref": reference})
        console.print(f"  {study.study_id}: {seconds:.2f} s, Dice "
                      + " ".join(f"{v:.2f}" for v in dices.values()), highlight=False)
    return rows


def _group(folder: Path) -> str:
    values = dict(line.split(":", 1) for line in (folder / "Info.cfg").read_text().splitlines()
                  if ":" in line)
    return values["Group"].strip()


def _dice_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"ACDC Dice vs expert masks (mean / median / min, {len(rows)} patients)")
    table.add_column("phase")
    for s in _STRUCTURES:
        table.add_column(s.name.lower())
    for phase in ("ED", "ES"):
        cells = []
        for s in _STRUCTURES:
            d = np.array([r["dice"][(phase, s)] for r in rows])
            cells.append(f"{d.mean():.3f} / {np.median(d):.3f} / {d.min():.2f}")
        table.add_row(phase, *cells)
    for group in GROUPS:
        cells = []
        for s in _STRUCTURES:
            d = [r["dice"][(p, s)] for r in rows if r["group"] == group for p in ("ED", "ES")]
            cells.append(f"{np.mean(d):.3f}")
        table.add_row(f"{group} (ED+ES)", *cells)
    return table


def _reference_csv() -> dict[str, dict[str, str]]:
    path = ACDC / "derived" / "acdc_volumes_ef_from_gt_50.csv"
    with path.open() as f:
        return {r["patient"]: r for r in csv.DictReader(f)}


def _groups_from(results: list[StudyResult], groups: list[str]) -> dict[str, tuple[float, float]]:
    values = [r.values for r in results]
    rules = [guideline_group(r.values) for r in results]
    nn8 = nearest_neighbours(features(values, NN_FEATURES), groups)
    nn7 = nearest_neighbours(features(values, SEVEN), groups)
    return {
        "guideline thresholds": (float("nan"), float(np.mean(np.array(rules) == groups))),
        "5-NN, 7 global measurements": (nn7["precision_at_k"], nn7["accuracy"]),
        "5-NN, 7 + max wall thickness": (nn8["precision_at_k"], nn8["accuracy"]),
    }


def _report_acdc(rows: list[dict[str, Any]]) -> None:
    console.print(_dice_table(rows))
    ref = _reference_csv()
    agree = {name: agreement([r["pred"].values[name] for r in rows],
                             [float(ref[r["patient"]][col]) for r in rows])
             for name, col in _COMPARED.items()}
    console.print(agreement_table("ACDC measurements vs derived/acdc_volumes_ef_from_gt_50.csv",
                                  agree, _UNIT))
    wall = {"max_wall_thickness_mm": agreement(
        [r["pred"].values["max_wall_thickness_mm"] for r in rows],
        [r["ref"].values["max_wall_thickness_mm"] for r in rows])}
    console.print(agreement_table("Max ED wall thickness vs the same measure on expert masks",
                                  wall, _UNIT))
    groups = [r["group"] for r in rows]
    table = group_table("ACDC diagnosis group from measurements (no training on ACDC)", {
        **{f"predicted masks: {k}": v for k, v in _groups_from([r["pred"] for r in rows],
                                                               groups).items()},
        **{f"expert masks: {k}": v for k, v in _groups_from([r["ref"] for r in rows],
                                                            groups).items()}})
    console.print(table)
    seconds = np.array([r["seconds"] for r in rows])
    cpu = np.array([r["cpu_seconds"] for r in rows])
    flagged = sum(bool(r["pred"].study_flags) for r in rows)
    console.print(f"seconds per study (ED+ES, read excluded): wall mean {seconds.mean():.2f}, "
                  f"max {seconds.max():.2f}; CPU mean {cpu.mean():.2f} (all threads); "
                  f"studies with a QC flag: {flagged}/{len(rows)}")
    worst = sorted(rows, key=lambda r: np.mean(list(r["dice"].values())))[:8]
    console.print("worst patients (mean Dice; LV/MYO/RV at ED | ES; QC flags):")
    for r in worst:
        d = r["dice"]
        console.print(f"  {r['patient']} {r['group']}: "
                      + " ".join(f"{d[('ED', s)]:.2f}" for s in _STRUCTURES) + " | "
                      + " ".join(f"{d[('ES', s)]:.2f}" for s in _STRUCTURES)
                      + f"  {[f.value for f in r['pred'].study_flags]}", highlight=False)


def _montage(rows: list[dict[str, Any]]) -> None:
    chosen = [r for g in GROUPS for r in [x for x in rows if x["group"] == g][:2]]
    fig, axes = plt.subplots(5, 6, figsize=(15, 12.5))
    for i, r in enumerate(chosen):
        study = r["pred"].study
        k = r["pred"].ed
        ref = r["ref"].masks[k]
        z = int(np.argmax((ref == Structure.LV_CAVITY).sum(axis=(1, 2))))
        heart = np.argwhere(ref[z] > 0).mean(axis=0) if (ref[z] > 0).any() else np.array(
            ref.shape[1:]) / 2
        half = int(75 / study.spacing_mm[0])
        r0, c0 = (max(int(c) - half, 0) for c in heart)
        crop = (slice(r0, r0 + 2 * half), slice(c0, c0 + 2 * half))
        image = study.phases[k][z][crop]
        for j, (mask, title) in enumerate(((None, "image"), (r["pred"].masks[k][z][crop],
                                           "predicted"), (ref[z][crop], "expert"))):
            ax = axes[i // 2, 3 * (i % 2) + j]
            ax.imshow(image, cmap="gray")
            for code, colour in ((Structure.LV_MYOCARDIUM, "lime"), (Structure.RV_CAVITY, "cyan"),
                                 (Structure.LV_CAVITY, "red")):
                if mask is not None and (mask == code).any():
                    ax.contour(mask == code, levels=[0.5], colors=[colour], linewidths=0.8)
            ax.set_title(f"{r['patient']} {r['group']} {title}", fontsize=8)
            ax.axis("off")
    for ax in axes.flat[3 * len(chosen):]:
        ax.axis("off")
    fig.suptitle("ACDC, ED mid slice: red LV cavity, green LV myocardium, cyan RV "
                 "(network trained on synthetic images only)")
    MONTAGE.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(MONTAGE, dpi=70)
    console.print(f"montage: {MONTAGE.relative_to(ROOT)}")


def _synthetic(segmenter: Segmenter, n: int, seed: int) -> None:
    from phantom.archive import GROUND_TRUTH, SynthConfig, generate_archive

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate_archive(SynthConfig(out, n, seed=seed, workers=1))
        truth = [json.loads(line) for line in (out / GROUND_TRUTH).read_text().splitlines()]
        results, kept, scars = [], [], []
        for record in truth:
            try:
                results.append(analyse(read_dicom(out / record["study_dir"]), segmenter))
                kept.append(record)
            except ValueError as error:
                console.print(f"  skipped {record['study_dir']}: {error}")
                continue
            lge = read_lge(out / record["study_dir"])
            if lge is not None:
                found = stack_scar(lge, segmenter)
                scars.append((found.scar_pct, record["measurements"]["lge_fraction_pct"]))
    names = ("lvedv_ml", "lvesv_ml", "lvef_pct", "rvedv_ml", "rvef_pct", "lv_mass_g",
             "max_wall_thickness_mm")
    agree = {k: agreement([r.values[k] for r in results],
                          [t["measurements"][k] for t in kept]) for k in names}
    console.print(agreement_table(f"Fresh synthetic archive ({len(kept)} studies, seed {seed}) "
                                  "vs phantom truth", agree, _UNIT))
    _scar_report(scars)
    diagnoses = [t["diagnosis"] for t in kept]
    nn = nearest_neighbours(features([r.values for r in results], NN_FEATURES), diagnoses)
    console.print(f"synthetic 5-NN by diagnosis ({len(set(diagnoses))} diagnoses, archive mix): "
                  f"precision@5 {nn['precision_at_k']:.2f}, accuracy {nn['accuracy']:.2f}")


def _scar_report(scars: list[tuple[float | None, float]]) -> None:
    """Scar burden from the LGE stack against the phantom's scar fraction (% of myocardium)."""
    measured = [(p, t) for p, t in scars if p is not None]
    if not measured:
        console.print(f"scar burden: no LGE stack measured ({len(scars)} tried)")
        return
    console.print(agreement_table(f"Scar burden (LGE, {len(measured)} of {len(scars)} studies "
                                  "measured) vs phantom truth", {"scar_pct": agreement(
                                      [p for p, _ in measured], [t for _, t in measured])},
                                  {"scar_pct": "pts"}))
    present = [(p >= 1.0, t >= 1.0) for p, t in measured]  # the LGE finding's own cut
    hits = sum(a and b for a, b in present)
    console.print(f"scar present (>= 1 %): sensitivity {hits}/{sum(b for _, b in present)}, "
                  f"false positives {sum(a and not b for a, b in present)}/"
                  f"{sum(not b for _, b in present)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--synthetic", type=int, default=12, help="studies (0: skip)")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--tta", action="store_true", help="test-time flips")
    parser.add_argument("--no-tta", action="store_true", help="the default (kept for old commands)")
    parser.add_argument("--limit", type=int, default=0, help="ACDC patients, spread (0: all)")
    args = parser.parse_args()
    if args.tta and args.no_tta:
        parser.error("--tta and --no-tta: choose one")
    segmenter = Segmenter(args.checkpoint, tta=args.tta)
    console.print(f"checkpoint {args.checkpoint}, test-time augmentation {args.tta}")
    rows = _run_acdc(segmenter, args.limit)
    _report_acdc(rows)
    _montage(rows)
    if args.synthetic:
        _synthetic(segmenter, args.synthetic, args.seed)


if __name__ == "__main__":
    main()
