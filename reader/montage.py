"""Render frames of every series of one study into a PNG, so a person can look at it."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from reader.scan import scan_archive
from reader.series import Series
from reader.stack import PixelError, Stack, load_stack

logger = logging.getLogger(__name__)

_TILE = 160
_LABEL_WIDTH = 220
_TILES_PER_ROW = 6


def _series_stacks(study_dir: Path) -> list[tuple[Series, Stack]]:
    """Every MR series of the study, read and ordered by the indexer (slices, then time)."""
    scanned = scan_archive(study_dir)
    out = []
    for study in scanned.studies:
        for series in sorted(study.series, key=lambda s: s.series_number):
            try:
                out.append((series, load_stack(series).base_to_apex()))
            except PixelError as error:
                logger.debug("montage skips series %s: %s", series.series_number, error)
    return out


def _pick(stack: Stack) -> list[np.ndarray]:
    """Up to six frames: a stack's slices base to apex, or the mid slice through the cycle."""
    slices, frames = stack.images.shape[:2]
    if slices > 1 and frames == 1:
        chosen = np.linspace(0, slices - 1, min(slices, _TILES_PER_ROW)).round().astype(int)
        return [stack.images[i, 0] for i in chosen]
    mid = stack.images[slices // 2]
    chosen = np.linspace(0, frames - 1, min(frames, _TILES_PER_ROW)).round().astype(int)
    return [mid[i] for i in chosen]


def _tile(image: np.ndarray) -> Image.Image:
    # planes are centred on the heart; the outer chest wall is not what a reader looks at
    h, w = image.shape
    image = image[int(h * 0.2):int(h * 0.8), int(w * 0.2):int(w * 0.8)]
    lo, hi = np.percentile(image, [1.0, 99.5])
    scaled = np.clip((image.astype(np.float32) - lo) / max(hi - lo, 1.0), 0.0, 1.0)
    tile = Image.fromarray((scaled * 255).astype(np.uint8))
    zoom = _TILE / max(tile.width, tile.height)
    tile = tile.resize((max(1, round(tile.width * zoom)), max(1, round(tile.height * zoom))),
                       Image.Resampling.BILINEAR)
    canvas = Image.new("L", (_TILE, _TILE))
    canvas.paste(tile, ((_TILE - tile.width) // 2, (_TILE - tile.height) // 2))
    return canvas


def render_montage(study_dir: Path, out_png: Path) -> int:
    """Write a montage of every MR series in `study_dir`; returns the number of series shown."""
    series = _series_stacks(study_dir)
    if not series:
        raise ValueError(f"{study_dir}: no readable MR images")
    sheet = Image.new("L", (_LABEL_WIDTH + _TILE * _TILES_PER_ROW, _TILE * len(series)), 24)
    draw = ImageDraw.Draw(sheet)
    for row, (s, stack) in enumerate(series):
        draw.text((6, row * _TILE + 6), f"#{s.series_number} {s.series_description}"[:32],
                  fill=230)
        draw.text((6, row * _TILE + 22), f"{s.n_images} images", fill=160)
        for col, image in enumerate(_pick(stack)):
            sheet.paste(_tile(image), (_LABEL_WIDTH + col * _TILE, row * _TILE))
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png)
    return len(series)
