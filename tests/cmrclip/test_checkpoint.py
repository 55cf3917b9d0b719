"""`cmrclip.checkpoint.checkpoint_folder`: the checkpoint folder configured, or the demo one."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmrclip.checkpoint import DEMO_CHECKPOINT, checkpoint_folder
from cmrclip.types import CheckpointError, MissingCheckpointError


@pytest.mark.parametrize("environment", ["set", "unset"])
def test_a_missing_folder_is_refused_whatever_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    """The library read CMR_SEARCH_CHECKPOINT to word its error, and let a missing folder
    through when the variable named another: it takes the folder and says only what it
    knows; the CLI names the setting (`cli.common.checkpoint_line`)."""
    missing = tmp_path / "nonexist"
    if environment == "set":
        monkeypatch.setenv("CMR_SEARCH_CHECKPOINT", str(missing))
    else:
        monkeypatch.delenv("CMR_SEARCH_CHECKPOINT", raising=False)
    with pytest.raises(MissingCheckpointError) as raised:
        checkpoint_folder(missing)
    assert str(raised.value) == f"{missing}: not a folder (the model checkpoint)"
    assert raised.value.folder == missing and isinstance(raised.value, CheckpointError)


def test_a_folder_present_or_none_is_returned(tmp_path: Path) -> None:
    assert checkpoint_folder(tmp_path) == tmp_path
    assert checkpoint_folder(None) == DEMO_CHECKPOINT
