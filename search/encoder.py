"""The model as search sees it: query texts in, vectors out (a fake in tests)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from cmrclip.types import ModelIdentity, TextVectors


class QueryEncoder(Protocol):
    """What `cmrclip.inference.Encoder` offers search; tests pass an in-memory fake."""

    identity: ModelIdentity

    @property
    def key(self) -> str: ...

    @property
    def per_view(self) -> bool:
        """Whether the index holds a vector per view (the released CMR-CLIP has none)."""
        ...

    def encode_texts(self, texts: list[str]) -> TextVectors: ...

    def finding_directions(self) -> dict[str, np.ndarray]:
        """Finding -> (mean positive - weight x mean negative prompt) in the joint space; the
        weight per finding is the model identity's `negative_prompt_weights` (1 by default)."""
        ...
