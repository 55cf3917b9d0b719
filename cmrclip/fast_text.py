"""Query texts through ONNX Runtime: the same text tower and projection, about 3x faster.

A search's text encoder (MiniLM's forward pass, mean pooling, the CLIP text projection) is
exported once from the loaded model into an ONNX graph under `DATA_DIR/models/` (a few seconds,
at the first start of `serve`, `query` or `similar`), checked against torch on probe texts, and
run by ONNX Runtime on one thread per request. `fp32` gives the torch vectors to within 1e-6;
`int8` (dynamic quantisation of the weights) is faster again but moves the vectors (cosine
~0.94 with torch's on the demo model), so it is offered, not the default.
Only a tower built from a Hugging Face folder (`cmrclip.text.TextTower`) is exported; any other
(the released CMR-CLIP's BERT) keeps torch.
"""

from __future__ import annotations

import logging
import os
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cmrclip.model import ClipModel
from cmrclip.text import MAX_TOKENS, TextTower
from cmrclip.types import ModelIdentity, TextVectors

logger = logging.getLogger(__name__)

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PROBES = ("dilated LV with transmural LGE", "no LGE", "normal study",
           "severe concentric hypertrophy with diffuse subendocardial enhancement")
_MIN_COSINE = {"fp32": 0.9999, "int8": 0.9}  # a graph that drifts further is not used


class TextRuntime(StrEnum):
    """How query texts are embedded: torch, or an exported ONNX graph (float32 or int8)."""

    TORCH = "torch"
    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"


class _TextGraph(nn.Module):
    """What is exported: token ids in, (joint, own) unit vectors out."""

    def __init__(self, model: ClipModel) -> None:
        super().__init__()
        assert isinstance(model.text, TextTower)
        self.encoder = model.text.encoder
        self.projection = model.text_proj

    def forward(self, input_ids: Tensor, attention_mask: Tensor,
                token_type_ids: Tensor) -> tuple[Tensor, Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return F.normalize(self.projection(pooled), dim=-1), F.normalize(pooled, dim=-1)


class OnnxText:
    """An exported text graph in an ONNX Runtime session, with the tower's tokenizer."""

    def __init__(self, path: Path, tokenizer: Any, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # one thread per request: the web server runs requests side by side on the cores
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.path, self.tokenizer = path, tokenizer
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, texts: list[str]) -> TextVectors:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                               return_tensors="np")
        feeds = {name: np.asarray(batch[name], dtype=np.int64) for name in _INPUTS}
        joint, own = self.session.run(None, feeds)
        return TextVectors(np.asarray(joint, dtype=np.float32), np.asarray(own, dtype=np.float32))


def exportable(model: ClipModel) -> bool:
    return isinstance(model.text, TextTower)


def _export(model: ClipModel, path: Path, int8: bool) -> None:
    """The graph written atomically to `path` (float32, or with int8 weights)."""
    tower = model.text
    assert isinstance(tower, TextTower)
    sample = tower.tokenizer(list(_PROBES[:2]), padding=True, return_tensors="pt")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    plain = tmp.with_suffix(".fp32") if int8 else tmp
    graph = _TextGraph(model).eval()
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    # the TorchScript exporter (no onnxscript needed) warns that it is the legacy one and
    # about traced shape arithmetic; the graph is checked against torch before it is used
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(graph, tuple(sample[name] for name in _INPUTS), str(plain),
                          input_names=list(_INPUTS), output_names=["joint", "own"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(plain), str(tmp), weight_type=QuantType.QInt8)
        plain.unlink()
    tmp.replace(path)


def _agreement(fast: OnnxText, model: ClipModel) -> float:
    """The smallest cosine between the graph's vectors and torch's on the probe texts."""
    with torch.no_grad():
        features = model.text_features(list(_PROBES))
        joint = model.project_text(features).cpu().numpy()
        own = F.normalize(features, dim=-1).cpu().numpy()
    got = fast(list(_PROBES))
    return float(min((got.joint * joint).sum(1).min(), (got.own * own).sum(1).min()))


def onnx_text(model: ClipModel, identity: ModelIdentity, folder: Path,
              runtime: TextRuntime) -> OnnxText | None:
    """The model's text graph from `folder` (exported there first if missing), or None when
    the runtime is torch, the tower cannot be exported, or the graph disagrees with torch."""
    if runtime is TextRuntime.TORCH:
        return None
    if not exportable(model):
        logger.info("the %s text tower is not exported to ONNX; queries use torch",
                    identity.architecture)
        return None
    variant = "int8" if runtime is TextRuntime.ONNX_INT8 else "fp32"
    path = folder / f"{identity.key}-{identity.text_tower_sha256[:12]}-text-{variant}.onnx"
    try:
        if not path.is_file():
            logger.info("exporting the text encoder to %s (once)", path)
            _export(model, path, variant == "int8")
        assert isinstance(model.text, TextTower)
        fast = OnnxText(path, model.text.tokenizer)
        cosine = _agreement(fast, model)
    except Exception as error:  # noqa: BLE001 - any export or runtime failure: torch answers
        logger.warning("ONNX text encoder unavailable (%s: %s); queries use torch",
                       type(error).__name__, error)
        return None
    if cosine < _MIN_COSINE[variant]:
        logger.warning("%s: agrees with torch only to cosine %.4f; queries use torch", path,
                       cosine)
        return None
    return fast
