"""The anatomy stem: the shipped segmentation network, frozen, feeding the short-axis slots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from cmr_search.vocab import CINE_SLOTS, SAX_SLOTS, STILL_SLOTS
from cmrclip.anatomy import canonical_pose
from cmrclip.checkpoint import load_checkpoint, save_checkpoint
from cmrclip.data import PairSet, augment
from cmrclip.model import CMRClip, create_model
from cmrclip.registry import AnatomyConfig, VideoConfig
from cmrclip.text import TextTower
from cmrclip.train import TrainConfig, train
from segment.checkpoint import WEIGHTS
from segment.checkpoint import load_checkpoint as load_segmentation
from segment.paths import DEFAULT_CHECKPOINT

SEG_WEIGHTS = DEFAULT_CHECKPOINT / WEIGHTS


@pytest.fixture(scope="module")
def model() -> CMRClip:
    torch.manual_seed(0)
    built = create_model("tiny-anatomy", TextTower())[0]
    assert isinstance(built, CMRClip) and built.video.stem is not None
    built.video.stem.load(SEG_WEIGHTS)
    return built


def _heart(b: int) -> torch.Tensor:
    """Clips (b, cine slots, 16, 64, 64) at 2.2 mm: a bright LV pool in a dark wall that beats,
    a bright RV beside it, grey surroundings."""
    yy, xx = np.mgrid[:64, :64]
    clips = np.full((b, len(CINE_SLOTS), 16, 64, 64), 0.3, dtype=np.float32)
    for t in range(16):
        r = 9.0 - 3.0 * np.sin(np.pi * t / 16)  # cavity radius (pixels) over the cycle
        d = np.hypot(yy - 32, xx - 34)
        frame = np.where(d < r + 4.5, 0.15, 0.3)
        frame = np.where(d < r, 0.9, frame)
        frame = np.where((np.hypot(yy - 30, xx - 16) < 8) & (d >= r + 4.5), 0.85, frame)
        clips[:, :, t] = frame
    return torch.from_numpy(clips)


def test_stem_is_the_segmentation_network(model: CMRClip) -> None:
    """Same architecture and weights as the segmentation checkpoint it was loaded from."""
    network, config, _ = load_segmentation(DEFAULT_CHECKPOINT)
    assert model.video.stem is not None
    assert AnatomyConfig(config.filters, config.spacing_mm, config.n_classes) == \
        model.video.stem.config
    ours = model.video.stem.net.state_dict()
    for key, value in network.state_dict().items():
        assert torch.equal(ours[key], value), key


def test_stem_finds_the_ventricles_and_their_motion(model: CMRClip) -> None:
    clips = _heart(1)
    maps = model.video.anatomy(clips)
    assert maps.shape == (1, len(SAX_SLOTS), 16, 3, 64, 64)
    assert float(maps.min()) >= 0.0 and float(maps.sum(dim=3).max()) <= 1.0 + 1e-4
    cavity = maps[0, 1, :, 0].sum(dim=(1, 2))  # LV cavity area (pixels) per frame
    assert float(maps[0, 1, 0, 0, 32, 34]) > 0.5  # the pool's centre is LV cavity
    assert float(cavity[0]) > 1.3 * float(cavity[8])  # it shrinks in systole


def test_short_axis_slots_read_anatomy_only(model: CMRClip) -> None:
    cine = torch.rand(2, len(CINE_SLOTS), 16, 64, 64)
    stills = torch.rand(2, len(STILL_SLOTS), 3, 64, 64)
    anatomy = torch.rand(2, len(SAX_SLOTS), 16, 3, 64, 64)
    x, s = model.video._channels(cine, stills, anatomy)
    sax = len(SAX_SLOTS)
    assert x.shape == (2, len(CINE_SLOTS), 16, 4, 64, 64)
    assert torch.equal(x[:, :sax, :, 0], torch.zeros_like(x[:, :sax, :, 0]))
    assert torch.equal(x[:, :sax, :, 1:], anatomy)
    assert torch.equal(x[:, sax:, :, 0], cine[:, sax:])
    assert not x[:, sax:, :, 1:].any() and not s[:, :, :, 1:].any()
    # the grey levels of the short-axis slots do not reach the tower
    other = cine.clone()
    other[:, :sax] = torch.rand_like(other[:, :sax])
    present = torch.ones(2, len(CINE_SLOTS), dtype=torch.bool)
    still_present = torch.ones(2, len(STILL_SLOTS), dtype=torch.bool)
    model.eval()
    a = model.encode_video(cine, present, stills, still_present, anatomy)[0]
    b = model.encode_video(other, present, stills, still_present, anatomy)[0]
    assert torch.allclose(a, b)


def test_stem_stays_frozen(model: CMRClip) -> None:
    model.train()
    assert model.video.stem is not None and not model.video.stem.net.training
    assert not any(p.requires_grad for p in model.video.stem.parameters())
    model.eval()


def test_checkpoint_carries_the_stem_once(model: CMRClip, tmp_path: Path) -> None:
    save_checkpoint(model, tmp_path, {"training": {}})
    stored = load_file(str(tmp_path / "weights.safetensors"))
    assert not any(k.startswith("video.stem.net.skip_layers") for k in stored)  # aliases
    loaded, identity = load_checkpoint(tmp_path, model.text)
    assert identity.architecture == "tiny-anatomy"
    clips = _heart(1)
    present = torch.ones(1, len(CINE_SLOTS), dtype=torch.bool)
    stills = torch.zeros(1, len(STILL_SLOTS), 3, 64, 64)
    no_stills = torch.zeros(1, len(STILL_SLOTS), dtype=torch.bool)
    model.eval()
    assert torch.allclose(model.encode_video(clips, present, stills, no_stills)[0],
                          loaded.encode_video(clips, present, stills, no_stills)[0], atol=1e-6)


def test_augmentation_moves_the_maps_with_their_clips() -> None:
    clips = _heart(2)
    anatomy = torch.zeros(2, len(SAX_SLOTS), 16, 3, 64, 64)
    anatomy[:, :, :, 0] = (clips[:, :len(SAX_SLOTS)] > 0.5).float()
    stills = torch.zeros(2, len(STILL_SLOTS), 3, 64, 64)
    cine, _, moved = augment(clips, stills, torch.Generator().manual_seed(4), anatomy)
    assert moved is not None and moved.shape == anatomy.shape
    assert not moved[:, :, :, 1:].any()
    bright = cine[:, :len(SAX_SLOTS)] > 0.6
    agree = ((moved[:, :, :, 0] > 0.5) == bright).float().mean()
    assert float(agree) > 0.97


def test_anatomy_needs_its_weights_and_is_kept_with_the_pairs(tmp_path: Path) -> None:
    g = torch.Generator().manual_seed(0)
    n = 6
    pairs = PairSet([f"1.{i}" for i in range(n)], [f"p{i}" for i in range(n)],
                    [f"report {i % 3}" for i in range(n)], _heart(n).half(),
                    torch.ones(n, len(CINE_SLOTS), dtype=torch.bool),
                    torch.rand(n, len(STILL_SLOTS), 3, 64, 64, generator=g).half(),
                    torch.zeros(n, len(STILL_SLOTS), dtype=torch.bool))
    with pytest.raises(ValueError, match="segmentation network"):
        train(TrainConfig(out=tmp_path / "a", arch="tiny-anatomy", epochs=1), pairs)
    history = train(TrainConfig(out=tmp_path / "b", arch="tiny-anatomy", epochs=1, batch_size=3,
                                validation=0.3, seed=3, anatomy_weights=SEG_WEIGHTS), pairs)
    assert len(history) == 1 and pairs.anatomy is not None
    assert pairs.anatomy.shape == (n, len(SAX_SLOTS), 16, 3, 64, 64)
    card = (tmp_path / "b" / "last" / "model_card.json").read_text()
    assert '"anatomy_stem"' in card


def test_only_the_factorised_encoder_takes_a_stem() -> None:
    with pytest.raises(ValueError, match="factorised"):
        VideoConfig(kind="divided_attention", width=8, anatomy=AnatomyConfig())


def _maps(lv_yx: tuple[int, int], rv_yx: tuple[int, int] | None) -> torch.Tensor:
    """(1, SAX slots, 4, 3, 64, 64): an LV cavity disc in a wall ring, an RV disc (or none)."""
    yy, xx = np.mgrid[:64, :64]
    d = np.hypot(yy - lv_yx[0], xx - lv_yx[1])
    one = np.zeros((3, 64, 64), dtype=np.float32)
    one[0] = d < 6
    one[1] = (d >= 6) & (d < 9)
    if rv_yx is not None:
        one[2] = np.hypot(yy - rv_yx[0], xx - rv_yx[1]) < 6
    return torch.from_numpy(np.broadcast_to(one, (1, len(SAX_SLOTS), 4, 3, 64, 64)).copy())


def _centre(p: torch.Tensor) -> np.ndarray:
    return np.argwhere(p.numpy() > 0.5).mean(axis=0)  # (row, col)


@pytest.mark.parametrize("rv_yx", [(14, 30), (30, 50), (44, 22), (30, 14)])
def test_pose_puts_the_rv_left_and_the_lv_in_the_middle(rv_yx: tuple[int, int]) -> None:
    """Wherever a scanner put the RV (above, right, below-left, left), it ends up left."""
    posed = canonical_pose(_maps((30, 30), rv_yx), reference=1)[0, 1, 0]
    lv, rv = _centre(posed[0]), _centre(posed[2])
    assert np.allclose(lv, [31.5, 31.5], atol=1.0)
    assert rv[1] < lv[1] - 10 and abs(rv[0] - lv[0]) < 2.0


def test_pose_without_an_rv_only_centres_the_lv() -> None:
    posed = canonical_pose(_maps((24, 38), None), reference=1)[0, 2, 3]
    assert np.allclose(_centre(posed[0]), [31.5, 31.5], atol=1.0)
    assert not posed[2].any()


def test_pose_without_a_reference_slice_leaves_the_maps() -> None:
    """A study with no mid short-axis cine: the other slots are not moved by a ghost centroid."""
    maps = _maps((20, 40), (20, 24))
    maps[:, 1] = 0.0
    maps[:, 1, :, :, 0, 0] = 1e-4  # the faint noise a stem gives on an empty frame
    posed = canonical_pose(maps, reference=1)
    assert torch.allclose(posed[0, 0], maps[0, 0], atol=1e-5)


def test_weights_that_do_not_read_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"\xff" * 64)
    stem = create_model("tiny-anatomy", TextTower())[0].video.stem  # type: ignore[union-attr]
    assert stem is not None
    with pytest.raises(ValueError, match="not weights of the anatomy stem's network") as error:
        stem.load(bad)
    assert "\n" not in str(error.value)
