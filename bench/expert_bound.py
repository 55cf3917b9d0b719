"""What "more like this" by measurements would give with a perfect segmentation, and which
measurement's error costs it most (ACDC, EVALUATION ONLY: the expert masks are read here and
in the segmentation benches, never by the product).

The expert masks go through the product's own measurement code (`segment.study.measure_masks`
at the named end-diastole and end-systole), so the bound holds every feature of the measurement
vector: volumes, EF, mass, and the maximum wall thickness the expert CSV lacks. Then each group
of the indexed (segmented) measurements is replaced by the experts' in turn: the gain says
where the segmentation's error costs retrieval most. Used by `bench/real_retrieval.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from real_segmentation import _expert
from rich.table import Table

from catalog import STORED, measurement_vector
from cmr_search.vocab import Measure
from segment.acdc import read_acdc
from segment.study import measure_masks

Values = Mapping[str, float | None]

# the measurement groups swapped for the experts' together (a volume with its index and EF:
# one of them alone from the experts would contradict the others)
SWAPS: dict[str, tuple[str, ...]] = {
    "LV volumes and EF": ("lvedv_ml", "lvesv_ml", "lvsv_ml", "lvef_pct", "lvedvi_ml_per_m2",
                          "lvesvi_ml_per_m2", "lvsvi_ml_per_m2"),
    "RV volumes and EF": ("rvedv_ml", "rvesv_ml", "rvsv_ml", "rvef_pct", "rvedvi_ml_per_m2",
                          "rvesvi_ml_per_m2", "rvsvi_ml_per_m2"),
    "LV mass": ("lv_mass_g", "lv_massi_g_per_m2"),
    "maximum wall thickness": ("max_wall_thickness_mm",),
}
_KNOWN = {m.value for m in STORED}


def expert_mask_values(folder: Path) -> dict[str, float | None]:
    """The product's measurements of one ACDC patient's expert masks (its named ED and ES)."""
    study = read_acdc(folder)
    ed, es = (study.frame_numbers.index(h) for h in (study.ed_hint, study.es_hint))
    masks = {k: _expert(folder, study.names[k]) for k in {ed, es}}
    return measure_masks(study, masks, ed, es).values


def _measures(values: Values) -> dict[Measure, float]:
    return {Measure(k): float(v) for k, v in values.items()
            if k in _KNOWN and v is not None and np.isfinite(v)}


def vector_ranking(values: Mapping[str, Values]) -> dict[str, list[str]]:
    """uid -> its five nearest studies by the product's measurement vector (cosine, as the
    store ranks it; no sex: ACDC records none)."""
    uids = sorted(values)
    rows = []
    for uid in uids:
        vector = measurement_vector(_measures(values[uid]), None)
        if vector is None:
            raise SystemExit(f"{uid}: no LV measurement, no measurement vector")
        rows.append(vector / np.linalg.norm(vector))
    matrix = np.stack(rows)
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, -np.inf)
    return {uid: [uids[j] for j in np.argsort(-similarity[i])[:5]]
            for i, uid in enumerate(uids)}


def swapped(indexed: Mapping[str, Values], expert: Mapping[str, Values],
            names: tuple[str, ...]) -> dict[str, dict[str, float | None]]:
    """The indexed values with `names` taken from the expert masks' measurements."""
    return {uid: {**values, **{n: expert[uid].get(n) for n in names}}
            for uid, values in indexed.items()}


def swap_rankings(indexed: Mapping[str, Values], expert: Mapping[str, Values]
                  ) -> dict[str, dict[str, list[str]]]:
    """Row name -> ranking: the indexed measurements, each swap, and the expert masks'."""
    rankings = {"indexed measurements (the segmentation's)": vector_ranking(indexed)}
    for label, names in SWAPS.items():
        rankings[f"indexed, {label} from the expert masks"] = vector_ranking(
            swapped(indexed, expert, names))
    rankings["expert masks, every measurement (upper bound)"] = vector_ranking(expert)
    return rankings


def scores_table(title: str, first: str, scores: Mapping[str, Mapping[str, tuple[float, float]]],
                 groups: tuple[str, ...]) -> Table:
    """Precision@5 by group and 5-NN accuracy, a row per ranking (`first` names the rows)."""
    table = Table(title=title)
    table.add_column(first)
    for group in (*groups, "all"):
        table.add_column(f"P@5 {group}")
    table.add_column("5-NN acc")
    for name, by_group in scores.items():
        table.add_row(name, *(f"{by_group[g][0]:.2f}" for g in (*groups, "all")),
                      f"{by_group['all'][1]:.2f}")
    return table


def swap_table(scores: Mapping[str, Mapping[str, tuple[float, float]]],
               groups: tuple[str, ...]) -> Table:
    """`scores_table` of the rows of `swap_rankings`."""
    return scores_table("measurement vector: which measurement's error costs retrieval "
                        "(ACDC, n=50; cosine over the product's vector, computed here)",
                        "measurements", scores, groups)


def indexed_values(payloads: Mapping[str, Mapping[str, Any]]) -> dict[str, Values]:
    """uid -> the measurements the index holds (every value, flagged or not, as the vector
    is built)."""
    return {uid: dict(p.get("measurements") or {}) for uid, p in payloads.items()}
