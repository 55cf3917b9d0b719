"""`cmr-search train`, `eval` and `tune-prompts`: the model, from an archive's studies and
reports."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.common import (
    checkpoint_line,
    console,
    fail,
    progress_bar,
    settings_of,
    writable_folder,
)

if TYPE_CHECKING:
    from cmr_search.settings import Settings
    from cmrclip.data import PairSet
    from cmrclip.model import ClipModel
    from cmrclip.train import TrainConfig
    from cmrclip.types import ModelIdentity


def train(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="archive with reports to learn from")],
    out: Annotated[Path, typer.Option(help="checkpoint folder (last/ and best/ inside)")],
    arch: Annotated[str, typer.Option(
        help="architecture: tiny-anatomy (the demo model's), tiny or base")] = "tiny-anatomy",
    epochs: Annotated[int, typer.Option(min=1)] = 40,
    batch_size: Annotated[int, typer.Option(min=2)] = 32,
    lr: Annotated[float, typer.Option(min=0.0)] = 2e-3,
    seed: Annotated[int, typer.Option(help="same seed, same model")] = 7,
    patience: Annotated[int, typer.Option(
        min=1, help="stop after this many epochs without a better validation score")] = 8,
    resume: Annotated[bool, typer.Option(help="continue from OUT/last")] = False,
    amp: Annotated[bool, typer.Option(help="bfloat16 mixed precision (GPU)")] = False,
    segmentation: Annotated[Path | None, typer.Option(
        help="segmentation checkpoint folder an anatomy-stem architecture reads short-axis "
             "clips through; default: the shipped one")] = None,
) -> None:
    """Train CMR-CLIP on an archive's studies and report impressions (no labels needed)."""
    from cmrclip.model import preprocess_for
    from cmrclip.train import EpochLog, TrainConfig
    from cmrclip.train import train as run_training
    from indexer.pairs import NoPairsError, load_pairs

    settings = settings_of(ctx)
    _check_training(arch, archive, lr)
    config = TrainConfig(out=out, data=str(archive), arch=arch, epochs=epochs,
                         batch_size=batch_size, lr=lr, seed=seed, resume=resume, amp=amp,
                         patience=patience, anatomy_weights=_stem_weights(arch, segmentation))
    _check_out(config)
    with progress_bar() as progress:
        clips = progress.add_task("preparing clips", total=None)
        try:
            pairs = load_pairs(archive, preprocess_for(arch), settings.layout.clips,
                               settings.worker_count,
                               lambda done, total: progress.update(clips, completed=done,
                                                                   total=total))
        except NoPairsError as error:
            fail(str(error))
        task = progress.add_task("training", total=epochs)

        def report(log: EpochLog) -> None:
            progress.update(task, completed=log.epoch + 1, description=(
                f"epoch {log.epoch + 1} loss {log.loss:.3f} val R@5 {log.val_r5:.2f}"))

        try:
            history = run_training(config, pairs, report)
        except ValueError as error:  # e.g. weights that do not fit the anatomy stem
            fail(str(error))
    best = max(history, key=lambda h: h.val_score)
    console.print(f"best validation R@5 {best.val_r5:.3f} at epoch {best.epoch + 1}; "
                  f"checkpoints in {out}")


def _check_training(arch: str, archive: Path, lr: float) -> None:
    from cmrclip.registry import REGISTRY

    trainable = sorted(name for name, c in REGISTRY.items() if c.per_view_vectors)
    if arch not in REGISTRY:
        fail(f"unknown architecture {arch!r}; choose from {', '.join(trainable)}")
    if arch not in trainable:
        fail(f"architecture {arch!r} runs released weights and is not trained here; "
             f"choose from {', '.join(trainable)}")
    if not archive.is_dir():
        fail(f"{archive}: not a folder")
    if lr <= 0:  # 0 "trained" a model that never changed
        fail(f"--lr {lr:g}: a learning rate above 0")


def _check_out(config: TrainConfig) -> None:
    """The checkpoint folder writable, and a resumable run in it when resuming: both before
    the clips are prepared."""
    from cmrclip.train import check_resumable

    writable_folder(config.out)
    if config.resume:
        try:
            check_resumable(config)
        except ValueError as error:
            fail(str(error))


def _stem_weights(arch: str, segmentation: Path | None) -> Path | None:
    """The segmentation weights an anatomy-stem architecture starts from, checked against it."""
    from cmrclip.registry import REGISTRY, AnatomyConfig
    from segment.checkpoint import WEIGHTS, CheckpointError, load_checkpoint
    from segment.paths import DEFAULT_CHECKPOINT

    wanted = REGISTRY[arch].video.anatomy
    if wanted is None:
        return None
    folder = segmentation or DEFAULT_CHECKPOINT
    if not (folder / WEIGHTS).is_file():
        fail(f"{folder / WEIGHTS}: missing (architecture {arch!r} needs segmentation weights)")
    try:
        config = load_checkpoint(folder)[1]
    except CheckpointError as error:
        fail(str(error))
    found = AnatomyConfig(config.filters, config.spacing_mm, config.n_classes)
    if found != wanted:
        fail(f"{folder}: a network of {found} does not fit architecture {arch!r} ({wanted})")
    return folder / WEIGHTS


def evaluate(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="archive with ground truth or reports")],
    checkpoint: Annotated[Path | None, typer.Option(
        help="checkpoint folder; default: CMR_SEARCH_CHECKPOINT, else the demo checkpoint")]
    = None,
    out: Annotated[Path | None, typer.Option(help="report folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Evaluate like the paper: retrieval, zero-shot, few-shot, linear probe, baselines."""
    from cli.evaldata import eval_data
    from cmrclip.report import markdown
    from cmrclip.run_eval import run_evaluation

    settings = settings_of(ctx)
    if not archive.is_dir():
        fail(f"{archive}: not a folder")
    folder = out or settings.layout.evaluations / f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    writable_folder(folder)  # before the clips and the evaluation, not after
    model, identity, _ = _load_model(checkpoint or settings.checkpoint, settings.device,
                                     None if checkpoint else settings.checkpoint)
    pairs = _prepared_pairs(archive, identity, settings)
    result = run_evaluation(model, identity, eval_data(archive, pairs, seed), folder,
                            str(archive), seed)
    if as_json:
        typer.echo(json.dumps(result))
        return
    Console().print(markdown(result))
    console.print(f"report: {folder / 'evaluation.md'}")


def convert_checkpoint(
    source: Annotated[Path, typer.Argument(help="the released model's folder: "
                                           "pytorch_model.bin (or .safetensors), config.json, "
                                           "vocab.txt")],
    out: Annotated[Path, typer.Option(help="a new folder for the checkpoint")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Write released CMR-CLIP weights as a checkpoint: safetensors and a model card."""
    from cmrclip.checkpoint import CheckpointError, convert_release
    from cmrclip.release import open_release

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        fail(f"{out}: exists and is not an empty folder; choose a new one")
    refused = None
    try:
        open_release(source)  # the folder's files, before the long part
        with progress_bar() as progress:
            progress.add_task("checking and converting the weights", total=None)
            identity = convert_release(source, out)
    except CheckpointError as error:
        refused = str(error)
    if refused is not None:
        fail(refused)
    if as_json:
        typer.echo(json.dumps({"checkpoint": str(out), "identity": identity.as_dict()}))
        return
    console.print(f"{identity.architecture} (weights SHA-256 {identity.weights_sha256[:12]}) "
                  f"written to {out}; use it with CMR_SEARCH_CHECKPOINT={out}")


def tune_prompts(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="a validation archive with ground truth or "
                                            "reports, seen by neither training nor evaluation")],
    checkpoint: Annotated[Path, typer.Option(
        help="the checkpoint folder whose model card records the choice (named explicitly: "
             "indexes of it must then be rebuilt)")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Choose, per finding, the prompts' wording and how much of the negative prompts a
    zero-shot score subtracts."""
    import numpy as np

    from cli.evaldata import eval_data
    from cmrclip.checkpoint import CARD, CheckpointError
    from cmrclip.contrast import choose, table, write_choice
    from cmrclip.evaluate import variant_embeddings
    from cmrclip.release import is_release
    from cmrclip.train import embed_pairs

    settings = settings_of(ctx)
    if not archive.is_dir():
        fail(f"{archive}: not a folder")
    card = checkpoint / CARD
    if is_release(checkpoint):
        fail(f"{checkpoint}: a released model's folder; convert it first "
             "(cmr-search convert-checkpoint) and tune the copy")
    if card.is_file() and not os.access(card, os.W_OK):
        fail(f"{card}: not writable; copy the checkpoint folder and tune the copy")
    model, identity, folder = _load_model(checkpoint, settings.device)
    pairs = _prepared_pairs(archive, identity, settings)
    device = next(model.parameters()).device
    with progress_bar() as progress:
        progress.add_task("embedding the studies", total=None)
        data = eval_data(archive, pairs)
        video, _ = embed_pairs(model, data.pairs, device, None)
    choices = choose(video.astype(np.float64), data.labels, variant_embeddings(model))
    try:
        identity = write_choice(folder, choices, str(archive))
    except CheckpointError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{folder / CARD}: not written ({error.strerror or error})")
    if as_json:
        typer.echo(json.dumps({"checkpoint": str(folder), "identity": identity.as_dict(),
                               "findings": table(choices)}))
        return
    rows = table(choices)
    out = Table(title=f"negative prompt weight per finding ({archive}, {len(video)} studies)")
    for column in rows[0]:
        out.add_column(column)
    for row in rows:
        out.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()))
    console.print(out)
    console.print(f"written to {folder / CARD}; its indexes are refused until rebuilt "
                  "(cmr-search index ARCHIVE --rebuild, which embeds the studies again)")


def _load_model(checkpoint: Path | None, device: str, setting: Path | None = None,
                ) -> tuple[ClipModel, ModelIdentity, Path]:
    """The checkpoint's model on `device`, its identity and folder; a bad one is one line
    (`setting`: the settings' checkpoint, where they named it rather than an option)."""
    from cmrclip.checkpoint import CheckpointError, checkpoint_folder, load_checkpoint
    from cmrclip.inference import resolve_device

    try:
        folder = checkpoint_folder(checkpoint)
        model, identity = load_checkpoint(folder)
        model.to(resolve_device(device))
    except (CheckpointError, ValueError) as error:
        fail(checkpoint_line(error, setting))
    return model, identity, folder


def _prepared_pairs(archive: Path, identity: ModelIdentity, settings: Settings) -> PairSet:
    """The archive's studies as this model's clips (cached), with a progress bar."""
    from cmrclip.model import preprocess_for
    from indexer.pairs import NoPairsError, load_pairs

    with progress_bar() as progress:
        task = progress.add_task("preparing clips", total=None)
        try:
            return load_pairs(archive, preprocess_for(identity.architecture),
                              settings.layout.clips, settings.worker_count,
                              lambda done, total: progress.update(task, completed=done,
                                                                  total=total))
        except NoPairsError as error:
            fail(str(error))
