"""How much of the negative prompts a zero-shot score subtracts, and in which wording the
prompts are put, per finding, chosen on a validation archive.

CMR-CLIP scores a finding as a study's similarity to the positive prompts minus its
similarity to the negative ones. Through a sentence model, a negated prompt ("no RV
dilatation", "normal right ventricular size") can lie close to its positive; subtracting it
then takes out part of the finding itself, and the pair score ranks worse than the positive
prompts alone. The other way round, when reports state the finding's absence in the prompts'
words more often than its presence, the negative prompts carry more of it than the positive
ones, and twice the negative can rank better than the pair. So the negative part's weight is
chosen per finding from a small grid on both sides of 1, on an archive that neither trained
the model nor evaluates it. Where a finding has other wordings (`cmrclip.prompts.VARIANTS`),
each is scored with each weight. The paper's pair score (weight 1) in the default wording
stays unless another choice is clearly better on enough studies of both kinds. The choice is
part of the model's identity: an index scored with other weights or wordings is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cmr_search.vocab import Finding
from cmrclip.checkpoint import CARD, read_card, write_card
from cmrclip.metrics import roc_auc
from cmrclip.prompts import DEFAULT_VARIANT
from cmrclip.types import CheckpointError, ModelIdentity

logger = logging.getLogger(__name__)

# the pair score, twice the negative, half of it, the positive prompts alone
GRID = (1.0, 2.0, 0.5, 0.0)
MIN_STUDIES = 10  # positives and negatives each, for an AUC worth choosing by
MIN_GAIN_AUC = 0.02  # what another weight must add to the pair score's validation AUC


@dataclass(frozen=True)
class Choice:
    """One finding's wording and weight, and the validation AUCs they were chosen from."""

    finding: str
    positives: int
    negatives: int
    auc_by_weight: dict[str, float | None]  # the chosen wording's; None: one class missing
    weight: float
    reason: str
    variant: str = DEFAULT_VARIANT
    # every wording's AUC by weight (wording -> weight -> AUC)
    auc_by_variant: dict[str, dict[str, float | None]] = field(default_factory=dict)


Embeddings = tuple[np.ndarray, np.ndarray]  # mean positive, mean negative prompt embedding


def choose(video: np.ndarray, labels: Mapping[Finding, np.ndarray],
           prompts: Mapping[Finding, Mapping[str, Embeddings]]) -> list[Choice]:
    """The wording and weight per finding from unit study vectors (n, dim), boolean labels
    per finding and, per wording of its prompts, the (mean positive, mean negative) prompt
    embeddings. The default wording's pair score stays unless another pair of wording and
    weight adds `MIN_GAIN_AUC`."""
    out = []
    for finding, wordings in prompts.items():
        y = np.asarray(labels[finding], dtype=bool)
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        aucs = {(v, w): roc_auc(video @ pos - w * (video @ neg), y)
                for v, (pos, neg) in wordings.items() for w in GRID}
        paper = (DEFAULT_VARIANT, 1.0)
        # a tie: the default wording, then the weight nearest the pair score
        best = max(aucs, key=lambda vw: (aucs[vw], vw[0] == DEFAULT_VARIANT, -abs(vw[1] - 1.0)))
        if min(n_pos, n_neg) < MIN_STUDIES:
            chosen, reason = paper, f"{n_pos} positives, {n_neg} negatives: too few to choose"
        elif aucs[best] - aucs[paper] < MIN_GAIN_AUC:
            chosen, reason = paper, f"nothing adds {MIN_GAIN_AUC} AUC to the pair score"
        else:
            chosen, reason = best, f"AUC {aucs[paper]:.3f} -> {aucs[best]:.3f}"
        table = {v: {f"{w:g}": round(aucs[v, w], 4) if np.isfinite(aucs[v, w]) else None
                     for w in GRID} for v in wordings}
        out.append(Choice(finding.value, n_pos, n_neg, table[chosen[0]], chosen[1], reason,
                          chosen[0], table))
    return out


def write_choice(folder: Path, choices: list[Choice], archive: str) -> ModelIdentity:
    """Record the weights in the checkpoint's card (identity and a table of the choice); the
    weights file is untouched."""
    card = read_card(folder)
    if "identity" not in card:
        raise CheckpointError(f"{folder / CARD}: no model identity (a released model's folder "
                              "is converted first: cmr-search convert-checkpoint)")
    weights = {c.finding: c.weight for c in choices if c.weight != 1.0}
    variants = {c.finding: c.variant for c in choices if c.variant != DEFAULT_VARIANT}
    identity = ModelIdentity(**{**card["identity"], "negative_prompt_weights": weights,
                                "prompt_variants": variants})
    card["identity"] = identity.as_dict()
    card["zero_shot_contrast"] = {
        "archive": archive, "grid": list(GRID), "min_studies": MIN_STUDIES,
        "min_gain_auc": MIN_GAIN_AUC, "findings": [asdict(c) for c in choices]}
    write_card(folder, card)
    logger.info("negative prompt weights: %s; wordings: %s",
                weights or "the pair score for every finding", variants or "the default")
    return identity


def table(choices: list[Choice]) -> list[dict[str, Any]]:
    """Rows for a printed table."""
    return [{"finding": c.finding, "positives": c.positives, "wording": c.variant,
             **{f"AUC w={w}": a for w, a in c.auc_by_weight.items()},
             "weight": c.weight, "why": c.reason} for c in choices]
