"""Query-vector maths: a text query moved along finding directions, or away from examples."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cmr_search.vocab import Finding


def _unit(vector: np.ndarray) -> np.ndarray:
    return np.asarray(vector / (np.linalg.norm(vector) or 1.0), dtype=np.float32)


def steer(vector: np.ndarray, directions: dict[str, np.ndarray], wanted: Iterable[Finding],
          ruled_out: Iterable[Finding], contrast: float) -> np.ndarray:
    """The CLIP text embedding pushed `contrast` along each wanted finding's prompt direction
    (positive minus weighted negative, `Encoder.finding_directions`), and as far against
    each ruled-out one."""
    moved = vector.astype(np.float32)
    for sign, findings in ((1.0, wanted), (-1.0, ruled_out)):
        for finding in findings:
            d = directions[finding.value]
            moved = moved + sign * contrast * d / (np.linalg.norm(d) or 1.0)
    return _unit(moved)


def away_from(vector: np.ndarray, unwanted: list[np.ndarray], contrast: float) -> np.ndarray:
    """Rocchio's negative feedback: subtract `contrast` times the mean of unwanted vectors."""
    if not unwanted:
        return vector
    return _unit(vector - contrast * np.mean(unwanted, axis=0))
