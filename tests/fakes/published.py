"""A scaled-down released CMR-CLIP (2 blocks, 8 frames, width 32) written as the model page
ships the real one: pytorch_model.bin, config.json and vocab.txt in one folder."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from cmrclip.clips import ClipSpec
from cmrclip.published import PublishedCMRClip, build_published
from cmrclip.registry import SPACE_TIME, BertShape, Loss, ModelConfig, VideoConfig

MINI = ModelConfig(
    name="cmrclip-published-mini",
    video=VideoConfig(kind=SPACE_TIME, width=32, patch=16, depth=2, heads=2, frames=8),
    clip_spec=ClipSpec(frames=4, size=32, pixel_mm=6.0, stills=2, name="published-mini"),
    embed_dim=16, text_tower="checkpoint", text_trainable=True,
    bert=BertShape(vocab_size=96, width=32, layers=2, heads=2, intermediate=64, positions=64),
    loss=Loss.FIXED_TEMPERATURE, fixed_temperature=0.05)

_TEXT = ("normal study no late gadolinium enhancement lge dilated left right ventricle lv rv "
         "with severe mild moderate systolic dysfunction hypertrophy aortic dilation "
         "pericardial effusion wall motion abnormality . , and of the")
WORDS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *_TEXT.split(" "))


def release_config(architecture: str = MINI.name, frames: int = 8) -> dict[str, object]:
    """config.json as the model page has it (plus `architecture`, for a scaled-down model)."""
    return {"architecture": architecture,
            "video_params": {"model": "SpaceTimeTransformer", "arch_config": "base_patch16_224",
                             "num_frames": frames, "pretrained": False, "time_init": "zeros"},
            "text_params": {"model": "emilyalsentzer/Bio_ClinicalBERT", "pretrained": True,
                            "input": "text"},
            "projection": "minimal", "projection_dim": MINI.embed_dim, "load_checkpoint": ""}


def write_release(folder: Path, seed: int = 0) -> PublishedCMRClip:
    """A random-weight scaled-down release in `folder`; returns the model it holds."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    (folder / "config.json").write_text(json.dumps(release_config()), encoding="utf-8")
    torch.manual_seed(seed)
    model = build_published(MINI, folder)
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return model
