"""Where the encoder runs: a GPU when torch sees one ("auto"), else the CPU; never a guess."""

from __future__ import annotations

import pytest
import torch

from cmrclip.inference import resolve_device


def test_auto_is_a_gpu_only_when_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="torch sees no GPU here"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
