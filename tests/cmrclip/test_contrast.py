"""Choosing the negative prompts' weight per finding, and recording it as the model's."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from catalog import IndexMismatchError, check_compatible, index_identity
from cmr_search.vocab import Finding
from cmrclip.checkpoint import read_identity
from cmrclip.contrast import choose, write_choice
from cmrclip.prompts import DEFAULT_VARIANT, VARIANTS
from cmrclip.types import CheckpointError, ModelIdentity

IDENTITY = ModelIdentity("tiny", "a" * 64, 8, "spec-1", "b" * 64)


def _unit(x: np.ndarray) -> np.ndarray:
    return np.asarray(x / np.linalg.norm(x, axis=-1, keepdims=True))


def _studies(n: int, positives: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit study vectors whose first axis carries the finding (a little, among noise)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) < positives
    video = rng.normal(size=(n, 8))
    video[:, 0] += np.where(labels, 1.0, -1.0)
    return _unit(video), labels


def test_a_negative_prompt_lying_on_the_positive_is_weighted_down() -> None:
    video, labels = _studies(200, 40, 0)
    finding = np.eye(8)[0]
    near = _unit(np.eye(8)[0] * 0.9 + np.eye(8)[1] * 0.3)  # "no X" embedded next to "X"
    far = _unit(-np.eye(8)[0] + np.eye(8)[2] * 0.2)  # a negative prompt that means "not X"
    (near_choice, far_choice) = choose(
        video, {Finding.RV_DILATION: labels, Finding.LGE: labels},
        {Finding.RV_DILATION: {DEFAULT_VARIANT: (finding, near)},
         Finding.LGE: {DEFAULT_VARIANT: (finding, far)}})
    assert near_choice.auc_by_weight["1"] < near_choice.auc_by_weight["0"]
    assert near_choice.weight < 1.0 and "->" in near_choice.reason
    assert far_choice.weight == 1.0  # the pair score is best: kept


def test_a_negative_prompt_that_carries_the_finding_better_is_weighted_up() -> None:
    video, labels = _studies(200, 40, 3)
    weak = _unit(np.eye(8)[0] * 0.15 + np.eye(8)[1])  # "X" embedded mostly off the finding
    clear = _unit(-np.eye(8)[0] + np.eye(8)[2] * 0.1)  # "no X", squarely against it
    (choice,) = choose(video, {Finding.LGE: labels},
                       {Finding.LGE: {DEFAULT_VARIANT: (weak, clear)}})
    assert choice.auc_by_weight["2"] > choice.auc_by_weight["1"] + 0.02
    assert choice.weight == 2.0 and "->" in choice.reason


def test_too_few_positives_keep_the_pair_score() -> None:
    video, labels = _studies(200, 6, 1)
    near = _unit(np.eye(8)[0] * 0.9 + np.eye(8)[1] * 0.3)
    (choice,) = choose(video, {Finding.AORTIC_DILATION: labels},
                       {Finding.AORTIC_DILATION: {DEFAULT_VARIANT: (np.eye(8)[0], near)}})
    assert choice.weight == 1.0 and "too few" in choice.reason


def test_the_choice_is_part_of_the_identity(tmp_path: Path) -> None:
    (tmp_path / "model_card.json").write_text(json.dumps({"identity": IDENTITY.as_dict()}))
    video, labels = _studies(200, 40, 2)
    choices = choose(video, {Finding.RV_DILATION: labels},
                     {Finding.RV_DILATION: {DEFAULT_VARIANT: (
                         np.eye(8)[0], _unit(np.eye(8)[0] * 0.9 + np.eye(8)[1] * 0.3))}})
    identity = write_choice(tmp_path, choices, "validation-archive")
    assert read_identity(tmp_path) == identity
    assert identity.negative_weight("rv_dilation") == choices[0].weight < 1.0
    assert identity.negative_weight("lge") == 1.0
    assert identity.key != IDENTITY.key  # records hold zero-shot scores: re-scored
    assert "negative_prompt_weights" not in IDENTITY.as_dict()  # older indexes stay valid
    built = index_identity(IDENTITY.as_dict(), {"study": 8}, {})
    with pytest.raises(IndexMismatchError, match=r"prompt weights.*--rebuild"):
        check_compatible(built, index_identity(identity.as_dict(), {"study": 8}, {}), "index")


@pytest.mark.parametrize("weights", [
    [0.5], None, {"rv_dilatation": 0.5}, {"lge": True}, {"lge": "0.5"}, {"lge": 2.5},
    {"lge": -0.5}])
def test_bad_weights_in_a_card_are_refused_naming_file_and_field(weights: object,
                                                                 tmp_path: Path) -> None:
    card = {"identity": {**IDENTITY.as_dict(), "negative_prompt_weights": weights}}
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError,
                       match=r"model_card.json: identity.negative_prompt_weights"):
        read_identity(tmp_path)


def test_a_weight_of_one_is_the_pair_score_and_changes_nothing() -> None:
    same = replace(IDENTITY, negative_prompt_weights={"lge": 1.0})
    assert same.as_dict() == IDENTITY.as_dict() and same.key == IDENTITY.key
    # the key of a model without weights is what it was before weights existed
    before = hashlib.sha256(f"tiny:{'a' * 64}:spec-1".encode()).hexdigest()[:12]
    assert IDENTITY.key == f"tiny-{before}"
    assert hash(replace(IDENTITY, negative_prompt_weights={"lge": 0.5})) != hash(IDENTITY)


def test_a_wording_that_ranks_clearly_better_is_chosen_with_its_weight() -> None:
    video, labels = _studies(200, 40, 4)
    clear = _unit(-np.eye(8)[0] + np.eye(8)[2] * 0.1)
    vague = _unit(np.eye(8)[0] * 0.1 + np.eye(8)[3])  # "scar": as near "no scar" as to scar
    (choice,) = choose(video, {Finding.LGE: labels}, {Finding.LGE: {
        DEFAULT_VARIANT: (vague, clear), "patterns": (np.eye(8)[0], clear)}})
    assert choice.variant == "patterns" and "->" in choice.reason
    assert set(choice.auc_by_variant) == {DEFAULT_VARIANT, "patterns"}
    assert choice.auc_by_weight == choice.auc_by_variant["patterns"]
    best = max(a for v in choice.auc_by_variant.values() for a in v.values() if a is not None)
    assert choice.auc_by_weight[f"{choice.weight:g}"] == best


def test_a_wording_no_better_keeps_the_default() -> None:
    video, labels = _studies(200, 40, 5)
    clear = _unit(-np.eye(8)[0] + np.eye(8)[2] * 0.1)
    (choice,) = choose(video, {Finding.LGE: labels}, {Finding.LGE: {
        DEFAULT_VARIANT: (np.eye(8)[0], clear), "patterns": (np.eye(8)[0], clear)}})
    assert (choice.variant, choice.weight) == (DEFAULT_VARIANT, 1.0)


def test_the_wording_is_part_of_the_identity_and_the_index_check(tmp_path: Path) -> None:
    worded = replace(IDENTITY, prompt_variants={"lge": "patterns"})
    assert worded.key != IDENTITY.key and worded.prompt_variant("lge") == "patterns"
    assert worded.prompt_variant("lv_dilation") == DEFAULT_VARIANT
    assert worded.as_dict()["prompt_variants"] == {"lge": "patterns"}
    same = replace(IDENTITY, prompt_variants={"lge": DEFAULT_VARIANT})
    assert same.as_dict() == IDENTITY.as_dict() and same.key == IDENTITY.key
    built = index_identity(IDENTITY.as_dict(), {"study": 8}, {})
    with pytest.raises(IndexMismatchError, match=r"prompt wordings lge patterns.*--rebuild"):
        check_compatible(built, index_identity(worded.as_dict(), {"study": 8}, {}), "index")
    (tmp_path / "model_card.json").write_text(json.dumps({"identity": worded.as_dict()}))
    assert read_identity(tmp_path) == worded


@pytest.mark.parametrize("variants", [
    ["patterns"], {"late_enhancement": "patterns"}, {"lge": "bare"}, {"lge": 1},
    {"aortic_dilation": "patterns"}])
def test_bad_wordings_in_a_card_are_refused_naming_file_and_field(variants: object,
                                                                  tmp_path: Path) -> None:
    card = {"identity": {**IDENTITY.as_dict(), "prompt_variants": variants}}
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match=r"model_card.json: identity.prompt_variants"):
        read_identity(tmp_path)


def test_every_wording_has_positive_and_negative_prompts() -> None:
    for finding, wordings in VARIANTS.items():
        assert DEFAULT_VARIANT in wordings, finding
        for positive, negative in wordings.values():
            assert positive and negative and not set(positive) & set(negative)
