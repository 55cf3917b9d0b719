"""How much of the negative prompts a zero-shot score subtracts, per finding, chosen on a
validation archive.

CMR-CLIP scores a finding as a study's similarity to the positive prompts minus its
similarity to the negative ones. Through a sentence model, a negated prompt ("no RV
dilatation", "normal right ventricular size") can lie close to its positive; subtracting it
then takes out part of the finding itself, and the pair score ranks worse than the positive
prompts alone. The other way round, when reports state the finding's absence in the prompts'
words more often than its presence, the negative prompts carry more of it than the positive
ones, and twice the negative can rank better than the pair. So the negative part's weight is
chosen per finding from a small grid on both sides of 1, on an archive that neither trained
the model nor evaluates it. The paper's pair score (weight 1)
stays unless another weight is clearly better on enough studies of both kinds. The choice is
part of the model's identity: an index scored with other weights is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cmr_search.vocab import Finding
from cmrclip.checkpoint import CARD, read_card, write_card
from cmrclip.metrics import roc_auc
from cmrclip.types import CheckpointError, ModelIdentity

logger = logging.getLogger(__name__)

# the pair score, twice the negative, half of it, the positive prompts alone
GRID = (1.0, 2.0, 0.5, 0.0)
MIN_STUDIES = 10  # positives and negatives each, for an AUC worth choosing by
MIN_GAIN_AUC = 0.02  # what another weight must add to the pair score's validation AUC


@dataclass(frozen=True)
class Choice:
    """One finding's weight and the validation AUCs it was chosen from."""

    finding: str
    positives: int
    negatives: int
    auc_by_weight: dict[str, float | None]  # None: one class missing
    weight: float
    reason: str


def choose(video: np.ndarray, labels: Mapping[Finding, np.ndarray],
           prompts: Mapping[Finding, tuple[np.ndarray, np.ndarray]]) -> list[Choice]:
    """The weight per finding from unit study vectors (n, dim), boolean labels per finding
    and the (mean positive, mean negative) prompt embeddings."""
    out = []
    for finding, (pos, neg) in prompts.items():
        y = np.asarray(labels[finding], dtype=bool)
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        aucs = {w: roc_auc(video @ pos - w * (video @ neg), y) for w in GRID}
        best = max(GRID, key=lambda w: (aucs[w], -abs(w - 1.0)))  # a tie: nearest the pair
        if min(n_pos, n_neg) < MIN_STUDIES:
            weight, reason = 1.0, f"{n_pos} positives, {n_neg} negatives: too few to choose"
        elif aucs[best] - aucs[1.0] < MIN_GAIN_AUC:
            weight, reason = 1.0, f"no weight adds {MIN_GAIN_AUC} AUC to the pair score"
        else:
            weight, reason = best, f"AUC {aucs[1.0]:.3f} -> {aucs[best]:.3f}"
        out.append(Choice(finding.value, n_pos, n_neg,
                          {f"{w:g}": round(a, 4) if np.isfinite(a) else None
                           for w, a in aucs.items()}, weight, reason))
    return out


def write_choice(folder: Path, choices: list[Choice], archive: str) -> ModelIdentity:
    """Record the weights in the checkpoint's card (identity and a table of the choice); the
    weights file is untouched."""
    card = read_card(folder)
    if "identity" not in card:
        raise CheckpointError(f"{folder / CARD}: no model identity (a released model's folder "
                              "is converted first: cmr-search convert-checkpoint)")
    weights = {c.finding: c.weight for c in choices if c.weight != 1.0}
    identity = ModelIdentity(**{**card["identity"], "negative_prompt_weights": weights})
    card["identity"] = identity.as_dict()
    card["zero_shot_contrast"] = {
        "archive": archive, "grid": list(GRID), "min_studies": MIN_STUDIES,
        "min_gain_auc": MIN_GAIN_AUC, "findings": [asdict(c) for c in choices]}
    write_card(folder, card)
    logger.info("negative prompt weights: %s", weights or "the pair score for every finding")
    return identity


def table(choices: list[Choice]) -> list[dict[str, Any]]:
    """Rows for a printed table."""
    return [{"finding": c.finding, "positives": c.positives,
             **{f"AUC w={w}": a for w, a in c.auc_by_weight.items()},
             "weight": c.weight, "why": c.reason} for c in choices]
