"""Tiny synthetic hearts for the segmentation tests: label slabs, masks, ACDC-style folders."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import nibabel as nib
import numpy as np
from scipy import ndimage

from cmr_search.vocab import AnatomyLabel, Structure
from segment.checkpoint import save_checkpoint
from segment.infer import Segmenter, clean_labels
from segment.io import SaxStudy
from segment.model import CONFIGS, build_model
from segment.systole import within_diastole


def disc(shape: tuple[int, int], center: tuple[float, float], radius: float) -> np.ndarray:
    rr, cc = np.mgrid[:shape[0], :shape[1]]
    return np.asarray((rr - center[0]) ** 2 + (cc - center[1]) ** 2 <= radius**2)


def heart_slice(shape: tuple[int, int], cavity: float, wall: float,
                rv: float = 0.0) -> np.ndarray:
    """`Structure` codes of a ring (LV) with an RV disc beside it (radii in pixels)."""
    c = (shape[0] / 2, shape[1] / 2)
    out = np.zeros(shape, dtype=np.uint8)
    if rv > 0:
        out[disc(shape, (c[0], c[1] - cavity - wall - rv + 2), rv)] = Structure.RV_CAVITY
    out[disc(shape, c, cavity + wall)] = Structure.LV_MYOCARDIUM
    out[disc(shape, c, cavity)] = Structure.LV_CAVITY
    return out


def label_slab(size: int = 96, n_sub: int = 3) -> np.ndarray:
    """Anatomy labels (n_sub, size, size): body, lung, a heart with a papillary muscle."""
    s = (size, size)
    c = size / 2
    layer = np.full(s, AnatomyLabel.FAT, dtype=np.uint8)
    layer[disc(s, (c, c), 0.45 * size)] = AnatomyLabel.MUSCLE
    layer[disc(s, (c, c + 20), 18)] = AnatomyLabel.LUNG
    layer[disc(s, (c, c - 16), 12)] = AnatomyLabel.RV_BLOOD
    layer[disc(s, (c, c), 14)] = AnatomyLabel.LV_MYOCARDIUM
    layer[disc(s, (c, c), 9)] = AnatomyLabel.LV_BLOOD
    layer[disc(s, (c + 4, c + 3), 2)] = AnatomyLabel.PAPILLARY
    return np.stack([layer] * n_sub)


def tiny_checkpoint(folder: Path, context: int = 0) -> Path:
    """An untrained small network saved as a checkpoint (for plumbing tests); with `context`,
    one that reads that many neighbouring slices on each side."""
    config = replace(CONFIGS["sax-dynunet8"], context=context)
    save_checkpoint(folder, build_model(config), config, {"training_data": "none (test)"})
    return folder


def acdc_folder(root: Path, patient: str = "patient901") -> Path:
    """An ACDC-style folder: Info.cfg and ED (frame 1) and ES (frame 5) volumes (x, y, z)."""
    folder = root / patient
    folder.mkdir(parents=True)
    (folder / "Info.cfg").write_text("ED: 1\nES: 5\nGroup: NOR\nHeight: 170.0\nNbFrame: 20\n"
                                     "Weight: 70.0\n")
    affine = np.diag([-1.5, -1.5, 10.0, 1.0])
    for frame, cavity in ((1, 14), (5, 9)):
        volume = np.stack([heart_slice((80, 72), cavity, 6, rv=10) for _ in range(6)], axis=-1)
        image = 20.0 + 200.0 * (volume == Structure.LV_CAVITY) + 60.0 * (volume > 0)
        nib.save(nib.Nifti1Image(image.astype(np.float32), affine),
                 str(folder / f"{patient}_frame{frame:02d}.nii.gz"))
    return folder


_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def readers_case(phases: list[tuple[float, bool]], slices: int = 6,
                 shape: tuple[int, int] = (64, 64)) -> tuple[SaxStudy, list[np.ndarray],
                                                              list[np.ndarray]]:
    """A cine study drawn as a network would segment it, one (cavity radius px, atrium at the
    base) per phase: its masks, and per phase the wall rim the readers count as cavity.

    The image has bright blood, a dark compact wall and a half-bright rim of wall pixels next
    to the cavity; with the atrium, the basal RV pool sits 30 px away from its place."""
    masks, images, rims = [], [], []
    for cavity_px, atrium_at_base in phases:
        mask = np.stack([heart_slice(shape, cavity_px, 4, rv=8) for _ in range(slices)])
        if atrium_at_base:
            rv = mask[0] == Structure.RV_CAVITY
            mask[0][rv] = Structure.BACKGROUND
            mask[0][np.roll(rv, 30, axis=0) & (mask[0] == Structure.BACKGROUND)] = (
                Structure.RV_CAVITY)
        wall = mask == Structure.LV_MYOCARDIUM
        near_cavity = ndimage.binary_dilation(mask == Structure.LV_CAVITY, _CROSS[None])
        outer = ndimage.binary_dilation(mask == Structure.BACKGROUND, _CROSS[None])
        rim = wall & near_cavity & ~outer & ~ndimage.binary_dilation(
            mask == Structure.RV_CAVITY, _CROSS[None])
        image = np.where(mask == Structure.LV_CAVITY, 200.0, 0.0)
        image[mask == Structure.RV_CAVITY] = 200.0
        image[wall] = 40.0
        image[rim] = 120.0
        masks.append(mask)
        images.append(image.astype(np.float32))
        rims.append(rim)
    study = SaxStudy("readers", images, list(range(1, len(phases) + 1)), (1.5, 1.5), 10.0,
                     [np.eye(4)] * len(phases), [f"f{k}" for k in range(len(phases))])
    return study, masks, rims


class PreparedSegmenter(Segmenter):
    """A segmenter that hands back prepared masks, one per phase of the study it is given (as a
    network would have drawn them), with no network behind it; a phase read inside
    end-diastole goes through the product's `segment.systole.within_diastole`."""

    def __init__(self, masks: list[np.ndarray], phases: list[np.ndarray]) -> None:
        self.tta = False
        self.by_phase = {id(phase): mask for phase, mask in zip(phases, masks, strict=True)}

    def network_labels(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        return [self.by_phase[id(v)].copy() for v in volumes]

    def finish(self, raw: list[np.ndarray], volumes: list[np.ndarray],
               spacing_mm: tuple[float, float], diastole: int | None = None) -> list[np.ndarray]:
        masks = [r.copy() for r in raw]
        if diastole is None:
            return masks
        return [m if k == diastole else within_diastole(m, masks[diastole], spacing_mm)
                for k, m in enumerate(masks)]


class OracleSegmenter(Segmenter):
    """Segments the hearts `heart_slice` draws exactly (bright cavity, grey wall, RV beside),
    with no network behind it; with `clean`, then cleans them as the product does (one 3D LV,
    the RV beside it), else hands them back as drawn."""

    def __init__(self, clean: bool = False) -> None:
        self.tta = False
        self.clean = clean

    def network_labels(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        out = []
        for v in volumes:
            mask = np.zeros(v.shape, dtype=np.uint8)
            mask[v > 30] = Structure.LV_MYOCARDIUM
            mask[v > 200] = Structure.LV_CAVITY
            rv = heart_slice(v.shape[1:], 1, 1, rv=10) == Structure.RV_CAVITY
            for k in range(v.shape[0]):
                mask[k][rv & (mask[k] == Structure.LV_MYOCARDIUM)] = Structure.RV_CAVITY
            out.append(mask)
        return out

    def finish(self, raw: list[np.ndarray], volumes: list[np.ndarray],
               spacing_mm: tuple[float, float], diastole: int | None = None) -> list[np.ndarray]:
        return [clean_labels(r) if self.clean else r.copy() for r in raw]
