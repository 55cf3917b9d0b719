"""`cmr-search train-seg` and `cmr-search segment`: the segmentation network.

Training is the one place that joins `phantom` (label maps) and `segment` (network), so that
neither imports the other; `train_seg()` with its defaults reproduces the committed checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from cli.common import console, fail, settings_of
from phantom.labels import SlabRecipe, training_slabs
from segment.checkpoint import DEFAULT_CHECKPOINT
from segment.train import TrainRecipe, train


class _Slabs:
    """Picklable slab source for data-loader workers."""

    def __init__(self, recipe: SlabRecipe) -> None:
        self.recipe = recipe

    def __call__(self, seed: int) -> Iterator[np.ndarray]:
        return training_slabs(seed, self.recipe)


def train_seg(out: Path = DEFAULT_CHECKPOINT, resume: bool = False,
              recipe: TrainRecipe | None = None, slabs: SlabRecipe | None = None,
              device: str = "cpu", init: Path | None = None) -> Path:
    """Train the short-axis network on phantom label maps only; returns the checkpoint folder."""
    slab_recipe = slabs or SlabRecipe()
    label_recipe = {"source": "phantom.labels.training_slabs", **asdict(slab_recipe)}
    return train(_Slabs(slab_recipe), out, recipe or TrainRecipe(), resume=resume,
                 label_recipe=label_recipe, device=device, init=init)


def train_seg_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="checkpoint folder")] = DEFAULT_CHECKPOINT,
    resume: Annotated[bool, typer.Option(help="continue from OUT's training state")] = False,
    iterations: Annotated[int, typer.Option(min=1, help="training steps")] =
        TrainRecipe().iterations,
    init: Annotated[Path | None, typer.Option(help="start from this checkpoint's weights "
                                              "(fine-tuning; recorded in the model card)")] = None,
) -> None:
    """Train the short-axis segmentation network on the phantom's label maps only."""
    settings = settings_of(ctx)
    if init is not None and not (init / "model.safetensors").is_file():
        fail(f"{init}: not a segmentation checkpoint (no model.safetensors)")
    with console.status("training the segmentation network (log lines show progress)"):
        folder = train_seg(out, resume, TrainRecipe(iterations=iterations),
                           device=settings.device, init=init)
    console.print(f"checkpoint written to {folder}")


def segment_command(
    study: Annotated[Path, typer.Argument(help="a DICOM study folder, or an ACDC-style "
                                          "patient folder (NIfTI)")],
    out: Annotated[Path, typer.Option(help="folder for the masks and measurements.json")],
    checkpoint: Annotated[Path, typer.Option(help="segmentation checkpoint folder")] =
        DEFAULT_CHECKPOINT,
    tta: Annotated[bool, typer.Option(help="test-time flips (slower, steadier)")] = True,
) -> None:
    """Segment a study's short-axis cine: masks aligned to the input, and measurements."""
    from segment.checkpoint import CheckpointError
    from segment.commands import segment_study
    from segment.io import StudyReadError

    if not study.is_dir():
        fail(f"{study}: not a folder")
    try:
        result = segment_study(study, out, checkpoint, tta=tta)
    except (StudyReadError, CheckpointError) as error:
        fail(str(error))
    console.print(f"{len(result.masks)} phases segmented in {result.seconds:.1f} s; "
                  f"masks and measurements.json in {out}")
