"""The model as search sees it: texts and study clips in, vectors out (a fake in tests)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from cmrclip.checkpoint import ModelIdentity
from indexer.clips import ClipSpec, StudyClips
from indexer.embed import TextVectors


class QueryEncoder(Protocol):
    """What `indexer.embed.Embedder` offers search; tests pass an in-memory fake."""

    identity: ModelIdentity

    @property
    def key(self) -> str: ...

    @property
    def spec(self) -> ClipSpec: ...

    def encode_texts(self, texts: list[str]) -> TextVectors: ...

    def encode_clips(self, clips: list[StudyClips]) -> list[dict[str, np.ndarray]]: ...

    def finding_directions(self) -> dict[str, np.ndarray]:
        """Finding -> (mean positive - mean negative prompt) in the joint space."""
        ...
