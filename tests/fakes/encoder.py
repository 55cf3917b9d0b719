"""A deterministic stand-in for the CMR-CLIP encoder: no torch, no weights, microseconds.

Texts are bags of hashed words; a study's vectors come from its clips' pixels, so studies that
look alike embed alike. It serves search (texts, finding directions) and the indexer (clips).
"""

from __future__ import annotations

import hashlib

import numpy as np

from cmr_search.vocab import CINE_SLOTS, CMR_CLIP_FINDINGS, STILL_SLOTS
from cmrclip.clips import ClipSpec, StudyClips
from cmrclip.preprocess import Preprocess
from cmrclip.types import ModelIdentity, StudyVectors, TextVectors

DIM = 16
SLOTS = (*CINE_SLOTS, *STILL_SLOTS)


def unit(seed: str, dim: int = DIM) -> np.ndarray:
    rng = np.random.default_rng(int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16))
    v = rng.normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def _normalised(v: np.ndarray) -> np.ndarray:
    return np.asarray(v / (np.linalg.norm(v) or 1.0), dtype=np.float32)


class FakeEncoder:
    """Implements `search.encoder.QueryEncoder` and `indexer.embed.StudyEncoder`."""

    identity = ModelIdentity("fake", "0" * 64, DIM, "spec-1", "1" * 64)
    key = "fake-000000000000"
    spec = ClipSpec(frames=4, size=32, pixel_mm=3.0, stills=1)
    preprocess = Preprocess(spec)
    joint_dim = DIM
    text_dim = DIM
    per_view = True

    def __init__(self) -> None:
        # a fixed random projection of a clip's mean image: the same pixels, the same vector
        self._projection = np.stack([unit(f"pixel:{i}", self.spec.size**2) for i in range(DIM)])

    def encode_texts(self, texts: list[str]) -> TextVectors:
        rows = [_normalised(sum((unit(w) for w in text.lower().split()),
                                np.zeros(DIM, np.float32))) for text in texts]
        array = np.stack(rows).astype(np.float32)
        return TextVectors(array, array)

    def _image(self, frames: np.ndarray) -> np.ndarray:
        return _normalised(self._projection @ frames.astype(np.float32).mean(0).ravel())

    def encode_clips(self, clips: list[StudyClips]) -> list[StudyVectors]:
        out = []
        for c in clips:
            views = {slot: self._image(c.cine[i]) for i, slot in enumerate(CINE_SLOTS)
                     if c.cine_present[i]}
            views.update({slot: self._image(c.stills[i]) for i, slot in enumerate(STILL_SLOTS)
                          if c.stills_present[i]})
            out.append(StudyVectors(_normalised(sum(views.values(),
                                                    np.zeros(DIM, np.float32))), views))
        return out

    def finding_directions(self) -> dict[str, np.ndarray]:
        return {f.value: unit(f"finding:{f.value}") for f in CMR_CLIP_FINDINGS}

    def raw_scores(self, study_vector: np.ndarray) -> dict[str, float]:
        return {name: float(study_vector @ d) for name, d in self.finding_directions().items()}
