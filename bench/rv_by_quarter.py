"""Where the segmentation loses the RV on real cine: Dice per structure, and the RV cavity's
pixels by quarter of the experts' RV, base to apex (ACDC, 50 patients, EVALUATION ONLY).

One or more checkpoints side by side, through the product's own reading (`segment.study.analyse`,
no test-time flips, as the index measures). "outside" is the slices past either end of the
experts' RV, where every RV pixel drawn is a false positive (mostly the atrium and outflow tract
above the base).

Run: .venv/bin/python bench/rv_by_quarter.py [--checkpoint DIR ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from real_segmentation import _STRUCTURES, ACDC, _expert
from rich.console import Console
from rich.table import Table
from seg_common import dice

from cmr_search.vocab import Structure
from segment.acdc import read_acdc
from segment.infer import Segmenter
from segment.paths import DEFAULT_CHECKPOINT
from segment.study import analyse

PARTS = ("basal quarter", "middle half", "apical quarter", "outside")
console = Console(width=200)


def _part(z: int, slices: np.ndarray) -> int:
    """Which part of the experts' RV slice `z` lies in (`PARTS` index)."""
    if len(slices) == 0 or z < slices[0] or z > slices[-1]:
        return 3
    u = (z - slices[0]) / max(len(slices) - 1, 1)
    return 0 if u < 0.25 else 1 if u <= 0.75 else 2


def measure(checkpoint: Path) -> tuple[dict[tuple[str, str], float], dict[str, np.ndarray], float]:
    """Mean Dice per (phase, structure), RV (true positive, false positive, false negative)
    pixels per phase and part, and the seconds it took."""
    segmenter = Segmenter(checkpoint, tta=False)
    dices: dict[tuple[str, str], list[float]] = {}
    pixels = {phase: np.zeros((len(PARTS), 3), dtype=np.int64) for phase in ("ED", "ES")}
    started = time.perf_counter()
    for folder in sorted(p for p in (ACDC / "training").iterdir() if p.is_dir()):
        study = read_acdc(folder)
        predicted = analyse(study, segmenter)
        for k, mask in predicted.masks.items():
            expert = _expert(folder, study.names[k])
            phase = "ED" if study.frame_numbers[k] == study.ed_hint else "ES"
            for s in _STRUCTURES:
                dices.setdefault((phase, s.name.lower()), []).append(
                    dice(mask == s, expert == s))
            ours, theirs = mask == Structure.RV_CAVITY, expert == Structure.RV_CAVITY
            slices = np.flatnonzero(theirs.sum(axis=(1, 2)) > 0)
            for z in range(ours.shape[0]):
                pixels[phase][_part(z, slices)] += [(ours[z] & theirs[z]).sum(),
                                                    (ours[z] & ~theirs[z]).sum(),
                                                    (~ours[z] & theirs[z]).sum()]
        console.print(f"  {checkpoint.name} {study.study_id}", highlight=False)
    return ({k: float(np.mean(v)) for k, v in dices.items()}, pixels,
            time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, action="append",
                        help="checkpoint folder (repeat to compare; default: the shipped one)")
    checkpoints = parser.parse_args().checkpoint or [DEFAULT_CHECKPOINT]
    results = {str(c): measure(c) for c in checkpoints}
    table = Table(title="ACDC Dice vs expert masks (mean over 50 patients)")
    table.add_column("checkpoint")
    keys = sorted(next(iter(results.values()))[0])
    for phase, structure in keys:
        table.add_column(f"{phase} {structure}", justify="right")
    table.add_column("seconds", justify="right")
    for name, (dices, _, seconds) in results.items():
        table.add_row(name, *(f"{dices[k]:.3f}" for k in keys), f"{seconds:.0f}")
    console.print(table)
    parts = Table(title="RV cavity pixels by part of the experts' RV, summed over 50 patients "
                        "(true positive / false positive / false negative, Dice-like)")
    parts.add_column("checkpoint")
    parts.add_column("phase")
    for part in PARTS:
        parts.add_column(part, justify="right")
    for name, (_, pixels, _) in results.items():
        for phase, counts in pixels.items():
            parts.add_row(name, phase, *(
                f"{tp} / {fp} / {fn}, {2 * tp / max(2 * tp + fp + fn, 1):.3f}"
                for tp, fp, fn in counts))
    console.print(parts)


if __name__ == "__main__":
    main()
