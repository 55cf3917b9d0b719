"""The model: shapes, a learning step, the text tower offline, checkpoints, metrics, splits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from cmr_search.vocab import CINE_SLOTS, STILL_SLOTS
from cmrclip.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from cmrclip.data import augment, split_by_patient
from cmrclip.metrics import retrieval, roc_auc
from cmrclip.model import CMRClip, create_model
from cmrclip.registry import REGISTRY, get_config
from cmrclip.text import TextTower


@pytest.fixture(scope="module")
def text() -> TextTower:
    return TextTower()


@pytest.fixture(scope="module")
def tiny(text: TextTower) -> CMRClip:
    torch.manual_seed(0)
    return create_model("tiny", text)[0]


def _inputs(b: int, spec_size: int = 64, frames: int = 16) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(1)
    return (torch.rand(b, len(CINE_SLOTS), frames, spec_size, spec_size, generator=g),
            torch.ones(b, len(CINE_SLOTS), dtype=torch.bool),
            torch.rand(b, len(STILL_SLOTS), 3, spec_size, spec_size, generator=g),
            torch.tensor([[True, False]] * b))


def test_registry_gives_model_and_matching_preprocessing(tiny: CMRClip) -> None:
    assert set(REGISTRY) >= {"tiny", "base"}
    assert tiny.config.clip_spec.size == 64
    with pytest.raises(ValueError, match="unknown architecture"):
        get_config("huge")


def test_text_tower_loads_offline_and_separates_meanings(text: TextTower) -> None:
    features = text(["severe left ventricular dilatation", "dilated left ventricle",
                     "no pericardial effusion"])
    sim = torch.nn.functional.cosine_similarity(features[:, None], features[None], dim=-1)
    assert features.shape == (3, 384)
    assert sim[0, 1] > sim[0, 2]
    assert not any(p.requires_grad for p in text.encoder.parameters())


@pytest.mark.slow
def test_embeddings_are_normalised_and_a_step_lowers_the_loss(tiny: CMRClip) -> None:
    cine, cp, stills, sp = _inputs(4)
    study, views, mask = tiny.encode_video(cine, cp, stills, sp)
    assert study.shape == (4, 512) and views.shape == (4, 9, 512)
    assert torch.allclose(study.norm(dim=-1), torch.ones(4), atol=1e-5)
    assert mask[:, -1].logical_not().all()
    features = tiny.text_features(["a", "b", "c", "d"])
    optimizer = torch.optim.Adam([p for p in tiny.parameters() if p.requires_grad], 1e-3)
    tiny.train()
    losses = []
    for _ in range(8):
        loss = tiny.loss(tiny(cine, cp, stills, sp), tiny.project_text(features))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]


def test_checkpoint_round_trip_and_tamper_detection(tiny: CMRClip, text: TextTower,
                                                    tmp_path: Path) -> None:
    tiny.eval()
    identity = save_checkpoint(tiny, tmp_path / "ck", {"note": "test"})
    card = json.loads((tmp_path / "ck" / "model_card.json").read_text())
    assert card["identity"]["weights_sha256"] == identity.weights_sha256
    assert card["identity"]["clip_spec_version"] == tiny.config.clip_spec.version
    loaded, loaded_identity = load_checkpoint(tmp_path / "ck", text)
    assert loaded_identity == identity
    inputs = _inputs(2)
    with torch.no_grad():
        assert torch.allclose(loaded(*inputs), tiny(*inputs), atol=1e-5)
    weights = tmp_path / "ck" / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\x00" * 8)
    with pytest.raises(CheckpointError, match="does not match the model card"):
        load_checkpoint(tmp_path / "ck", text)


def test_base_architecture_builds_and_runs_small_inputs(text: TextTower) -> None:
    model, preprocess = create_model("base", text)
    assert preprocess.spec.size == 224 and preprocess.spec == model.config.clip_spec
    cine = _inputs(1, spec_size=32, frames=2)[0]
    with torch.no_grad():
        out = model.video.encoder(cine[0, :1])
    assert out.shape == (1, 768)


def test_metrics() -> None:
    sim = np.array([[0.9, 0.1, 0.0], [0.2, 0.1, 0.8], [0.0, 0.3, 0.7]])
    r = retrieval(sim)
    assert r.r1 == pytest.approx(2 / 3) and r.r5 == 1.0
    assert roc_auc(np.array([0.9, 0.8, 0.1, 0.2]), np.array([1, 1, 0, 0])) == 1.0
    assert roc_auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5


def test_split_keeps_each_patient_on_one_side() -> None:
    patients = [f"P{i // 2}" for i in range(200)]
    train, val = split_by_patient(patients, 0.2, seed=3)
    assert not {patients[i] for i in train} & {patients[i] for i in val}
    assert 0.1 < len(val) / 200 < 0.3
    assert split_by_patient(patients, 0.2, seed=3) == (train, val)


def test_augmentation_keeps_shape_range_and_does_not_mirror() -> None:
    cine, _, stills, _ = _inputs(3)
    cine[:, :, :, :, :32] = 0.0  # left half dark, right half bright
    cine[:, :, :, :, 32:] = 1.0
    out_cine, out_stills, _ = augment(cine, stills, torch.Generator().manual_seed(0))
    assert out_cine.shape == cine.shape and out_stills.shape == stills.shape
    assert float(out_cine.min()) >= 0.0 and float(out_cine.max()) <= 1.0
    left, right = out_cine[..., 8:24].mean(), out_cine[..., 40:56].mean()
    assert right > left + 0.5
