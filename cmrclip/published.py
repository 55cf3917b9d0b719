"""The released CMR-CLIP model (Makiya11/CMRCLIP, weights `makiyeah/CMRCLIP`, MIT licence).

A space-time video transformer over one composed study video (`cmrclip.study_video`) and a
Bio_ClinicalBERT-shaped text tower, each followed by ReLU and a linear head into a 512-d joint
space; similarity is the cosine. Module names mirror the released state dict (`video_model`,
`text_model`, `vid_proj.1`, `txt_proj.1`), so `state_dict()` has exactly its keys and shapes.

It offers what the product asks of a model (`encode_video`, `text_features`, `project_text`,
`encode_text`, `text`), so indexing, search, zero-shot scoring and evaluation use it as they
use our own. It has no per-view vectors: it sees the whole study as one video.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cmrclip.registry import BertShape, ModelConfig
from cmrclip.spacetime import SpaceTimeTransformer
from cmrclip.study_video import StudyVideo

logger = logging.getLogger(__name__)

VOCAB = "vocab.txt"
_SLOW_STUDY_S = 2.0  # warn once when one study takes longer than this on a CPU


def bert_model(shape: BertShape) -> nn.Module:
    """A randomly initialised BERT of this shape (the weights come from the checkpoint)."""
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=shape.vocab_size, hidden_size=shape.width,
                        num_hidden_layers=shape.layers, num_attention_heads=shape.heads,
                        intermediate_size=shape.intermediate,
                        max_position_embeddings=shape.positions, type_vocab_size=2)
    return BertModel(config, add_pooling_layer=True)  # pooler: in the file, unused


def load_tokenizer(folder: Path, shape: BertShape) -> Any:
    """The WordPiece tokenizer from `folder/vocab.txt`; never a download.

    Bio_ClinicalBERT ships no tokenizer_config.json, so its tokenizer lowercases (the released
    model was trained that way); a tokenizer_config.json beside vocab.txt overrides that.
    """
    from transformers import BertTokenizer

    vocab = folder / VOCAB
    if not vocab.is_file():
        raise FileNotFoundError(f"{vocab}: missing (the text tower's WordPiece vocabulary)")
    with vocab.open(encoding="utf-8") as handle:
        words = sum(1 for _ in handle)
    if words > shape.vocab_size:
        raise ValueError(f"{vocab}: {words} WordPieces, the text tower has "
                         f"{shape.vocab_size} embeddings")
    return BertTokenizer.from_pretrained(str(folder), local_files_only=True)


def vocab_digest(folder: Path) -> str:
    """SHA-256 of vocab.txt: the text tower's identity beside the weights'."""
    return hashlib.sha256((folder / VOCAB).read_bytes()).hexdigest()


class PublishedText:
    """The text tower as the product's text-tower interface sees it: texts -> pooled features."""

    def __init__(self, model: PublishedCMRClip) -> None:
        self.model = model

    @property
    def width(self) -> int:
        return self.model.config.bert.width if self.model.config.bert else 0

    @property
    def folder(self) -> Path | None:
        return self.model.tokenizer_folder

    def __call__(self, texts: list[str]) -> Tensor:
        return self.model.text_features(texts)


class PublishedCMRClip(nn.Module):
    def __init__(self, config: ModelConfig, tokenizer_folder: Path | None = None,
                 text_model: nn.Module | None = None) -> None:
        super().__init__()
        if config.bert is None:
            raise ValueError(f"architecture {config.name!r} names no BERT text tower")
        self.config = config
        self.preprocess = StudyVideo(config.clip_spec, config.video.frames)
        self.video_model = SpaceTimeTransformer(config.video, config.clip_spec.size)
        self.text_model = text_model if text_model is not None else bert_model(config.bert)
        self.txt_proj = nn.Sequential(nn.ReLU(), nn.Linear(config.bert.width, config.embed_dim))
        self.vid_proj = nn.Sequential(nn.ReLU(), nn.Linear(config.video.width, config.embed_dim))
        self.tokenizer_folder = tokenizer_folder
        self._tokenizer: Any = None
        self._warned_cpu = False

    @property
    def text(self) -> PublishedText:
        return PublishedText(self)

    @property
    def device(self) -> torch.device:
        return self.video_model.cls_token.device

    # ---- video ----------------------------------------------------------------------------------

    def encode_video(self, cine: Tensor, cine_present: Tensor, stills: Tensor,
                     still_present: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """L2-normalised study embeddings (B, E); no per-view embeddings ((B, 0, E), (B, 0)).

        The clips are composed into the study video here, a few studies at a time (one on a
        CPU), so a batch of many studies never holds all their activations at once.
        """
        step = 1 if self.device.type == "cpu" else 8
        out = []
        for start in range(0, cine.shape[0], step):
            part = slice(start, start + step)
            started = time.perf_counter()
            video = self.preprocess.compose(cine[part].to(self.device),
                                            cine_present[part].to(self.device),
                                            stills[part].to(self.device),
                                            still_present[part].to(self.device))
            out.append(self.video_embedding(video))
            self._warn_if_slow(time.perf_counter() - started, video.shape[0])
        study = torch.cat(out)
        b = study.shape[0]
        return study, study.new_zeros(b, 0, study.shape[1]), torch.zeros(
            b, 0, dtype=torch.bool, device=study.device)

    def forward(self, cine: Tensor, cine_present: Tensor, stills: Tensor,
                still_present: Tensor) -> Tensor:
        return self.encode_video(cine, cine_present, stills, still_present)[0]

    def video_embedding(self, video: Tensor) -> Tensor:
        """(B, T, 3, size, size) normalised video -> L2-normalised (B, E)."""
        return F.normalize(self.vid_proj(self.video_model(video)), dim=-1)

    def _warn_if_slow(self, seconds: float, studies: int) -> None:
        per_study = seconds / max(studies, 1)
        if self._warned_cpu or self.device.type != "cpu" or per_study < _SLOW_STUDY_S:
            return
        self._warned_cpu = True
        threads = torch.get_num_threads()
        logger.warning(
            "%s runs on the CPU: %.0f s per study (%d threads, measured on the first study), "
            "about %.1f h per 1,000 studies; a GPU is the place to run it (set "
            "CMR_SEARCH_DEVICE=cuda on a machine with one)", self.config.name, per_study,
            threads, per_study * 1000 / 3600)

    # ---- text -----------------------------------------------------------------------------------

    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            if self.tokenizer_folder is None:
                raise RuntimeError(f"{self.config.name}: no tokenizer folder (vocab.txt) given")
            assert self.config.bert is not None
            self._tokenizer = load_tokenizer(self.tokenizer_folder, self.config.bert)
        return self._tokenizer

    def text_features(self, texts: list[str]) -> Tensor:
        """Attention-mask-weighted mean of the last hidden states (B, width).

        Like the released code, it reads a text's first tokens, as many as it has positions
        (512): cut, not truncated with a closing [SEP].
        """
        assert self.config.bert is not None
        limit = self.config.bert.positions
        batch = self.tokenizer()(texts, padding=True, return_tensors="pt")
        batch = {k: v[:, :limit].to(self.device) for k, v in batch.items()}
        hidden = self.text_model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled: Tensor = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return pooled

    def project_text(self, features: Tensor) -> Tensor:
        return F.normalize(self.txt_proj(features.to(self.device)), dim=-1)

    def encode_text(self, texts: list[str]) -> Tensor:
        return self.project_text(self.text_features(texts))


def build_published(config: ModelConfig, tokenizer_folder: Path | None = None,
                    text_model: nn.Module | None = None,
                    device: str | torch.device | None = None) -> PublishedCMRClip:
    """The released architecture; `device="meta"` builds its shapes without memory."""
    if device is None:
        return PublishedCMRClip(config, tokenizer_folder, text_model).eval()
    with torch.device(device):
        return PublishedCMRClip(config, tokenizer_folder, text_model).eval()
