"""Retrieval and detection metrics, written once and shared by training and evaluation."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Retrieval:
    r1: float
    r5: float
    r10: float
    median_rank: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def retrieval(similarity: np.ndarray, relevant: np.ndarray | None = None) -> Retrieval:
    """Rows are queries, columns candidates; the match of row i is column i.

    `relevant` (same shape, bool) lets several candidates count as a match (identical texts).
    """
    n = similarity.shape[0]
    if relevant is None:
        relevant = np.eye(n, dtype=bool)
    order = np.argsort(-similarity, axis=1)
    hits = np.take_along_axis(relevant, order, axis=1)
    first = np.argmax(hits, axis=1) + 1  # rank of the first relevant candidate
    return Retrieval(float(np.mean(first <= 1)), float(np.mean(first <= 5)),
                     float(np.mean(first <= 10)), float(np.median(first)))


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half); nan without both classes."""
    labels = labels.astype(bool)
    pos, neg = scores[labels], scores[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    i = 0
    while i < len(values):  # average ranks of ties
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))
