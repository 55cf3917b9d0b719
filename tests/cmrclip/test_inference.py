"""The model at inference (the demo checkpoint): unit vectors, finding directions, identity."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from cmr_search.vocab import Finding
from cmrclip.checkpoint import DEMO_CHECKPOINT, read_identity
from cmrclip.clips import empty_clips
from cmrclip.inference import Encoder
from cmrclip.prompts import DEFAULT_VARIANT, VARIANTS, prompts_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder.from_checkpoint(DEMO_CHECKPOINT)


def test_vectors_are_unit_length_in_both_spaces(encoder: Encoder) -> None:
    environ = dict(os.environ)
    texts = encoder.encode_texts(["dilated LV", "no LGE"])
    assert texts.joint.shape == (2, encoder.joint_dim) and texts.own.shape[1] == encoder.text_dim
    assert np.allclose(np.linalg.norm(texts.joint, axis=1), 1.0, atol=1e-5)
    assert dict(os.environ) == environ  # loading a model changes no process setting
    clips = empty_clips("1.2.3", encoder.spec)
    clips.cine_present[:3] = True
    (study,) = encoder.encode_clips([clips])
    assert set(study.views) == {"sax_basal", "sax_mid", "sax_apical"}
    assert np.isclose(np.linalg.norm(study.study), 1.0, atol=1e-5)


def test_directions_and_scores_cover_the_seven_findings(encoder: Encoder) -> None:
    directions = encoder.finding_directions()
    assert len(directions) == 7 and encoder.finding_directions() is directions
    assert set(encoder.raw_scores(np.ones(encoder.joint_dim, np.float32))) == set(directions)


def test_the_identity_is_read_without_loading_weights(encoder: Encoder) -> None:
    assert read_identity(DEMO_CHECKPOINT) == encoder.identity
    assert encoder.key.startswith("tiny-") and encoder.key == encoder.identity.key


def test_the_negative_prompts_weigh_as_the_identity_says(encoder: Encoder) -> None:
    weights = {**encoder.identity.negative_prompt_weights, "lge": 0.0}
    weighted = Encoder(encoder.model, replace(encoder.identity, negative_prompt_weights=weights),
                       "cpu")
    wording = prompts_for(Finding.LGE, encoder.identity.prompt_variant("lge"))
    positive = weighted.encode_texts(list(wording[0])).joint.mean(0)
    assert np.allclose(weighted.finding_directions()["lge"], positive, atol=1e-5)
    for name, direction in encoder.finding_directions().items():
        if name != "lge":
            assert np.allclose(weighted.finding_directions()[name], direction, atol=1e-5)


@pytest.mark.parametrize("wording", sorted(VARIANTS[Finding.LGE]))
def test_the_prompts_are_worded_as_the_identity_says(encoder: Encoder, wording: str) -> None:
    variants = {**encoder.identity.prompt_variants, "lge": wording}
    worded = Encoder(encoder.model, replace(encoder.identity, prompt_variants=variants), "cpu")
    positive, negative = VARIANTS[Finding.LGE][wording]
    weight = encoder.identity.negative_weight("lge")
    expected = (worded.encode_texts(list(positive)).joint.mean(0)
                - weight * worded.encode_texts(list(negative)).joint.mean(0))
    assert np.allclose(worded.finding_directions()["lge"], expected, atol=1e-5)
    assert (worded.key == encoder.key) == (wording == encoder.identity.prompt_variant("lge"))
    assert wording == DEFAULT_VARIANT or worded.identity.prompt_variants["lge"] == wording
