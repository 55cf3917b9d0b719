"""The model's interface as values: its identity and the vectors it returns.

Importable without torch, so search and tests can speak of a model without loading one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from cmr_search.vocab import ClipSlot


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message (one line) says which file and why."""


@dataclass(frozen=True)
class ModelIdentity:
    """What an index must record to know which model made its vectors."""

    architecture: str
    weights_sha256: str
    embed_dim: int
    clip_spec_version: str
    text_tower_sha256: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @property
    def key(self) -> str:
        """A short folder-safe key for everything derived from this model (records, caches)."""
        text = f"{self.architecture}:{self.weights_sha256}:{self.clip_spec_version}"
        return f"{self.architecture}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class TextVectors:
    joint: np.ndarray  # (N, E) through the CLIP text tower
    own: np.ndarray  # (N, D) the text model's own (mean-pooled, normalised) space


@dataclass(frozen=True)
class StudyVectors:
    """One study: its pooled vector and a vector per view slot that holds data."""

    study: np.ndarray
    views: dict[ClipSlot, np.ndarray]
