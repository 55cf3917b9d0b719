"""The encode stage: what the indexer needs of the model, and its vectors under index names."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from catalog import STUDY, VIEW_VECTORS, dense_sizes, index_identity
from cmrclip.clips import ClipSpec, StudyClips
from cmrclip.preprocess import Preprocess
from cmrclip.types import ModelIdentity, StudyVectors, TextVectors
from reader.reports import StudyReport


class StudyEncoder(Protocol):
    """`cmrclip.inference.Encoder` as the indexer uses it; tests pass a fast fake."""

    identity: ModelIdentity

    @property
    def spec(self) -> ClipSpec: ...

    @property
    def preprocess(self) -> Preprocess: ...

    @property
    def key(self) -> str: ...

    @property
    def joint_dim(self) -> int: ...

    @property
    def text_dim(self) -> int: ...

    def encode_clips(self, clips: list[StudyClips]) -> list[StudyVectors]: ...

    def encode_texts(self, texts: list[str]) -> TextVectors: ...

    def raw_scores(self, study_vector: np.ndarray) -> dict[str, float]: ...


def report_texts(report: StudyReport | None) -> tuple[str, str]:
    """What a report is embedded as: the impression through the CLIP text tower (what the
    model was trained on), and impression plus full text in the text model's own space."""
    if report is None:
        return "", ""
    return report.impression or report.text, f"{report.impression}\n{report.text}"


def point_vectors(vectors: StudyVectors) -> dict[str, np.ndarray]:
    """A study's image vectors under the index's vector names."""
    out = {STUDY: vectors.study}
    out.update({VIEW_VECTORS[slot]: v for slot, v in vectors.views.items()})
    return out


def encoder_sizes(encoder: StudyEncoder) -> dict[str, int]:
    return dense_sizes(encoder.joint_dim, encoder.text_dim)


def encoder_identity(encoder: StudyEncoder) -> dict[str, Any]:
    """What the index records about the model that built it."""
    return index_identity(encoder.identity.as_dict(), encoder_sizes(encoder),
                          encoder.spec.as_dict())
