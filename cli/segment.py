"""`cmr-search train-seg`, `calibrate-seg` and `segment`: the segmentation network.

The recipe and the training loop are in `cli.seg_recipes`, imported when a command runs (it
brings torch and MONAI).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import console, fail, settings_of, writable_folder
from segment.paths import DEFAULT_CHECKPOINT

if TYPE_CHECKING:
    from segment.infer import Segmenter

CALIBRATION_STUDIES, CALIBRATION_SEED = 24, 4242  # fresh phantom studies, their seed
SETTING = "CMR_SEARCH_SEGMENTATION_CHECKPOINT"  # `segment`'s default checkpoint


def train_seg_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="checkpoint folder (the shipped one, which segment "
                                      "and index use, only with --replace-shipped)")] =
        DEFAULT_CHECKPOINT,
    replace_shipped: Annotated[bool, typer.Option(
        help="allow OUT to be the shipped checkpoint, replaced once calibrated")] = False,
    resume: Annotated[bool, typer.Option(help="continue from OUT's training state")] = False,
    iterations: Annotated[int | None, typer.Option(
        min=1, help="first-stage training steps  \\[default: the recipe's, 8000]")] = None,
    init: Annotated[Path | None, typer.Option(help="start from this checkpoint's weights "
                                              "(fine-tuning; recorded in the model card)")] = None,
    fine_tunes: Annotated[bool, typer.Option(
        help="run the fine-tune stages after the first (bright blood, trabeculae)")] = True,
) -> None:
    """Train the short-axis segmentation network on the phantom's label maps only: the
    SynthSeg stage (ITERATIONS steps), the bright-blood and trabeculae fine-tunes, and the
    calibration. The last stage is made in OUT.partial, which replaces OUT once calibrated."""
    from cli.seg_recipes import FINE_TUNES, train_seg
    from segment.checkpoint import CheckpointError
    from segment.train import ResumeError, TrainRecipe

    settings = settings_of(ctx)
    if out.resolve() == DEFAULT_CHECKPOINT.resolve() and not replace_shipped:
        fail(f"{out}: the shipped checkpoint (segment and index use it); give --out FOLDER, "
             "or --replace-shipped to rebuild it")
    if init is not None and not (init / "model.safetensors").is_file():
        fail(f"{init}: not a segmentation checkpoint (no model.safetensors)")
    writable_folder(out)  # before the work, not after it
    writable_folder(out.parent)  # OUT.partial and the stages are made beside it
    try:
        with console.status("training the segmentation network (log lines show progress)"):
            recipe = TrainRecipe() if iterations is None else TrainRecipe(iterations=iterations)
            folder = train_seg(out, resume, recipe,
                               device=settings.device, init=init,
                               fine_tunes=FINE_TUNES if fine_tunes else ())
    except (CheckpointError, ResumeError) as error:
        fail(str(error))
    console.print(f"checkpoint written to {folder}")


def calibrate_seg_command(
    checkpoint: Annotated[Path, typer.Option(help="checkpoint folder")] = DEFAULT_CHECKPOINT,
    studies: Annotated[int, typer.Option(min=1, help="phantom studies to render")] =
        CALIBRATION_STUDIES,
) -> None:
    """Fit the checkpoint's myocardium offset on fresh phantom studies (known volumes)."""
    from cli.seg_recipes import calibrate_seg
    from segment.checkpoint import CheckpointError

    try:
        with console.status(f"calibrating on {studies} fresh phantom studies"):
            found = calibrate_seg(checkpoint, studies)
    except (CheckpointError, OSError) as error:
        fail(str(error))
    offset = found["log_prior_offsets"]["lv_myocardium"]
    console.print(f"myocardium offset {offset} written to {checkpoint / 'model_card.json'}")


def _segmenter(ctx: typer.Context, checkpoint: Path | None,
               tta: bool) -> tuple[Segmenter, Path]:
    """The segmentation model `--checkpoint` names, else the setting `SETTING`, else the
    shipped one, loaded before any study is read: a missing, damaged or uncalibrated
    checkpoint is one line naming the folder, as `index` refuses it (segment used the shipped
    model whatever the setting said)."""
    from segment.checkpoint import CheckpointError
    from segment.infer import Segmenter

    setting = settings_of(ctx).segmentation_checkpoint
    folder = checkpoint or setting or DEFAULT_CHECKPOINT
    fix = (f"set {SETTING} to a checkpoint folder, or unset it for the shipped one"
           if checkpoint is None and setting is not None else "give --checkpoint FOLDER")
    if not folder.is_dir():
        fail(f"{folder}: not a segmentation checkpoint (no such folder); {fix}")
    try:
        return Segmenter(folder, tta=tta), folder
    except (CheckpointError, OSError) as error:
        where = "" if str(error).startswith(str(folder)) else f"{folder}: "
        fail(f"{where}{error}; {fix}")


def segment_command(
    ctx: typer.Context,
    study: Annotated[Path, typer.Argument(help="a DICOM study folder, or an ACDC-style "
                                          "patient folder (NIfTI)")],
    out: Annotated[Path, typer.Option(help="folder for the masks and measurements.json")],
    checkpoint: Annotated[Path | None, typer.Option(
        help="segmentation checkpoint folder  \\[default: the setting "
             f"{SETTING}, else the shipped one]")] = None,
    tta: Annotated[bool, typer.Option(
        help="test-time flips: about 1.75x the time, and on ACDC a better myocardium but a "
             "worse systolic RV and LVEF; off, it measures as the index does")] = False,
) -> None:
    """Segment a study's short-axis cine: masks aligned to the input, and measurements."""
    from segment.checkpoint import CheckpointError
    from segment.commands import ResultWriteError, segment_study
    from segment.io import SHOWN_SKIPS, StudyReadError

    if not study.is_dir():
        fail(f"{study}: not a folder")
    writable_folder(out)  # before the work, not after it
    model, folder = _segmenter(ctx, checkpoint, tta)
    try:
        result = segment_study(study, out, folder, tta=tta, segmenter=model)
    except (StudyReadError, CheckpointError, ResultWriteError) as error:
        fail(str(error))
    skipped = result.study.skipped
    for name, why in skipped[:SHOWN_SKIPS]:  # each one named: "2 files skipped" named none
        console.print(f"skipped {name}: {why}", markup=False, highlight=False,
                      soft_wrap=True)
    if len(skipped) > SHOWN_SKIPS:
        console.print(f"and {len(skipped) - SHOWN_SKIPS} more files skipped (measurements.json "
                      "lists them)")
    console.print(f"{len(result.masks)} phases segmented in {result.seconds:.1f} s; "
                  f"masks and measurements.json in {out}")
