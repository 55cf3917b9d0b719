"""The clip spec (a versioned contract) and the clip cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cmrclip.clips import ClipCache, ClipSpec, empty_clips


def test_spec_version_changes_with_any_field() -> None:
    assert ClipSpec().version == ClipSpec().version
    assert ClipSpec(frames=8).version != ClipSpec().version
    with pytest.raises(ValueError):
        ClipSpec(percentiles=(99.0, 1.0))
    with pytest.raises(ValueError):
        ClipSpec(frames=1)


def test_the_cache_is_keyed_by_spec_version_and_skips_broken_entries(tmp_path: Path) -> None:
    spec = ClipSpec(frames=4, size=16)
    clips = empty_clips("1.2.3", spec)
    clips.cine[0] = 0.5
    cache = ClipCache(tmp_path, spec)
    cache.put(clips)
    loaded = cache.get("1.2.3")
    assert loaded is not None and np.array_equal(loaded.cine, clips.cine)
    assert ClipCache(tmp_path, ClipSpec()).get("1.2.3") is None
    cache.path("1.2.3").write_bytes(b"not an npz")
    assert cache.get("1.2.3") is None
    assert not list(tmp_path.rglob("*.partial.npz"))
