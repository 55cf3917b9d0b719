"""The encode stage: the model's vectors under the index's names, and the identity recorded."""

from __future__ import annotations

import numpy as np
from fakes.encoder import DIM, FakeEncoder

from catalog import STUDY, VIEW_VECTORS, dense_sizes
from cmr_search.vocab import ClipSlot
from cmrclip.clips import empty_clips
from indexer.embed import encoder_identity, encoder_sizes, point_vectors


def test_study_and_view_vectors_get_their_index_names() -> None:
    encoder = FakeEncoder()
    clips = empty_clips("1.2.3", encoder.spec)
    clips.cine_present[:3] = True
    clips.cine[:3] = np.random.default_rng(0).random(clips.cine[:3].shape)
    vectors = point_vectors(encoder.encode_clips([clips])[0])
    assert set(vectors) == {STUDY, *(VIEW_VECTORS[s] for s in (
        ClipSlot.SAX_BASAL, ClipSlot.SAX_MID, ClipSlot.SAX_APICAL))}


def test_the_identity_records_model_sizes_and_preprocessing() -> None:
    encoder = FakeEncoder()
    identity = encoder_identity(encoder)
    assert identity["model"] == encoder.identity.as_dict()
    assert identity["vectors"] == encoder_sizes(encoder) == dense_sizes(DIM, DIM)
    assert identity["clip_spec"]["version"] == encoder.spec.version
