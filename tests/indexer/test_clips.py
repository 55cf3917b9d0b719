"""Clip assembly: time and space resampling, heart finding, spec versions, cache, previews."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from cmr_search.vocab import View
from indexer.assemble import ClipCache, assemble_study
from indexer.clips import CINE_SLOTS, STILL_SLOTS, ClipSpec, heart_center, resample_time
from indexer.scan import ScanResult
from indexer.stack import Stack, load_stack


def test_resample_time_follows_a_cycle() -> None:
    rr = 900.0
    times = np.array([0.0, 100.0, 250.0, 400.0, 600.0, 800.0])
    values = np.sin(2 * np.pi * times / rr)
    clip = np.broadcast_to(values[:, None, None], (6, 2, 2)).astype(np.float32)
    out = resample_time(clip, times, rr, 9)
    targets = np.arange(9) * rr / 9
    expected = np.interp(targets, np.append(times, rr), np.append(values, values[0]))
    assert np.allclose(out[:, 0, 0], expected, atol=1e-5)


def test_spec_version_changes_with_any_field() -> None:
    assert ClipSpec().version == ClipSpec().version
    assert ClipSpec(frames=8).version != ClipSpec().version
    with pytest.raises(ValueError):
        ClipSpec(percentiles=(99.0, 1.0))


def test_heart_is_found_where_it_moves() -> None:
    rng = np.random.default_rng(0)
    images = rng.normal(100, 5, size=(1, 12, 80, 80)).astype(np.float32)
    for k in range(12):  # a disc at row 50, column 20 that beats
        radius = 8 + 4 * np.sin(2 * np.pi * k / 12)
        rr, cc = np.ogrid[:80, :80]
        images[0, k][(rr - 50) ** 2 + (cc - 20) ** 2 < radius**2] = 400
    stack = Stack(images, np.zeros((1, 3)), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]),
                  (2.0, 2.0), np.arange(12) * 80.0, 960.0)
    center = heart_center(stack, 0)
    assert abs(center[0] - 40.0) < 4 and abs(center[1] - 100.0) < 4  # column 20, row 50 at 2 mm


def test_study_clips_hold_every_view_the_study_has(
        scanned: ScanResult, tmp_path: Path) -> None:
    study = scanned.studies[0]
    spec = ClipSpec(frames=8, size=48, pixel_mm=3.0)
    timings: dict[str, float] = {}
    assembly = assemble_study(study, spec, timings, preview_root=tmp_path / "previews")
    clips = assembly.clips
    assert clips.cine.shape == (len(CINE_SLOTS), 8, 48, 48)
    assert clips.stills.shape == (len(STILL_SLOTS), spec.stills, 48, 48)
    assert clips.cine_present[:3].all()
    views = set(study.views.values())
    assert clips.cine_present[CINE_SLOTS.index("4ch")] == (View.CH4_CINE in views)
    assert clips.stills_present[0] == (View.LGE_SAX in views)
    assert float(clips.cine.min()) >= 0.0 and float(clips.cine.max()) <= 1.0
    # the heart beats: end-systole differs from end-diastole in the mid slice
    mid = clips.cine[CINE_SLOTS.index("sax_mid")].astype(np.float32)
    assert np.abs(mid - mid[0]).max() > 0.2
    assert timings["pixel_decode"] > 0 and timings["resample"] > 0
    again = assemble_study(study, spec)
    assert np.array_equal(again.clips.cine, clips.cine)  # deterministic
    cache = ClipCache(tmp_path / "clips", spec)
    cache.put(clips)
    loaded = cache.get(study.study_instance_uid)
    assert loaded is not None and np.array_equal(loaded.cine, clips.cine)
    assert ClipCache(tmp_path / "clips", ClipSpec()).get(study.study_instance_uid) is None


def test_previews_play_at_the_true_rate_and_are_not_redone(
        scanned: ScanResult, tmp_path: Path) -> None:
    study = scanned.studies[1]
    first = assemble_study(study, ClipSpec(), preview_root=tmp_path).previews["sax"]
    stamp = first.animation.stat().st_mtime_ns
    with Image.open(first.animation) as image:
        assert image.n_frames >= 20 and image.size == (112, 112)
        sax = load_stack(study.series_for(View.SAX_CINE)[0])
        expected = np.median(np.diff(np.sort(sax.times_ms)))
        image.seek(1)
        image.load()  # Pillow reports a WebP frame's duration once the frame is decoded
        assert abs(image.info["duration"] - expected) <= 2
    assert first.animation.stat().st_size < 40_000
    assert first.poster.exists()
    again = assemble_study(study, ClipSpec(), preview_root=tmp_path).previews["sax"]
    assert again.animation.stat().st_mtime_ns == stamp


def test_a_study_without_usable_short_axis_is_refused(scanned: ScanResult) -> None:
    from indexer.stack import PixelError

    study = scanned.studies[0]
    crippled: Any = type(study)(study.info, study.folder, study.series,
                                {uid: View.OTHER for uid in study.views})
    with pytest.raises(PixelError, match="no short-axis cine"):
        assemble_study(crippled, ClipSpec())
