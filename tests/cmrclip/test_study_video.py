"""The released model's input: one composed, sampled, ImageNet-normalised study video."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cmr_search.vocab import CINE_SLOTS, STILL_SLOTS, ClipSlot, View
from cmrclip.clips import ClipSpec
from cmrclip.registry import get_config
from cmrclip.study_video import IMAGENET_MEAN, IMAGENET_STD, StudyVideo, interval_midpoints
from reader.stack import Stack
from reader.views import StudyStacks, ViewStacks

SPEC = ClipSpec(frames=4, size=16, pixel_mm=4.0, stills=2)


def _clips(fill: dict[ClipSlot, float]) -> tuple[torch.Tensor, ...]:
    """One study whose slots in `fill` hold that constant grey value (the rest absent)."""
    cine = torch.zeros(1, len(CINE_SLOTS), SPEC.frames, 16, 16)
    stills = torch.zeros(1, len(STILL_SLOTS), SPEC.stills, 16, 16)
    cine_present = torch.zeros(1, len(CINE_SLOTS), dtype=torch.bool)
    stills_present = torch.zeros(1, len(STILL_SLOTS), dtype=torch.bool)
    for slot, value in fill.items():
        if slot in CINE_SLOTS:
            cine[0, CINE_SLOTS.index(slot)] = value
            cine_present[0, CINE_SLOTS.index(slot)] = True
        else:
            stills[0, STILL_SLOTS.index(slot), :] = value
            stills_present[0, STILL_SLOTS.index(slot)] = True
    return cine, cine_present, stills, stills_present


def _grey(video: torch.Tensor) -> np.ndarray:
    """Undo the normalisation of channel 0 at one pixel: the grey value of every frame."""
    return (video[0, :, 0, 0, 0] * IMAGENET_STD[0] + IMAGENET_MEAN[0]).numpy()


def test_midpoints_of_equal_intervals_as_the_released_loader_takes_them() -> None:
    # bounds 0, 1.69, 3.38, 5.06, 6.75 -> 0, 1, 3, 5, 6: mid-points of (0, 0) (1, 2) (3, 4) (5, 5)
    assert interval_midpoints(108, 64)[:4].tolist() == [0, 1, 3, 5]
    assert interval_midpoints(108, 64)[-1] == 106
    assert interval_midpoints(5, 8).tolist() == [0, 1, 2, 3, 4]  # short: every frame once


def test_the_sequence_is_lax_cine_mid_sax_cine_lge_stack_then_repeated_lge_lax() -> None:
    video = StudyVideo(SPEC, frames=24)  # 2 x 4 + 2 + 3 x 2 = 16 frames, all taken
    values = {ClipSlot.CH4: 0.1, ClipSlot.SAX_MID: 0.2, ClipSlot.LGE_SAX: 0.3,
              ClipSlot.LGE_LAX: 0.4, ClipSlot.CH2: 0.9, ClipSlot.SAX_BASAL: 0.9}
    out = video.compose(*_clips(values))
    assert out.shape == (1, 24, 3, 16, 16)
    expected = [0.1] * 4 + [0.2] * 4 + [0.3] * 2 + [0.4] * 6
    assert np.allclose(_grey(out)[:16], expected, atol=1e-5)
    assert not out[0, 16:].any()  # past the sequence: zeros
    channels = out[0, 0, :, 0, 0]
    expected_channels = [(0.1 - m) / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD, strict=True)]
    assert np.allclose(channels.numpy(), expected_channels, atol=1e-5)


def test_a_missing_view_is_zeros_and_the_long_axis_falls_back_in_order() -> None:
    video = StudyVideo(SPEC, frames=16)
    out = video.compose(*_clips({ClipSlot.CH3: 0.5, ClipSlot.LVOT: 0.7, ClipSlot.SAX_MID: 0.2}))
    assert np.allclose(_grey(out)[:4], 0.5, atol=1e-5)  # no 4ch or 2ch: the 3-chamber cine
    assert not out[0, 8:].any()  # no LGE at all
    none = video.compose(*_clips({ClipSlot.SAX_MID: 0.2}))
    assert not none[0, :4].any() and none[0, 4:8].any()


def test_clips_of_another_spec_are_refused() -> None:
    cine, cine_present, stills, stills_present = _clips({ClipSlot.SAX_MID: 0.2})
    with pytest.raises(ValueError, match="clips of 3 frames, 2 stills, 16 px"):
        StudyVideo(SPEC).compose(cine[:, :, :3], cine_present, stills, stills_present)


def test_the_published_video_samples_64_of_108_frames() -> None:
    video = get_config("cmrclip-published").clip_spec
    assert (video.frames, video.size, video.stills) == (30, 224, 12)
    published = StudyVideo(video, 64)
    assert published.sequence_length == 108 and len(published.frame_indices()) == 64


def _stack(slices: int, frames: int) -> Stack:
    rng = np.random.default_rng(slices)
    images = rng.uniform(0, 100, size=(slices, frames, 40, 40)).astype(np.float32)
    positions = np.array([[0.0, 0.0, 8.0 * k] for k in range(slices)])
    return Stack(images, positions, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), (1.5, 1.5),
                 np.arange(frames) * 40.0, 40.0 * frames)


def test_called_on_decoded_views_it_gives_the_model_input() -> None:
    stacks = StudyStacks("1.2.3", _stack(10, 6), np.array([30.0, 30.0, 40.0]), [])
    stacks.views[View.CH4_CINE] = ViewStacks([_stack(1, 6)], np.array([30.0, 30.0, 0.0]), [])
    timings: dict[str, float] = {}
    out = StudyVideo(SPEC, frames=16)(stacks, timings)
    assert out.shape == (16, 3, 16, 16) and out.dtype == torch.float32
    assert out[:8].abs().sum() > 0 and not out[8:].any()  # cines there, no LGE
    assert timings["resample"] > 0
