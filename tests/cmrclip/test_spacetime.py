"""The released video tower's block maths, against a plain masked-attention re-statement."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from cmrclip.registry import SPACE_TIME, VideoConfig
from cmrclip.spacetime import DividedAttention, SpaceTimeBlock, SpaceTimeTransformer

CONFIG = VideoConfig(kind=SPACE_TIME, width=16, patch=8, depth=2, heads=2, frames=5)


def _allowed(frames: int, patches: int, over_time: bool) -> Tensor:
    """Who may attend to whom among 1 + frames x patches tokens (frame-major, CLS first)."""
    n = 1 + frames * patches
    allowed = torch.zeros(n, n, dtype=torch.bool)
    allowed[0, :] = True  # CLS sees everything
    allowed[:, 0] = True  # every token sees CLS
    for i in range(1, n):
        for j in range(1, n):
            (fi, pi), (fj, pj) = divmod(i - 1, patches), divmod(j - 1, patches)
            allowed[i, j] = pi == pj if over_time else fi == fj
    return allowed


def _masked(attention: DividedAttention, x: Tensor, allowed: Tensor) -> Tensor:
    """Full multi-head attention with a mask: the same maths, computed another way."""
    b, n, d = x.shape
    h = attention.heads
    q, k, v = attention.qkv(x).reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
    scores = q @ k.transpose(-1, -2) / (d // h) ** 0.5
    weights = scores.masked_fill(~allowed, float("-inf")).softmax(dim=-1)
    return attention.proj((weights @ v).transpose(1, 2).reshape(b, n, d))  # type: ignore[no-any-return]


@pytest.mark.parametrize("over_time", [True, False])
def test_divided_attention_is_masked_attention(over_time: bool) -> None:
    torch.manual_seed(0)
    attention = DividedAttention(16, 2)
    x = torch.randn(2, 1 + 3 * 4, 16)
    with torch.no_grad():
        got = attention(x, 3, over_time)
        expected = _masked(attention, x, _allowed(3, 4, over_time))
    assert torch.allclose(got, expected, atol=1e-5)


def test_a_block_adds_the_time_output_only_through_the_space_input() -> None:
    torch.manual_seed(1)
    block = SpaceTimeBlock(16, 2)
    x = torch.randn(1, 1 + 3 * 4, 16)
    with torch.no_grad():
        time = _masked(block.timeattn, block.norm3(x), _allowed(3, 4, True))
        y = x + _masked(block.attn, block.norm1(x + time), _allowed(3, 4, False))
        expected = y + block.mlp(block.norm2(y))
        assert torch.allclose(block(x, 3), expected, atol=1e-5)


def test_positions_cls_output_and_fewer_frames() -> None:
    torch.manual_seed(2)
    model = SpaceTimeTransformer(CONFIG, 16).eval()
    assert model.pos_embed.shape == (1, 5, 16) and model.temporal_embed.shape == (1, 5, 16)
    video = torch.randn(2, 3, 3, 16, 16)  # 3 of at most 5 frames
    with torch.no_grad():
        out = model(video)
        assert out.shape == (2, 16)
        assert torch.allclose(model(video[:1]), out[:1], atol=1e-5)  # no mixing across a batch
        shift = torch.randn(16)  # not a constant: LayerNorm would remove that
        model.temporal_embed[:, 3:] += shift  # rows past the input's frames are not used
        assert torch.allclose(model(video), out, atol=1e-6)
        model.temporal_embed[:, 0] += shift
        assert not torch.allclose(model(video), out, atol=1e-3)
    with pytest.raises(ValueError, match="at most 5"):
        model(torch.zeros(1, 6, 3, 16, 16))
