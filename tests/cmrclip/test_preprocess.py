"""Preprocessing: decoded views become clips (time and space resampling, windowing)."""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import CINE_SLOTS, STILL_SLOTS, ClipSlot, View
from cmrclip.clips import ClipSpec
from cmrclip.preprocess import Preprocess, clips_from_stacks, normalise, resample_time
from reader.stack import Stack
from reader.views import StudyStacks, ViewStacks


def test_resample_time_follows_a_cycle() -> None:
    rr = 900.0
    times = np.array([0.0, 100.0, 250.0, 400.0, 600.0, 800.0])
    values = np.sin(2 * np.pi * times / rr)
    clip = np.broadcast_to(values[:, None, None], (6, 2, 2)).astype(np.float32)
    out = resample_time(clip, times, rr, 9)
    targets = np.arange(9) * rr / 9
    expected = np.interp(targets, np.append(times, rr), np.append(values, values[0]))
    assert np.allclose(out[:, 0, 0], expected, atol=1e-5)


def test_the_window_maps_percentiles_to_zero_and_one() -> None:
    clip = np.linspace(0, 1000, 1000, dtype=np.float32).reshape(10, 10, 10)
    out = normalise(clip, ClipSpec(percentiles=(10.0, 90.0)))
    assert out.min() == 0.0 and out.max() == 1.0 and out.dtype == np.float32
    assert not normalise(np.ones((2, 4, 4), np.float32), ClipSpec()).any()


def _stack(slices: int, frames: int, normal_z: float = 1.0) -> Stack:
    rng = np.random.default_rng(slices)
    images = rng.uniform(0, 100, size=(slices, frames, 40, 40)).astype(np.float32)
    positions = np.array([[0.0, 0.0, 8.0 * k * normal_z] for k in range(slices)])
    return Stack(images, positions, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), (1.5, 1.5),
                 np.arange(frames) * 40.0, 40.0 * frames)


def test_clips_hold_every_view_the_stacks_have_and_only_those() -> None:
    sax = _stack(10, 20)
    stacks = StudyStacks("1.2.3", sax, np.array([30.0, 30.0, 40.0]), [], notes=["odd series"])
    stacks.views[View.CH4_CINE] = ViewStacks([_stack(1, 20)], np.array([30.0, 30.0, 0.0]), [])
    stacks.views[View.LGE_SAX] = ViewStacks([_stack(6, 1), _stack(2, 1)],
                                            stacks.sax_center, [])
    spec = ClipSpec(frames=8, size=24, pixel_mm=2.0, stills=3)
    timings: dict[str, float] = {}
    clips = Preprocess(spec)(stacks, timings)
    assert clips.cine.shape == (len(CINE_SLOTS), 8, 24, 24) and clips.cine.dtype == np.float16
    assert clips.stills.shape == (len(STILL_SLOTS), 3, 24, 24)
    present = {slot for slot, p in zip(CINE_SLOTS, clips.cine_present, strict=True) if p}
    assert present == {ClipSlot.SAX_BASAL, ClipSlot.SAX_MID, ClipSlot.SAX_APICAL, ClipSlot.CH4}
    assert clips.stills_present.tolist() == [True, False]
    assert clips.frame_interval_ms == sax.rr_ms / 8 and clips.notes == ["odd series"]
    assert timings["resample"] > 0
    again = clips_from_stacks(stacks, spec)
    assert np.array_equal(again.cine, clips.cine)  # deterministic
