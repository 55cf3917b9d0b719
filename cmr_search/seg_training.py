"""`cmr-search train-seg`: the phantom's label maps composed with the segmentation trainer.

The one place that joins `phantom` (label maps) and `segment` (network), so that neither
imports the other. `train_seg()` with its defaults reproduces the committed checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np

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
              device: str = "cpu") -> Path:
    """Train the short-axis network on phantom label maps only; returns the checkpoint folder."""
    slab_recipe = slabs or SlabRecipe()
    label_recipe = {"source": "phantom.labels.training_slabs", **asdict(slab_recipe)}
    return train(_Slabs(slab_recipe), out, recipe or TrainRecipe(), resume=resume,
                 label_recipe=label_recipe, device=device)


def main(argv: list[str] | None = None) -> None:
    """`python -m cmr_search.seg_training [--out DIR] [--resume] [--iterations N]`."""
    import argparse
    import logging

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--iterations", type=int, default=TrainRecipe().iterations)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    train_seg(args.out, args.resume, TrainRecipe(iterations=args.iterations),
              device=args.device)


if __name__ == "__main__":
    main()
