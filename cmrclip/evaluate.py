"""Evaluation as in CMR-CLIP: retrieval, zero-shot detection, few-shot, linear probe, baselines.

The caller brings the labels (`EvalData`): from a synthetic archive's ground truth, or from the
report labeler. Retrieval queries are texts of the same facts (for a synthetic archive, a second
report written in another style); a hit is any study with the same signature (diagnosis and
finding profile), because many studies share an impression ("Normal study.").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from cmr_search.vocab import CMR_CLIP_FINDINGS, Finding
from cmrclip.data import PairSet, split_by_patient
from cmrclip.metrics import retrieval, roc_auc
from cmrclip.model import ClipModel
from cmrclip.prompts import DEFAULT_VARIANT, VARIANTS, Prompts, prompts_for
from cmrclip.text import TextEncoder
from cmrclip.train import embed_pairs
from cmrclip.types import ModelIdentity

SHOTS = (1, 2, 4, 8, 16, 32)
_EPISODES = 50


@dataclass
class EvalData:
    """Pairs and what is known of them: a label per finding, a retrieval signature and a
    query text per study, and where the labels came from."""

    pairs: PairSet
    labels: dict[Finding, np.ndarray]  # bool per study
    signature: list[str]  # diagnosis + finding profile, for retrieval relevance
    queries: list[str]  # texts of the same facts, to retrieve the study by
    label_source: str

    def __post_init__(self) -> None:
        n = len(self.pairs)
        if len(self.signature) != n or len(self.queries) != n or any(
                len(v) != n for v in self.labels.values()):
            raise ValueError("one label, signature and query per study")


def _best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    candidates = np.unique(scores)
    if len(candidates) < 2 or labels.all() or not labels.any():
        return float(np.median(scores))
    j = [(labels & (scores >= c)).sum() / labels.sum() - ((~labels) & (scores >= c)).sum()
         / (~labels).sum() for c in candidates]
    return float(candidates[int(np.argmax(j))])


def _finite_mean(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def _accuracy_f1(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    if len(scores) == 0:
        return float("nan"), float("nan")
    predicted = scores >= threshold
    tp = float((predicted & labels).sum())
    precision = tp / max(predicted.sum(), 1)
    recall = tp / max(labels.sum(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return float((predicted == labels).mean()), float(f1)


Curves = dict[str, tuple[np.ndarray, np.ndarray]]


def _mean_embeddings(model: ClipModel, prompts: Prompts) -> tuple[np.ndarray, np.ndarray]:
    positive, negative = prompts
    with torch.no_grad():
        return (model.encode_text(list(positive)).mean(0).cpu().numpy(),
                model.encode_text(list(negative)).mean(0).cpu().numpy())


def prompt_embeddings(model: ClipModel, identity: ModelIdentity | None = None,
                      ) -> dict[Finding, tuple[np.ndarray, np.ndarray]]:
    """Mean positive and mean negative prompt embedding per CMR-CLIP finding, in the wording
    the model's `identity` records (the default wording without one)."""
    return {finding: _mean_embeddings(model, prompts_for(
        finding, identity.prompt_variant(finding.value) if identity else DEFAULT_VARIANT))
        for finding in CMR_CLIP_FINDINGS}


def variant_embeddings(model: ClipModel) -> dict[Finding, dict[str, tuple[np.ndarray,
                                                                           np.ndarray]]]:
    """The same for every wording of every finding's prompts (what `cmrclip.contrast`
    chooses from)."""
    return {finding: {name: _mean_embeddings(model, prompts)
                      for name, prompts in VARIANTS[finding].items()}
            for finding in CMR_CLIP_FINDINGS}


def zero_shot(model: ClipModel, video: np.ndarray, data: EvalData, val: list[int],
              test: list[int], curves: Curves | None = None,
              identity: ModelIdentity | None = None) -> dict[str, dict[str, Any]]:
    """Pair scoring (positive minus negative prompts, the prompts worded and the negative
    weighted as the model's `identity` says; the paper's pair score without one) and the
    paper's positive-only scoring."""
    out: dict[str, dict[str, Any]] = {}
    for finding, (pos, neg) in prompt_embeddings(model, identity).items():
        weight = identity.negative_weight(finding.value) if identity else 1.0
        score = video @ pos - weight * (video @ neg)
        labels = data.labels[finding]
        threshold = _best_threshold(score[val], labels[val])
        accuracy, f1 = _accuracy_f1(score[test], labels[test], threshold)
        out[finding.value] = {
            "auc": roc_auc(score[test], labels[test]),
            "accuracy": accuracy, "f1": f1,
            "auc_positive_only": roc_auc((video @ pos)[test], labels[test]),
            "positives": int(labels[test].sum()),
            "negative_weight": weight,
            "prompt_variant": (identity.prompt_variant(finding.value) if identity
                               else DEFAULT_VARIANT),
        }
        if curves is not None:
            curves[finding.value] = (score[test], labels[test])
    return out


def _retrieval(queries: np.ndarray, docs: np.ndarray, signature: list[str]) -> dict[str, Any]:
    relevant = np.array([[a == b for b in signature] for a in signature])
    return {"t2v": retrieval(queries @ docs.T, relevant).as_dict(),
            "v2t": retrieval(docs @ queries.T, relevant).as_dict()}


def few_shot(video: np.ndarray, data: EvalData, support: list[int], query: list[int],
             seed: int) -> dict[str, dict[str, float]]:
    """Prototype classifiers from k positive and k negative examples, averaged over episodes."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, float]] = {}
    for finding in CMR_CLIP_FINDINGS:
        labels = data.labels[finding]
        pos = [i for i in support if labels[i]]
        neg = [i for i in support if not labels[i]]
        result = {}
        for k in SHOTS:
            if len(pos) < k or len(neg) < k:
                continue
            aucs = []
            for _ in range(_EPISODES):
                p = video[rng.choice(pos, k, replace=False)].mean(0)
                n = video[rng.choice(neg, k, replace=False)].mean(0)
                aucs.append(roc_auc(video[query] @ (p - n), labels[query]))
            result[str(k)] = _finite_mean(aucs)
        out[finding.value] = result
    return out


def _fit_logistic(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights and bias of an L2-regularised logistic regression (L-BFGS)."""
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([w, b], max_iter=200)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y) + 1e-3 * (w @ w)
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimizer.step(closure)  # type: ignore[no-untyped-call]
    return w.detach(), b.detach()


def linear_probe(video: np.ndarray, data: EvalData, support: list[int],
                 query: list[int]) -> dict[str, float]:
    """L2-regularised logistic regression on frozen study embeddings: test AUC per finding."""
    out = {}
    x_train = torch.as_tensor(video[support], dtype=torch.float32)
    for finding in CMR_CLIP_FINDINGS:
        y = torch.as_tensor(data.labels[finding][support], dtype=torch.float32)
        if y.sum() == 0 or y.sum() == len(y):
            out[finding.value] = float("nan")
            continue
        w, b = _fit_logistic(x_train, y)
        scores = (torch.as_tensor(video[query]) @ w + b).numpy()
        out[finding.value] = roc_auc(scores, data.labels[finding][query])
    return out


def evaluate_model(model: ClipModel, data: EvalData, seed: int = 0, full: bool = True,
                   curves: Curves | None = None,
                   identity: ModelIdentity | None = None) -> dict[str, Any]:
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        features = torch.cat([model.text_features(data.queries[i:i + 64])
                              for i in range(0, len(data.queries), 64)])
    video, queries = embed_pairs(model, data.pairs, device, features)
    val, test = split_by_patient(data.pairs.patient_ids, 0.3, seed)
    result: dict[str, Any] = {
        "zero_shot": zero_shot(model, video, data, val, test, curves, identity),
        "retrieval": _retrieval(queries, video, data.signature),
    }
    if full:
        support, query = split_by_patient(data.pairs.patient_ids, 0.5, seed + 1)
        result["few_shot"] = few_shot(video, data, support, query, seed)
        result["linear_probe"] = linear_probe(video, data, support, query)
    return result


def text_only_baseline(text: TextEncoder, data: EvalData) -> dict[str, Any]:
    """Search the reports instead of the images: the model's text tower over impressions."""
    with torch.no_grad():
        docs = torch.nn.functional.normalize(text(list(data.pairs.texts)), dim=-1).cpu().numpy()
        queries = torch.nn.functional.normalize(text(data.queries), dim=-1).cpu().numpy()
    return {"retrieval": _retrieval(queries, docs, data.signature)}
