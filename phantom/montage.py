"""Render frames of every series of one study into a PNG, so a person can look at it."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

logger = logging.getLogger(__name__)

_TILE = 160
_LABEL_WIDTH = 220
_TILES_PER_ROW = 6


@dataclass
class _Series:
    number: int
    description: str
    frames: list[tuple[float, float, np.ndarray]] = field(default_factory=list)


def _position_along_normal(orientation: list[float], position: list[float]) -> float:
    row, col = np.array(orientation[:3], dtype=float), np.array(orientation[3:], dtype=float)
    normal = np.cross(row, col)
    return float(np.dot(normal, np.array(position, dtype=float)))


def _enhanced_frames(ds: Dataset, pixels: np.ndarray) -> list[tuple[float, float, np.ndarray]]:
    shared = ds.SharedFunctionalGroupsSequence[0]
    orientation = [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient]
    frames = []
    stack = pixels if pixels.ndim == 3 else pixels[None]
    for item, image in zip(ds.PerFrameFunctionalGroupsSequence, stack, strict=True):
        position = [float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient]
        sync = item.get("CardiacSynchronizationSequence")
        time = float(sync[0].NominalCardiacTriggerDelayTime) if sync else 0.0
        frames.append((_position_along_normal(orientation, position), time, image))
    return frames


def _read_series(study_dir: Path) -> list[_Series]:
    series: dict[str, _Series] = {}
    for path in sorted(p for p in study_dir.rglob("*") if p.is_file()):
        try:
            ds = dcmread(path)
            if ds.get("Modality") != "MR" or "PixelData" not in ds:
                continue
            pixels = ds.pixel_array
        except (InvalidDicomError, OSError, ValueError, AttributeError, KeyError) as error:
            logger.debug("montage skips %s: %s", path.name, error)
            continue
        s = series.setdefault(str(ds.SeriesInstanceUID), _Series(
            int(ds.get("SeriesNumber", 0) or 0), str(ds.get("SeriesDescription", ""))))
        if "PerFrameFunctionalGroupsSequence" in ds:
            s.frames.extend(_enhanced_frames(ds, pixels))
        else:
            orientation = [float(v) for v in ds.ImageOrientationPatient]
            position = [float(v) for v in ds.ImagePositionPatient]
            time = float(ds.get("TriggerTime", 0) or 0) + 0.001 * int(ds.InstanceNumber or 0)
            s.frames.append((_position_along_normal(orientation, position), time, pixels))
    return sorted(series.values(), key=lambda s: s.number)


def _pick(s: _Series) -> list[np.ndarray]:
    """Up to six frames: the mid slice through the cycle, or a stack's slices base to apex."""
    slices: dict[float, list[tuple[float, np.ndarray]]] = defaultdict(list)
    for where, time, image in s.frames:
        slices[round(where, 1)].append((time, image))
    keys = sorted(slices)
    if len(keys) > 1 and all(len(v) == 1 for v in slices.values()):
        chosen = np.linspace(0, len(keys) - 1, min(len(keys), _TILES_PER_ROW)).round()
        return [slices[keys[int(i)]][0][1] for i in chosen]
    mid = sorted(slices[keys[len(keys) // 2]], key=lambda t: t[0])
    chosen = np.linspace(0, len(mid) - 1, min(len(mid), _TILES_PER_ROW)).round()
    return [mid[int(i)][1] for i in chosen]


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
    series = _read_series(study_dir)
    if not series:
        raise ValueError(f"{study_dir}: no readable MR images")
    sheet = Image.new("L", (_LABEL_WIDTH + _TILE * _TILES_PER_ROW, _TILE * len(series)), 24)
    draw = ImageDraw.Draw(sheet)
    for row, s in enumerate(series):
        draw.text((6, row * _TILE + 6), f"#{s.number} {s.description}"[:32], fill=230)
        draw.text((6, row * _TILE + 22), f"{len(s.frames)} images", fill=160)
        for col, image in enumerate(_pick(s)):
            sheet.paste(_tile(image), (_LABEL_WIDTH + col * _TILE, row * _TILE))
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png)
    return len(series)
