"""The maximum wall thickness method on the phantom's own label maps (no network): how far the
in-plane thickness and the thickness across the wall (`segment.measure.max_wall_thickness_mm`)
are from the phantom's wall, side by side in one run. Separates the method's error from the
segmentation's; `bench/real_segmentation.py` measures the two together.

Run: PYTHONPATH=. .venv/bin/python bench/wall_thickness.py [--hearts 40] [--seed 11]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from rich.console import Console
from rich.table import Table
from seg_common import agreement, agreement_table

from phantom.geometry import short_axis_stack
from phantom.labels import label_map, sample_scene
from segment.measure import largest_mm, max_wall_thickness_mm, slice_wall_thickness_mm
from segment.qc import wall_peak_flags
from segment.synth import structure_lookup

console = Console(width=120)
_ROWS = 192


def _heart(rng: np.random.Generator) -> tuple[float, np.ndarray, float, float]:
    """A random heart's wall (mm), end-diastolic short-axis labels from base to apex
    as the phantom's protocol plans them, pixel size (mm) and slice spacing (mm)."""
    scene = sample_scene(rng)
    a = scene.anatomy
    spacing = float(rng.choice([6.0, 7.0, 8.0])) + float(rng.choice([2.0, 3.0, 4.0]))
    pixel = float(rng.uniform(1.2, 1.8))
    n = int(np.clip(math.ceil((a.lv_length_mm + a.apical_wall_mm + 6) / spacing), 8, 14))
    planes = short_axis_stack(scene.pose, a, n, spacing, float(rng.uniform(-2.0, 3.0)),
                              float(rng.normal(scale=8.0)), _ROWS, _ROWS, pixel)
    lut = structure_lookup()
    stack = np.stack([lut[label_map(scene, plane, 0.0)] for plane in planes]).astype(np.uint8)
    return max(a.lv_wall_mm, a.septal_wall_mm), stack, pixel, spacing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hearts", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    truth, in_plane, across, peaked = [], [], [], []
    for _ in range(args.hearts):
        wall, stack, pixel, spacing = _heart(rng)
        truth.append(wall)
        # slices infinitely far apart show no tilt (the cosine is 1): the thickness as the
        # slice cuts it, the measure before the correction
        in_plane.append(max_wall_thickness_mm(stack, (pixel, pixel), math.inf))
        by_slice = slice_wall_thickness_mm(stack, (pixel, pixel), spacing)
        across.append(largest_mm(by_slice))
        peaked.append(bool(wall_peak_flags(by_slice)))
    t = np.asarray(truth)
    thick = t >= 15.0
    rows = {}
    for name, got in (("in plane", in_plane), ("across the wall", across)):
        g = np.asarray(got)
        rows[name] = agreement(g, t)
        rows[f"{name}, walls >= 15 mm"] = agreement(g[thick], t[thick])
        rows[f"{name}, thinner walls"] = agreement(g[~thick], t[~thick])
    console.print(agreement_table(f"Maximum wall thickness on the phantom's label maps vs its "
                                  f"wall ({args.hearts} hearts, seed {args.seed})", rows,
                                  dict.fromkeys(rows, "mm")))
    table = Table(title="Walls of 15 mm or more (the HCM cut-off) found")
    for col in ("method", "correlation with the wall", "walls >= 15 mm found",
                "thinner walls read >= 15 mm"):
        table.add_column(col)
    for name, got in (("in plane", in_plane), ("across the wall", across)):
        g = np.asarray(got)
        table.add_row(name, f"{np.corrcoef(g, t)[0, 1]:.3f}",
                      f"{int(np.sum((g >= 15) & thick))}/{int(thick.sum())}",
                      f"{int(np.sum((g >= 15) & ~thick))}/{int((~thick).sum())}")
    console.print(table)
    # the QC flag must leave the phantom's true walls alone, hypertrophic or not
    flagged = np.asarray(peaked)
    check = Table(title="QC wall_peak_one_slice on true label maps")
    for col in ("hearts", "flagged"):
        check.add_column(col)
    check.add_row("walls >= 15 mm", f"{int(flagged[thick].sum())}/{int(thick.sum())}")
    check.add_row("thinner walls", f"{int(flagged[~thick].sum())}/{int((~thick).sum())}")
    console.print(check)


if __name__ == "__main__":
    main()
