"""`cmr-search eval`: the trained model, a random-init model and a report-text baseline, side by
side on one archive's pairs; writes a markdown report with ROC curves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from cmrclip.evaluate import Curves, EvalData, evaluate_model, text_only_baseline
from cmrclip.model import ClipModel, CMRClip, create_model
from cmrclip.report import markdown, roc_png
from cmrclip.types import ModelIdentity


def run_evaluation(model: ClipModel, identity: ModelIdentity, data: EvalData, out: Path,
                   source: str, seed: int = 0) -> dict[str, Any]:
    """Every metric of `model` on `data` (from `source`, named in the report), and the
    baselines; the report goes to `out` (evaluation.md, evaluation.json, roc.png)."""
    curves: Curves = {}
    result = evaluate_model(model, data, seed, curves=curves, identity=identity)
    torch.manual_seed(seed)
    random_model, _ = create_model(identity.architecture, model.text)
    if isinstance(model, CMRClip) and isinstance(random_model, CMRClip) \
            and model.video.stem is not None and random_model.video.stem is not None:
        # a random tower on the same frozen segmentation network
        random_model.video.stem.load_state_dict(model.video.stem.state_dict())
    random_model.to(next(model.parameters()).device)  # beside the shared text tower
    result["baselines"] = {
        "random_init": evaluate_model(random_model, data, seed, full=False,
                                      identity=identity),
        "report_text": text_only_baseline(model.text, data),
    }
    result.update({"archive": source, "studies": len(data.pairs), "model": identity.as_dict(),
                   "label_source": data.label_source})
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out / "evaluation.md").write_text(markdown(result) + "\n![ROC curves](roc.png)\n",
                                       encoding="utf-8")
    roc_png(curves, out / "roc.png")
    return result
