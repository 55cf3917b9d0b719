"""`cmrclip.checkpoint.checkpoint_folder`: which checkpoint the settings name."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmrclip.checkpoint import DEMO_CHECKPOINT, checkpoint_folder
from cmrclip.types import CheckpointError


def test_a_missing_folder_the_environment_named_names_the_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CMR_SEARCH_CHECKPOINT=/nonexist: `query` said only "/nonexist: not a folder"."""
    missing = tmp_path / "nonexist"
    monkeypatch.setenv("CMR_SEARCH_CHECKPOINT", str(missing))
    with pytest.raises(CheckpointError) as raised:
        checkpoint_folder(missing)
    assert str(raised.value) == \
        f"CMR_SEARCH_CHECKPOINT={missing}: not a folder (the model checkpoint)"


def test_a_folder_named_elsewhere_or_present_is_returned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMR_SEARCH_CHECKPOINT", str(tmp_path))
    assert checkpoint_folder(tmp_path) == tmp_path
    assert checkpoint_folder(tmp_path / "other") == tmp_path / "other"  # a --checkpoint option
    assert checkpoint_folder(None) == DEMO_CHECKPOINT
