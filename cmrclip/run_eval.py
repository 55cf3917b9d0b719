"""`cmr-search eval`: the trained model, a random-init model and a report-text baseline, side by
side on one archive; writes a markdown report with ROC curves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from cmrclip.checkpoint import DEMO_CHECKPOINT, load_checkpoint
from cmrclip.data import load_pairs
from cmrclip.evaluate import Curves, eval_data, evaluate_model, text_only_baseline
from cmrclip.model import create_model
from cmrclip.report import markdown, roc_png


def run_evaluation(archive: Path, checkpoint: Path | None, out: Path, cache_root: Path,
                   workers: int = 1, seed: int = 0) -> dict[str, Any]:
    model, identity = load_checkpoint(checkpoint or DEMO_CHECKPOINT)
    pairs = load_pairs(archive, model.config.clip_spec, cache_root, workers)
    data = eval_data(archive, pairs, seed)
    curves: Curves = {}
    result = evaluate_model(model, data, seed, curves=curves)
    torch.manual_seed(seed)
    random_model, _ = create_model(identity.architecture, model.text)
    result["baselines"] = {
        "random_init": evaluate_model(random_model, data, seed, full=False),
        "report_text": text_only_baseline(model.text, data),
    }
    result.update({"archive": str(archive), "studies": len(pairs), "model": identity.as_dict(),
                   "label_source": data.label_source})
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out / "evaluation.md").write_text(markdown(result) + "\n![ROC curves](roc.png)\n",
                                       encoding="utf-8")
    roc_png(curves, out / "roc.png")
    return result
