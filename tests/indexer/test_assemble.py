"""One study's clips and previews, from its pixels decoded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from cmr_search.vocab import CINE_SLOTS, STILL_SLOTS, ClipSlot, PreviewKind, View
from cmrclip.clips import ClipCache, ClipSpec
from cmrclip.preprocess import Preprocess
from indexer.assemble import assemble_study
from reader.scan import ScanResult
from reader.stack import load_stack


def test_study_clips_hold_every_view_the_study_has(
        scanned: ScanResult, tmp_path: Path) -> None:
    study = scanned.studies[0]
    spec = ClipSpec(frames=8, size=48, pixel_mm=3.0)
    timings: dict[str, float] = {}
    assembly = assemble_study(study, Preprocess(spec), timings,
                              preview_root=tmp_path / "previews")
    clips = assembly.clips
    assert clips.cine.shape == (len(CINE_SLOTS), 8, 48, 48)
    assert clips.stills.shape == (len(STILL_SLOTS), spec.stills, 48, 48)
    assert clips.cine_present[:3].all()
    views = set(study.views.values())
    assert clips.cine_present[CINE_SLOTS.index(ClipSlot.CH4)] == (View.CH4_CINE in views)
    assert clips.stills_present[0] == (View.LGE_SAX in views)
    assert float(clips.cine.min()) >= 0.0 and float(clips.cine.max()) <= 1.0
    # the heart beats: end-systole differs from end-diastole in the mid slice
    mid = clips.cine[CINE_SLOTS.index(ClipSlot.SAX_MID)].astype(np.float32)
    assert np.abs(mid - mid[0]).max() > 0.2
    assert timings["pixel_decode"] > 0 and timings["resample"] > 0
    again = assemble_study(study, Preprocess(spec))
    assert np.array_equal(again.clips.cine, clips.cine)  # deterministic
    cache = ClipCache(tmp_path / "clips", spec)
    cache.put(clips)
    loaded = cache.get(study.study_instance_uid)
    assert loaded is not None and np.array_equal(loaded.cine, clips.cine)
    assert ClipCache(tmp_path / "clips", ClipSpec()).get(study.study_instance_uid) is None


def test_previews_play_at_the_true_rate_and_are_not_redone(
        scanned: ScanResult, tmp_path: Path) -> None:
    study = scanned.studies[1]
    plain = Preprocess(ClipSpec())
    first = assemble_study(study, plain, preview_root=tmp_path).previews[PreviewKind.SAX]
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
    again = assemble_study(study, plain, preview_root=tmp_path).previews[PreviewKind.SAX]
    assert again.animation.stat().st_mtime_ns == stamp


def test_a_study_without_a_cine_that_can_be_read_is_refused(scanned: ScanResult) -> None:
    from reader.stack import PixelError

    study = scanned.studies[0]
    crippled: Any = type(study)(study.info, study.folder, study.series,
                                {uid: View.OTHER for uid in study.views})
    with pytest.raises(PixelError, match="no short-axis or long-axis cine"):
        assemble_study(crippled, Preprocess(ClipSpec()))


def test_study_without_trigger_times_still_gives_clips(
        scanned: ScanResult, faults: dict[str, Any]) -> None:
    study = next(s for s in scanned.studies
                 if s.study_instance_uid == faults["missing_trigger_time"][0])
    clips = assemble_study(study, Preprocess(ClipSpec(frames=8, size=48, pixel_mm=3.0))).clips
    assert clips.cine_present.sum() >= 4


def test_a_study_that_reuses_anothers_sop_uids_gets_its_own_previews(
        scanned: ScanResult, tmp_path: Path) -> None:
    """Previews were keyed by SOP Instance UIDs alone: a study that reused another's showed
    that patient's images on its card."""
    import dataclasses

    from indexer.previews import render_previews
    from reader.views import load_study_stacks

    stacks = load_study_stacks(scanned.studies[0])
    other = dataclasses.replace(stacks, study_instance_uid="1.2.999")  # the same SOP UIDs
    mine = render_previews(stacks, tmp_path)[PreviewKind.SAX].animation
    theirs = render_previews(other, tmp_path)[PreviewKind.SAX].animation
    assert mine != theirs
