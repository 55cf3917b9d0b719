"""The training recipe of the short-axis segmentation network: `train_seg()` with its
defaults reproduces the committed checkpoint (`cmr-search train-seg --replace-shipped`).

Training is the one place that joins `phantom` (label maps) and `segment` (network), so that
neither imports the other. Kept apart from `cli.segment`, whose commands import it when they
run: it brings torch, MONAI and torchio, five seconds of every `cmr-search` call otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from cli.segment import CALIBRATION_SEED, CALIBRATION_STUDIES
from phantom.labels import Extremes, SlabRecipe, training_slabs
from segment.checkpoint import CheckpointError, update_card, write_inference
from segment.infer import Segmenter
from segment.paths import CARD, DEFAULT_CHECKPOINT
from segment.synth import SynthRecipe
from segment.train import STATE, ResumeError, TrainRecipe, has_state, train

logger = logging.getLogger(__name__)


class _Slabs:
    """Picklable slab source for data-loader workers."""

    def __init__(self, recipe: SlabRecipe) -> None:
        self.recipe = recipe

    def __call__(self, seed: int) -> Iterator[np.ndarray]:
        return training_slabs(seed, self.recipe)


Stage = tuple[TrainRecipe, SlabRecipe]
# The second stage: SynthSeg training draws random intensities per label half the time, which
# teaches shape but also that blood may be dark; on real cine a thick HCM wall at end-systole
# was then taken for cavity. This fine-tune shows bright-blood (bSSFP) and LGE contrasts, still
# randomised within their ranges, four times in five, and thin LV walls (the lower normal
# range) three times in ten: the first stage's walls were too thick.
FINE_TUNE = TrainRecipe(iterations=2500, lr=1e-3, warmup=100,
                        synth=SynthRecipe(p_random_contrast=0.2))
FINE_TUNE_SLABS = SlabRecipe(extremes=Extremes(p_thin_wall=0.3))
# The third stage: on real cine the endocardial border sat inside the papillary muscles and
# trabeculae that readers count as cavity (the cavity too small, the wall too thick). Labels of
# one tissue now share one intensity four draws in five (`segment.synth.SAME_TISSUE`: papillary
# muscle and RV wall as the LV wall, every blood pool as the LV blood), and half the hearts have
# a deep, fine-stranded non-compacted layer attached to both ventricles' walls and the septum
# (`phantom.labels.dense_trabeculae`); half the images have the dark chemical-shift line in
# the fat round the heart, which the wall had swallowed.
TRABECULAE = TrainRecipe(iterations=1200, lr=5e-4, warmup=100,
                         synth=SynthRecipe(p_random_contrast=0.2, p_same_tissue=0.8,
                                           p_fat_edge=0.5))
TRABECULAE_SLABS = SlabRecipe(extremes=Extremes(p_thin_wall=0.3), p_dense_trabeculae=0.5)
FINE_TUNES: tuple[Stage, ...] = ((FINE_TUNE, FINE_TUNE_SLABS), (TRABECULAE, TRABECULAE_SLABS))
# Real cine is presented to the network on a grid finer than its training grid (1.5 mm): at
# 1.5 mm it took small real LVs (apical slices, the LV beside a dilated RV) for background,
# which it finds when the same images are resampled to 1.2 mm; synthetic studies measure the
# same at either grid. Chosen on ACDC patients by a split-half check (docs/segmentation).
INFERENCE_SPACING_MM = 1.2
INFERENCE_WHY = ("finer than the 1.5 mm training grid: small real LVs are found at 1.2 mm and "
                 "missed at 1.5 mm; chosen on real cine by a split-half check (see "
                 "docs/segmentation/README.md), phantom measurements equal at both")


def train_seg(out: Path = DEFAULT_CHECKPOINT, resume: bool = False,
              recipe: TrainRecipe | None = None, slabs: SlabRecipe | None = None,
              device: str = "cpu", init: Path | None = None,
              fine_tunes: tuple[Stage, ...] = FINE_TUNES,
              calibration_studies: int = CALIBRATION_STUDIES) -> Path:
    """Train the short-axis network on phantom label maps only (`recipe`, then each of the
    `fine_tunes` from the previous stage's weights), calibrate it on a fresh synthetic archive;
    returns the checkpoint folder. Earlier stages are kept beside `out` (`<name>.stageK`).

    The last stage is trained and calibrated in `<name>.partial` beside `out`, which replaces
    `out` only once calibrated: a stopped run never leaves a half-made model where one is used.
    `resume` carries on from the states in those folders (`ResumeError` when there is none)."""
    out = _checked_out(out)
    stages = [(recipe or TrainRecipe(), slabs or SlabRecipe()), *fine_tunes]
    partial = partial_folder(out)
    folders = [out.with_name(f"{out.name}.stage{k}") for k in range(1, len(stages))] + [partial]
    _prepare_partial(out, partial, folders, resume)
    previous = init
    for (train_recipe, slab_recipe), folder in zip(stages, folders, strict=True):
        previous = _stage(slab_recipe, folder, train_recipe, resume, device, previous)
    if len(stages) > 1:
        _record_earlier_stages(partial, folders[:-1])
    write_inference(partial, INFERENCE_SPACING_MM, INFERENCE_WHY)  # calibration reads it
    if calibration_studies:
        calibrate_seg(partial, calibration_studies)
    # renamed aside, not deleted, until the new one is in place: a kill in between leaves
    # OUT.old, which the next run puts back (`_checked_out`)
    old = out.with_name(f"{out.name}.old")
    if out.exists():
        os.replace(out, old)
    os.replace(partial, out)
    shutil.rmtree(old, ignore_errors=True)
    return out


def _checked_out(out: Path) -> Path:
    """OUT resolved (a symlink, `..`), and a folder a checkpoint may replace: it is emptied at
    the end, so a folder holding anything but a checkpoint (`--out ~/models`, `--out ..`) is
    refused, as is the root. A previous run's OUT.old is put back when OUT went missing."""
    out = out.resolve()
    if out == out.parent:
        raise CheckpointError(f"{out}: not a checkpoint folder; give --out FOLDER")
    old = out.with_name(f"{out.name}.old")
    if not out.exists() and old.is_dir():
        os.replace(old, out)  # killed between the two renames of the last run's swap
    if out.is_dir() and any(out.iterdir()) and not (out / CARD).is_file() \
            and not has_state(out):
        raise CheckpointError(f"{out}: holds files but no segmentation checkpoint, and would "
                              "be replaced: give a new or empty folder")
    return out


def partial_folder(out: Path) -> Path:
    """Where the last stage of a run into `out` is trained and calibrated."""
    return out.with_name(f"{out.name}.partial")


def _prepare_partial(out: Path, partial: Path, folders: list[Path], resume: bool) -> None:
    """A fresh run starts from an empty `partial`; a resumed one from its state there, or
    from the state a finished run left in `out` (a longer run of the last stage)."""
    if not resume:
        if partial.exists():
            shutil.rmtree(partial)
        return
    if not any(has_state(f) for f in (*folders, out)):
        raise ResumeError(f"nothing to resume in {out}; drop --resume")
    if not has_state(partial) and has_state(out):
        partial.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out / STATE, partial / STATE)


def _stage(slabs: SlabRecipe, out: Path, recipe: TrainRecipe, resume: bool, device: str,
           init: Path | None) -> Path:
    label_recipe = {"source": "phantom.labels.training_slabs", **asdict(slabs)}
    return train(_Slabs(slabs), out, recipe, resume=resume, label_recipe=label_recipe,
                 device=device, init=init)


def _record_earlier_stages(out: Path, earlier: list[Path]) -> None:
    """The final card carries the earlier stages' recipes, so one card says how to rebuild it."""
    update_card(out, initialised_from="the earlier stages below, in order (same command)",
                earlier_stages=[
                    {k: stage.get(k) for k in ("train_recipe", "label_recipe",
                                               "initialised_from", "steps", "schedule_changes",
                                               "train_seconds", "final_loss")}
                    for stage in (json.loads((f / "model_card.json").read_text(encoding="utf-8"))
                                  for f in earlier)])


def calibrate_seg(folder: Path, studies: int = CALIBRATION_STUDIES,
                  seed: int = CALIBRATION_SEED) -> dict[str, Any]:
    """Fit the checkpoint's myocardium offset on `studies` freshly rendered phantom studies
    (never the training draws, never real data) and store it in its model card."""
    from phantom.archive import GROUND_TRUTH, SynthConfig, generate_archive
    from segment.calibrate import fit_myocardium_offset, write_calibration
    from segment.io import read_dicom

    segmenter = Segmenter(folder, tta=False, calibrated=False)  # the indexing setting
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_archive(SynthConfig(root, studies, seed=seed, workers=1))
        truth = [json.loads(line) for line in (root / GROUND_TRUTH).read_text().splitlines()]
        pairs = [(read_dicom(root / t["study_dir"]), t["measurements"]) for t in truth]
        offset, rows = fit_myocardium_offset(
            segmenter, pairs, progress=lambda k, n: logger.info("calibration study %d/%d", k, n))
    return write_calibration(folder, offset, rows, f"{studies} fresh phantom studies, seed {seed}")

