"""Shared pieces of the segmentation benchmarks: agreement statistics, diagnosis from
measurements (guideline rules and leave-one-out nearest neighbours), tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.table import Table

# Standardised measurements for nearest neighbours (indexed to BSA where the name says so).
NN_FEATURES = ("lvedvi_ml_per_m2", "lvesvi_ml_per_m2", "lvef_pct", "rvedvi_ml_per_m2",
               "rvesvi_ml_per_m2", "rvef_pct", "lv_massi_g_per_m2", "max_wall_thickness_mm")
SEVEN = NN_FEATURES[:7]


def dice(a: np.ndarray, b: np.ndarray) -> float:
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int((a & b).sum()) / total


def agreement(pred: Sequence[float], ref: Sequence[float]) -> dict[str, float]:
    """Mean error (bias), MAE, MAE relative to the reference mean (%), Bland-Altman limits."""
    p, r = np.asarray(pred, dtype=float), np.asarray(ref, dtype=float)
    ok = np.isfinite(p) & np.isfinite(r)
    d = p[ok] - r[ok]
    if len(d) == 0:
        return {"n": 0.0}
    sd = float(np.std(d, ddof=1)) if len(d) > 1 else 0.0
    return {"n": float(len(d)), "bias": float(d.mean()), "mae": float(np.abs(d).mean()),
            "mae_rel_pct": 100.0 * float(np.abs(d).mean()) / max(float(np.abs(r[ok]).mean()), 1e-9),
            "loa_low": float(d.mean() - 1.96 * sd), "loa_high": float(d.mean() + 1.96 * sd)}


def guideline_group(v: dict[str, Any]) -> str:
    """ACDC groups by the published criteria (Bernard et al., IEEE TMI 2018), in this order.

    LVEF < 40 %: DCM when LVEDVi > 100 ml/m2, else MINF (the regional-contraction criterion
    of MINF is not used). Then HCM (LV mass index > 110 g/m2 or a segment >= 15 mm at ED),
    then RV (RVEDVi > 110 ml/m2 or RVEF < 40 %), else NOR.
    """
    def get(name: str) -> float:
        x = v.get(name)
        return float("nan") if x is None else float(x)

    if get("lvef_pct") < 40.0:
        return "DCM" if get("lvedvi_ml_per_m2") > 100.0 else "MINF"
    if get("lv_massi_g_per_m2") > 110.0 or get("max_wall_thickness_mm") >= 15.0:
        return "HCM"
    if get("rvedvi_ml_per_m2") > 110.0 or get("rvef_pct") < 40.0:
        return "RV"
    return "NOR"


def nearest_neighbours(x: np.ndarray, groups: Sequence[str], k: int = 5) -> dict[str, float]:
    """Leave-one-out k-NN on z-scored features: precision@k and majority-vote accuracy."""
    g = np.asarray(groups)
    z = np.nan_to_num((x - np.nanmean(x, axis=0)) / (np.nanstd(x, axis=0) + 1e-9))
    d = np.linalg.norm(z[:, None] - z[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    precision, right = [], 0
    for i in range(len(g)):
        nn = np.argsort(d[i])[:k]
        precision.append(float(np.mean(g[nn] == g[i])))
        labels, counts = np.unique(g[nn], return_counts=True)
        right += int(labels[np.argmax(counts)] == g[i])
    return {"precision_at_k": float(np.mean(precision)), "accuracy": right / len(g)}


def features(values: list[dict[str, Any]], names: Sequence[str]) -> np.ndarray:
    return np.array([[float("nan") if v.get(n) is None else float(v[n]) for n in names]
                     for v in values])


def agreement_table(title: str, rows: dict[str, dict[str, float]], unit: dict[str, str]) -> Table:
    table = Table(title=title)
    for col in ("measure", "n", "mean error", "MAE", "MAE % of mean", "Bland-Altman 95 %"):
        table.add_column(col)
    for name, a in rows.items():
        if a.get("n", 0) == 0:
            table.add_row(name, "0", "-", "-", "-", "-")
            continue
        u = unit.get(name, "")
        table.add_row(name, f"{a['n']:.0f}", f"{a['bias']:+.1f} {u}", f"{a['mae']:.1f} {u}",
                      f"{a['mae_rel_pct']:.1f}", f"{a['loa_low']:+.1f} .. {a['loa_high']:+.1f}")
    return table


def group_table(title: str, rows: dict[str, tuple[float, float]]) -> Table:
    table = Table(title=title)
    for col in ("method", "precision@5 / -", "accuracy"):
        table.add_column(col)
    for name, (p5, acc) in rows.items():
        table.add_row(name, "-" if np.isnan(p5) else f"{p5:.2f}", f"{acc:.2f}")
    return table
