"""The model's interface as values: its identity and the vectors it returns.

Importable without torch, so search and tests can speak of a model without loading one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cmr_search.vocab import CMR_CLIP_FINDINGS, ClipSlot
from cmrclip.prompts import DEFAULT_VARIANT, VARIANTS


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message (one line) says which file and why."""


class MissingCheckpointError(CheckpointError):
    """A checkpoint folder that is not there. The caller that knows where `folder` was named
    (a setting, an option) says so: this package reads no environment."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"{folder}: not a folder (the model checkpoint)")
        self.folder = folder


MAX_NEGATIVE_WEIGHT = 2.0  # a zero-shot score subtracts at most twice the negative prompts


@dataclass(frozen=True)
class ModelIdentity:
    """What an index must record to know which model made its vectors."""

    architecture: str
    weights_sha256: str
    embed_dim: int
    clip_spec_version: str
    text_tower_sha256: str
    # per finding, how much of the negative prompts' embedding a zero-shot score subtracts
    # (1.0 for a finding not named, at most MAX_NEGATIVE_WEIGHT): chosen on a validation
    # archive (`cmrclip.contrast`)
    negative_prompt_weights: dict[str, float] = field(default_factory=dict)
    # per finding, the wording of its prompts (`cmrclip.prompts.VARIANTS`; the default for a
    # finding not named), chosen on the same validation archive
    prompt_variants: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._check_weights()
        self._check_variants()

    def _check_variants(self) -> None:
        variants = self.prompt_variants
        if not isinstance(variants, dict):
            raise CheckpointError(f"prompt_variants: {type(variants).__name__}, not an object "
                                  "of finding -> wording")
        known = {f.value: f for f in CMR_CLIP_FINDINGS}
        kept = {}
        for name, variant in variants.items():
            if name not in known:
                raise CheckpointError(f"prompt_variants.{name}: not a CMR-CLIP finding "
                                      f"({', '.join(sorted(known))})")
            wordings = VARIANTS[known[name]]
            if not isinstance(variant, str) or variant not in wordings:
                raise CheckpointError(f"prompt_variants.{name}: {variant!r} is not one of its "
                                      f"wordings ({', '.join(sorted(wordings))}); a newer "
                                      "cmr-search may know it")
            if variant != DEFAULT_VARIANT:
                kept[name] = variant
        object.__setattr__(self, "prompt_variants", kept)  # frozen: set once, here

    def _check_weights(self) -> None:
        weights = self.negative_prompt_weights
        if not isinstance(weights, dict):
            raise CheckpointError(f"negative_prompt_weights: {type(weights).__name__}, "
                                  "not an object of finding -> weight")
        known = {f.value for f in CMR_CLIP_FINDINGS}
        kept = {}
        for finding, weight in weights.items():
            if finding not in known:
                raise CheckpointError(f"negative_prompt_weights.{finding}: not a CMR-CLIP "
                                      f"finding ({', '.join(sorted(known))})")
            if isinstance(weight, bool) or not isinstance(weight, int | float) \
                    or not 0.0 <= weight <= MAX_NEGATIVE_WEIGHT:
                raise CheckpointError(f"negative_prompt_weights.{finding}: {weight!r} is not "
                                      f"a number from 0 to {MAX_NEGATIVE_WEIGHT:g}")
            if weight != 1.0:  # 1 is the pair score, what a finding not named gets
                kept[finding] = float(weight)
        object.__setattr__(self, "negative_prompt_weights", kept)  # frozen: set once, here

    def as_dict(self) -> dict[str, Any]:
        """As recorded with an index; without weights the record is what it always was, so
        indexes of such a model stay valid."""
        out = dict(self.__dict__)
        for name in ("negative_prompt_weights", "prompt_variants"):
            out[name] = dict(getattr(self, name))
            if not out[name]:
                del out[name]
        return out

    def __hash__(self) -> int:  # the weights are a dict: hash what the key is made of
        return hash((self.key, self.embed_dim, self.text_tower_sha256))

    def negative_weight(self, finding: str) -> float:
        return float(self.negative_prompt_weights.get(finding, 1.0))

    def prompt_variant(self, finding: str) -> str:
        return self.prompt_variants.get(finding, DEFAULT_VARIANT)

    @property
    def key(self) -> str:
        """A short folder-safe key for everything derived from this model (records, caches):
        records hold zero-shot scores, so the prompt weights and wordings are part of it."""
        text = f"{self.architecture}:{self.weights_sha256}:{self.clip_spec_version}"
        if self.negative_prompt_weights:
            text += ":" + ",".join(f"{k}={v:g}" for k, v in
                                   sorted(self.negative_prompt_weights.items()))
        if self.prompt_variants:
            text += ":" + ",".join(f"{k}~{v}" for k, v in sorted(self.prompt_variants.items()))
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
