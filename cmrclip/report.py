"""Evaluation report: markdown tables plus ROC curves as PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers
import matplotlib.pyplot as plt
import numpy as np

from cmr_search.vocab import CMR_CLIP_FINDINGS

PAPER_AUC = {"lv_hypertrophy": 0.88, "lv_dilation": 0.83, "rv_dilation": 0.84,
             "rv_systolic_dysfunction": 0.78, "lv_systolic_dysfunction": 0.74, "lge": 0.71,
             "aortic_dilation": 0.63}


def _f(value: float) -> str:
    return "-" if value is None or np.isnan(value) else f"{value:.3f}"


def markdown(result: dict[str, Any]) -> str:
    lines = [f"# CMR-CLIP evaluation: {result['archive']}", "",
             f"Model: {result['model']['architecture']} "
             f"(weights {result['model']['weights_sha256'][:12]}), {result['studies']} studies, "
             f"labels from {result['label_source']}.", "",
             "## Zero-shot detection (test split; threshold chosen on the validation split)", "",
             "| finding | AUC | prompt wording | negative prompt weight | accuracy | F1 "
             "| AUC positive-only | random-init AUC | paper AUC |",
             "|---|---|---|---|---|---|---|---|---|"]
    random_zs = result["baselines"]["random_init"]["zero_shot"]
    for finding in CMR_CLIP_FINDINGS:
        z = result["zero_shot"][finding.value]
        lines.append(f"| {finding.value} | {_f(z['auc'])} | {z.get('prompt_variant', 'default')} "
                     f"| {z.get('negative_weight', 1.0):g} "
                     f"| {_f(z['accuracy'])} | {_f(z['f1'])} "
                     f"| {_f(z['auc_positive_only'])} | {_f(random_zs[finding.value]['auc'])} "
                     f"| {PAPER_AUC[finding.value]:.2f} |")
    lines += ["", "## Retrieval (a hit: same diagnosis and finding profile)", "",
              "| system | direction | R@1 | R@5 | R@10 | median rank |",
              "|---|---|---|---|---|---|"]
    systems = [("CMR-CLIP", result["retrieval"]),
               ("random init", result["baselines"]["random_init"]["retrieval"]),
               ("report text only (MiniLM)", result["baselines"]["report_text"]["retrieval"])]
    for name, r in systems:
        for direction in ("t2v", "v2t"):
            m = r[direction]
            lines.append(f"| {name} | {direction} | {_f(m['r1'])} | {_f(m['r5'])} | "
                         f"{_f(m['r10'])} | {m['median_rank']:.0f} |")
    if "few_shot" in result:
        shots = sorted({k for v in result["few_shot"].values() for k in v}, key=int)
        lines += ["", "## Few-shot (prototype AUC) and linear probe (AUC)", "",
                  "| finding | " + " | ".join(f"{k}-shot" for k in shots) + " | linear probe |",
                  "|---|" + "---|" * (len(shots) + 1)]
        for finding in CMR_CLIP_FINDINGS:
            row = result["few_shot"][finding.value]
            lines.append(f"| {finding.value} | " + " | ".join(_f(row.get(k, float("nan")))
                                                             for k in shots)
                         + f" | {_f(result['linear_probe'][finding.value])} |")
    return "\n".join(lines) + "\n"


def roc_png(curves: dict[str, tuple[np.ndarray, np.ndarray]], out: Path) -> None:
    """One ROC plot per finding: scores and labels given per finding."""
    fig, axes = plt.subplots(2, 4, figsize=(14, 7))
    for ax, (name, (scores, labels)) in zip(axes.flat, curves.items(), strict=False):
        order = np.argsort(-scores)
        hits = labels[order].astype(bool)
        tpr = np.concatenate([[0], np.cumsum(hits) / max(hits.sum(), 1)])
        fpr = np.concatenate([[0], np.cumsum(~hits) / max((~hits).sum(), 1)])
        ax.plot(fpr, tpr)
        ax.plot([0, 1], [0, 1], "--", color="grey")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("1 - specificity")
        ax.set_ylabel("sensitivity")
    for ax in list(axes.flat)[len(curves):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)
