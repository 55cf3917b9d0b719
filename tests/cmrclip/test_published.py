"""The released CMR-CLIP architecture: exactly its state dict, its text pooling, its warnings."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from fakes.published import MINI

from cmrclip import published
from cmrclip.model import create_model
from cmrclip.published import PublishedCMRClip, build_published, load_tokenizer
from cmrclip.registry import get_config
from cmrclip.study_video import StudyVideo

# every key and shape of the released file (from the model page's pytorch_model.bin)
REFERENCE = Path(__file__).with_name("published_state_dict.json")


def test_the_full_size_model_has_exactly_the_released_keys_and_shapes() -> None:
    expected = json.loads(REFERENCE.read_text())
    model = build_published(get_config("cmrclip-published"), device="meta")
    got = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert got == expected
    assert len(got) == 426 and sum(v.numel() for v in model.state_dict().values()) == 223_312_384


@pytest.fixture(scope="module")
def mini(mini_release: Path) -> PublishedCMRClip:
    model, preprocess = create_model(MINI.name, vocab=mini_release)
    assert isinstance(model, PublishedCMRClip) and isinstance(preprocess, StudyVideo)
    return model


def test_the_factory_gives_the_released_model_and_its_video_preprocessing(
        mini: PublishedCMRClip) -> None:
    assert mini.preprocess == StudyVideo(MINI.clip_spec, 8)
    config = get_config("cmrclip-published")
    assert (config.video.frames, config.clip_spec.size, config.embed_dim) == (64, 224, 512)
    assert not config.per_view_vectors and get_config("tiny").per_view_vectors


def test_text_features_are_the_mask_weighted_mean_of_the_last_hidden_states(
        mini: PublishedCMRClip) -> None:
    texts = ["dilated left ventricle with severe systolic dysfunction", "normal study"]
    with torch.no_grad():
        batch = mini.text_features(texts)
        alone = mini.text_features(texts[1:])  # no padding: padding must not change the mean
        joint = mini.encode_text(texts)
    assert batch.shape == (2, 32) and torch.allclose(batch[1], alone[0], atol=1e-5)
    assert torch.allclose(joint.norm(dim=-1), torch.ones(2), atol=1e-5)
    assert mini.text.width == 32 and mini.text.folder is not None


def test_the_tokenizer_lowercases_like_bio_clinicalbert_and_comes_from_the_folder(
        mini_release: Path, tmp_path: Path) -> None:
    tokenizer = load_tokenizer(mini_release, MINI.bert)  # type: ignore[arg-type]
    assert tokenizer.tokenize("Dilated LV") == ["dilated", "lv"]
    with pytest.raises(FileNotFoundError, match=r"vocab\.txt: missing"):
        load_tokenizer(tmp_path, MINI.bert)  # type: ignore[arg-type]
    (tmp_path / "vocab.txt").write_text("\n".join(f"w{i}" for i in range(200)))
    with pytest.raises(ValueError, match="200 WordPieces, the text tower has 96 embeddings"):
        load_tokenizer(tmp_path, MINI.bert)  # type: ignore[arg-type]


def test_videos_are_unit_vectors_without_per_view_vectors(mini: PublishedCMRClip) -> None:
    cine = torch.rand(3, 7, 4, 32, 32)
    stills = torch.rand(3, 2, 2, 32, 32)
    present = torch.ones(3, 7, dtype=torch.bool), torch.ones(3, 2, dtype=torch.bool)
    with torch.no_grad():
        study, views, mask = mini.encode_video(cine, present[0], stills, present[1])
        one = mini.encode_video(cine[1:2], present[0][1:2], stills[1:2], present[1][1:2])[0]
    assert study.shape == (3, 16) and views.shape == (3, 0, 16) and mask.shape == (3, 0)
    assert torch.allclose(study.norm(dim=-1), torch.ones(3), atol=1e-5)
    assert torch.allclose(study[1], one[0], atol=1e-5)  # studies are encoded one at a time


def test_a_slow_cpu_warns_once_with_the_time_per_study(mini: PublishedCMRClip,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(published, "_SLOW_STUDY_S", 0.0)
    monkeypatch.setattr(mini, "_warned_cpu", False)
    inputs = (torch.rand(2, 7, 4, 32, 32), torch.ones(2, 7, dtype=torch.bool),
              torch.rand(2, 2, 2, 32, 32), torch.ones(2, 2, dtype=torch.bool))
    with caplog.at_level(logging.WARNING, logger="cmrclip.published"), torch.no_grad():
        mini.encode_video(*inputs)
        mini.encode_video(*inputs)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "runs on the CPU" in warnings[0] and "s per study" in warnings[0]
    assert "CMR_SEARCH_DEVICE=cuda" in warnings[0]
