"""Query texts through ONNX Runtime: exported once, the torch vectors, torch as the fallback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cmrclip.checkpoint import DEMO_CHECKPOINT
from cmrclip.fast_text import TextRuntime, onnx_text
from cmrclip.inference import Encoder

pytestmark = pytest.mark.slow

TEXTS = ["dilated LV with transmural LGE", "HCM without LGE, mild RV dilation", "normal"]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder.from_checkpoint(DEMO_CHECKPOINT, "cpu")


def test_the_onnx_graph_gives_torchs_vectors_and_is_exported_once(
        encoder: Encoder, tmp_path: Path) -> None:
    torch_vectors = encoder.encode_texts(TEXTS)
    directions = encoder.finding_directions()
    assert encoder.accelerate_text(tmp_path, "onnx") == "onnx"
    (graph,) = tmp_path.glob("*-text-fp32.onnx")
    fast = encoder.encode_texts(TEXTS)
    assert np.abs(fast.joint - torch_vectors.joint).max() < 1e-5
    assert np.abs(fast.own - torch_vectors.own).max() < 1e-5
    assert np.allclose(encoder.finding_directions()["lge"], directions["lge"], atol=1e-5)
    written = graph.stat().st_mtime_ns
    again = onnx_text(encoder.model, encoder.identity, tmp_path, TextRuntime.ONNX)
    assert again is not None and graph.stat().st_mtime_ns == written  # reused, not re-exported
    assert encoder.accelerate_text(tmp_path, "torch") == "torch"


def test_a_broken_graph_leaves_queries_on_torch(encoder: Encoder, tmp_path: Path) -> None:
    assert onnx_text(encoder.model, encoder.identity, tmp_path, TextRuntime.ONNX) is not None
    (graph,) = tmp_path.glob("*.onnx")
    graph.write_bytes(b"not an onnx graph")
    assert onnx_text(encoder.model, encoder.identity, tmp_path, TextRuntime.ONNX) is None
    assert encoder.accelerate_text(tmp_path, "onnx") == "torch"
    assert np.isclose(np.linalg.norm(encoder.encode_texts(["no LGE"]).joint), 1.0, atol=1e-5)
