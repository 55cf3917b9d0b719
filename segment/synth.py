"""Synthetic training images drawn from anatomy label maps (the SynthSeg recipe).

A slab of label maps (sub-planes through one thick slice) is moved (flip, rotation, scale,
elastic), given an intensity per label (random half the time, bSSFP- or LGE-like otherwise),
averaged through the slab (partial volume), and spoilt the way scanners spoil images (bias
field, gamma, motion, ghosting, low resolution, Gibbs ringing, Rician noise). The target is the
middle sub-plane mapped to `Structure` codes (`reader_target`). Every draw is seeded: the
same seed gives the same pair. torchio and MONAI do the work; this module only composes them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torchio as tio
from monai.transforms import (
    Rand2DElastic,
    RandGibbsNoise,
    RandRicianNoise,
    RandSimulateLowResolution,
)
from scipy import ndimage

from cmr_search.vocab import LV_STRUCTURES, STRUCTURE_OF, AnatomyLabel, Structure

A = AnatomyLabel
Range = tuple[float, float]

_BLOOD = (A.LV_BLOOD, A.RV_BLOOD, A.LA_BLOOD, A.RA_BLOOD, A.AORTA, A.DESCENDING_AORTA)
_MUSCLE = (A.LV_MYOCARDIUM, A.RV_MYOCARDIUM, A.PAPILLARY, A.SCAR, A.VESSEL_WALL)

# bSSFP cine: bright blood and fat, dark myocardium, black lung (blood about 1).
BSSFP: dict[AnatomyLabel, Range] = {
    A.AIR: (0.0, 0.04), **dict.fromkeys(_BLOOD, (0.55, 1.0)), **dict.fromkeys(_MUSCLE, (0.1, 0.4)),
    A.LV_TRABECULAE: (0.15, 0.7), A.RV_TRABECULAE: (0.15, 0.7), A.EPICARDIAL_FAT: (0.45, 1.0),
    A.PERICARDIUM: (0.0, 0.25), A.EFFUSION: (0.5, 1.0), A.LUNG: (0.0, 0.12),
    A.LUNG_VESSEL: (0.15, 0.8), A.FAT: (0.45, 1.0), A.MUSCLE: (0.08, 0.4),
    A.SOFT_TISSUE: (0.1, 0.6), A.LIVER: (0.12, 0.5), A.ABDOMEN: (0.05, 0.9), A.BONE: (0.1, 0.6),
    A.CSF: (0.3, 1.0),
}
# Late gadolinium enhancement: nulled myocardium, grey blood, bright scar.
LGE: dict[AnatomyLabel, Range] = {
    **BSSFP, **dict.fromkeys(_BLOOD, (0.3, 0.75)), **dict.fromkeys(_MUSCLE, (0.0, 0.12)),
    A.SCAR: (0.6, 1.0), A.LV_TRABECULAE: (0.05, 0.5), A.RV_TRABECULAE: (0.05, 0.5),
    A.PERICARDIUM: (0.1, 0.5), A.EFFUSION: (0.0, 0.3), A.CSF: (0.0, 0.3), A.FAT: (0.3, 0.8),
    A.EPICARDIAL_FAT: (0.3, 0.8),
}
_N_LABELS = len(AnatomyLabel)
_FAT = (A.FAT, A.EPICARDIAL_FAT)
_IN_PLANE = np.array([[[0, 1, 0], [1, 1, 1], [0, 1, 0]]], dtype=bool)  # (sub-plane, row, col)
# Labels of one tissue give one signal in any MR sequence (SynthSeg's "generation classes").
# Drawn apart, papillary muscles or the RV wall could differ from the LV wall, or the RV blood
# from the LV blood: differences real images never show, which a network learns to lean on
# (on real cine it took papillary muscles against the wall for myocardium).
SAME_TISSUE: dict[AnatomyLabel, AnatomyLabel] = {
    A.RV_MYOCARDIUM: A.LV_MYOCARDIUM, A.PAPILLARY: A.LV_MYOCARDIUM,
    **dict.fromkeys((A.RV_BLOOD, A.LA_BLOOD, A.RA_BLOOD, A.AORTA), A.LV_BLOOD),
    A.EPICARDIAL_FAT: A.FAT,
}


def _ranges(table: dict[AnatomyLabel, Range]) -> list[Range]:
    return [table.get(AnatomyLabel(k), (0.0, 1.0)) for k in range(_N_LABELS)]


def structure_lookup() -> np.ndarray:
    """Array mapping every `AnatomyLabel` code to its `Structure` code."""
    lut = np.zeros(256, dtype=np.int64)
    for label, structure in STRUCTURE_OF.items():
        lut[label] = structure
    return lut


def reader_target(planes: np.ndarray, reader_cavity: bool, reader_base: bool = False,
                  reader_rv_base: bool = False) -> np.ndarray:
    """The contour a reader draws on a thick slice of `Structure` sub-planes (n_sub, H, W),
    ordered from apex to base (`phantom.labels.label_slab`).

    The middle plane; with `reader_cavity`, the LV wall where any sub-plane holds LV cavity is
    cavity too: readers put the endocardial border at the compact myocardium, the partial
    volume rim of a wall the slice cuts obliquely on the cavity's side of it. With
    `reader_base`, where the middle plane is background (atrium, outflow tract, groove fat)
    the LV of the sub-planes on the apical side is drawn: a slice straddling the base shows the
    LV's ring round the blood pool, and readers contour the whole LV there (ACDC's basal slices).
    With `reader_rv_base`, a slab whose most basal sub-plane holds less than half the middle
    plane's RV cavity has no RV: a slice the tricuspid valve plane crosses is atrium to readers
    (ACDC's experts leave the RV out of the basal slice at end-systole, when the annulus has
    descended into it).
    """
    middle = planes.shape[0] // 2
    target = np.array(planes[middle])
    if reader_cavity:
        rim = (target == Structure.LV_MYOCARDIUM) & (planes == Structure.LV_CAVITY).any(axis=0)
        target[rim] = Structure.LV_CAVITY
    if reader_base:
        for below in planes[:middle][::-1]:  # nearest the middle first
            lv = ((target == Structure.BACKGROUND)
                  & np.isin(below, LV_STRUCTURES))
            target[lv] = below[lv]
    if reader_rv_base:
        rv = target == Structure.RV_CAVITY
        if 2 * (planes[-1] == Structure.RV_CAVITY).sum() < rv.sum():
            target[rv] = Structure.BACKGROUND
    return target


@dataclass(frozen=True)
class SynthRecipe:
    """The knobs of the generator (probabilities 0..1, lengths in pixels of the output grid)."""

    crop: int = 128
    p_random_contrast: float = 0.5
    p_lge: float = 0.15
    scale: Range = (0.8, 1.2)
    max_shift_px: int = 24
    elastic_px: float = 2.5
    std: Range = (0.0, 0.06)
    blur_mm: Range = (0.0, 1.0)
    bias: float = 0.6
    log_gamma: Range = (-0.4, 0.4)
    p_motion: float = 0.2
    p_ghosting: float = 0.2
    p_low_resolution: float = 0.5
    p_gibbs: float = 0.35
    p_noise: float = 0.8
    noise_std: Range = (0.0, 0.08)
    p_same_tissue: float = 0.0  # draws where `SAME_TISSUE` labels share one intensity
    p_fat_edge: float = 0.0  # draws with a dark line where fat meets water-based tissue
    fat_edge_gain: Range = (0.1, 0.6)
    reader_cavity: bool = False  # LV cavity in any sub-plane counts as cavity (`reader_target`)
    reader_base: bool = False  # the LV below a slab's middle plane is drawn where it is background
    reader_rv_base: bool = False  # no RV in a slab the tricuspid plane crosses (`reader_target`)
    # 2.5D: neighbouring slices on each side (`phantom.labels.SlabRecipe.context` must match)
    context: int = 0
    misalign_px: int = 2  # breath-hold mismatch of a neighbour slice (pixels, each axis)
    p_edge: float = 0.15  # a neighbour is the slice itself, as at the ends of a stack


def _spatial(r: SynthRecipe) -> Rand2DElastic:
    """In-plane rotation, scale and elastic warp of the label slab (sub-planes as channels)."""
    return Rand2DElastic(spacing=(24, 24), magnitude_range=(0.0, r.elastic_px), prob=1.0,
                         rotate_range=np.pi, scale_range=(r.scale[1] - 1.0, r.scale[1] - 1.0),
                         mode="nearest", padding_mode="zeros")


def _scanner(r: SynthRecipe) -> tio.Compose:
    """Spoiling of the 2D image (as a one-slice volume)."""
    return tio.Compose([
        tio.RandomBiasField(coefficients=r.bias, order=3, p=0.8),
        tio.RandomMotion(degrees=4, translation=4, num_transforms=2, p=r.p_motion),
        tio.RandomGhosting(num_ghosts=(2, 8), axes=(0, 1), intensity=(0.1, 0.6),
                           p=r.p_ghosting),
    ])


def tissue_lookup() -> np.ndarray:
    """Array mapping every `AnatomyLabel` code to the code whose intensity it shares."""
    lut = np.arange(256, dtype=np.uint8)
    for label, tissue in SAME_TISSUE.items():
        lut[label] = tissue
    return lut


def normalise(image: np.ndarray) -> np.ndarray:
    """Scale to 0..1 between the 0.5th and 99.5th percentiles (the network's input range)."""
    low, high = np.percentile(image, [0.5, 99.5])
    return np.asarray(np.clip((image - low) / max(float(high - low), 1e-6), 0.0, 1.0),
                      dtype=np.float32)


def _darken_fat_edges(subject: tio.Subject, labels: np.ndarray, gain: float) -> None:
    """Scale the fat pixels that touch other tissue by `gain`, in place: the dark line that
    fat-water chemical shift draws round the heart on bSSFP and gradient-echo images (the
    epicardial border is where a reader sees it). It lies in the fat, outside the wall."""
    fat = np.isin(labels, _FAT)
    edge = fat & ~ndimage.binary_erosion(fat, structure=_IN_PLANE, border_value=1)
    image = subject["image"].data
    image[0][torch.from_numpy(edge.transpose(1, 2, 0).copy())] *= gain


class SynthImages:
    """Turns a label slab (n_sub, H, W) into a training pair (image (1, crop, crop) float32,
    target (crop, crop) int64 `Structure` codes), reproducibly from a seed.

    With `recipe.context` = c the slab holds 2c + 1 slices' sub-planes ((2c + 1) n_sub, H, W,
    `phantom.labels.training_slabs`) and the image has 2c + 1 channels: one draw of the
    tissues' intensities for the whole stack (one scan), spoilt slice by slice (each slice is
    its own breath-hold); the target is the middle slice's.
    """

    def __init__(self, recipe: SynthRecipe | None = None) -> None:
        self.recipe = r = recipe or SynthRecipe()
        self._spatial, self._scanner = _spatial(r), _scanner(r)
        self._contrast: list[list[Range] | None] = [None, _ranges(BSSFP), _ranges(LGE)]
        self._gamma = tio.RandomGamma(log_gamma=r.log_gamma)
        self._blur = tio.RandomBlur(std=(r.blur_mm[0], r.blur_mm[1], r.blur_mm[0],
                                         r.blur_mm[1], 0.0, 0.0))
        self._low = RandSimulateLowResolution(prob=r.p_low_resolution, zoom_range=(0.5, 1.0),
                                              downsample_mode="area", upsample_mode="bilinear")
        self._gibbs = RandGibbsNoise(prob=r.p_gibbs, alpha=(0.0, 0.6))
        self._noise = RandRicianNoise(prob=r.p_noise, std=r.noise_std[1], relative=False,
                                      sample_std=True)
        self._lut, self._tissue = structure_lookup(), tissue_lookup()

    def _crop(self, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A crop of the slab around the heart (shifted at random), or anywhere if none."""
        n = self.recipe.crop
        _, h, w = labels.shape
        heart = np.argwhere(self._lut[labels[labels.shape[0] // 2]] > 0)
        center = heart.mean(axis=0) if len(heart) else np.array([h / 2, w / 2])
        shift = rng.integers(-self.recipe.max_shift_px, self.recipe.max_shift_px + 1, size=2)
        r0 = int(np.clip(center[0] + shift[0] - n // 2, 0, h - n))
        c0 = int(np.clip(center[1] + shift[1] - n // 2, 0, w - n))
        return labels[:, r0:r0 + n, c0:c0 + n]

    def _draw(self, labels: np.ndarray) -> tio.Subject:
        """Intensities per label (per tissue, `p_same_tissue` of the time). Labels are
        renumbered 0..n-1 in the order present, which is how torchio matches a categorical map
        to its list of mean ranges."""
        p = self.recipe.p_same_tissue
        if p and float(torch.rand(())) < p:
            labels = self._tissue[labels]
        present, codes = np.unique(labels, return_inverse=True)
        volume = codes.reshape(labels.shape).transpose(1, 2, 0)[None].astype(np.int64)
        subject = tio.Subject(labels=tio.LabelMap(tensor=torch.from_numpy(volume)))
        draw = self._contrast[self._pick()]
        return tio.RandomLabelsToImage(
            label_key="labels", image_key="image", std=[self.recipe.std] * len(present),
            mean=None if draw is None else [draw[int(k)] for k in present],
            default_mean=(0.0, 1.0), copy=False)(subject)

    def _pick(self) -> int:
        r = self.recipe
        u = float(torch.rand(()))
        return 0 if u < r.p_random_contrast else 2 if u < r.p_random_contrast + r.p_lge else 1

    def __call__(self, slab: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(image (2 context + 1, crop, crop), target (crop, crop)) from a label slab."""
        rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        for t in (self._spatial, self._low, self._gibbs, self._noise):
            t.set_random_state(seed=seed % 2**32)
        if rng.random() < 0.5:
            slab = slab[:, ::-1]
        n_slices = 2 * self.recipe.context + 1
        if slab.shape[0] % n_slices:
            raise ValueError(f"a slab of {slab.shape[0]} planes is no stack of {n_slices} "
                             "slices: SlabRecipe.context and SynthRecipe.context differ")
        if n_slices > 1:
            slab = self._misalign(slab, n_slices, rng)
        warped = torch.as_tensor(self._spatial(torch.from_numpy(slab.astype(np.float32))))
        moved = warped.round().numpy().astype(np.uint8)
        labels = self._crop(moved, rng)
        drawn = self._draw(labels)
        if self.recipe.p_fat_edge and rng.random() < self.recipe.p_fat_edge:
            _darken_fat_edges(drawn, labels, float(rng.uniform(*self.recipe.fat_edge_gain)))
        sub = self._blur(drawn)["image"].data
        # partial volume: each slice is the mean of its own sub-planes
        thick = sub.reshape(*sub.shape[:-1], n_slices, -1).mean(dim=-1)
        images = [self._spoil(thick[..., j:j + 1]) for j in range(n_slices)]
        middle = n_slices // 2
        for j in range(n_slices):
            if j != middle and rng.random() < self.recipe.p_edge:
                images[j] = images[middle]
        if n_slices > 1 and rng.random() < 0.5:
            images.reverse()  # the stack's order (base first or apex first) is not known
        n_sub = labels.shape[0] // n_slices
        target = reader_target(self._lut[labels[middle * n_sub:(middle + 1) * n_sub]],
                               self.recipe.reader_cavity, self.recipe.reader_base,
                               self.recipe.reader_rv_base)
        return np.concatenate(images), target

    def _misalign(self, slab: np.ndarray, n_slices: int, rng: np.random.Generator) -> np.ndarray:
        """Neighbour slices shifted in plane by a few pixels (another breath-hold)."""
        n_sub, m = slab.shape[0] // n_slices, self.recipe.misalign_px
        out = slab.copy()
        for j in range(n_slices):
            if j != n_slices // 2 and m:
                rows, cols = (int(v) for v in rng.integers(-m, m + 1, size=2))
                out[j * n_sub:(j + 1) * n_sub] = np.roll(slab[j * n_sub:(j + 1) * n_sub],
                                                         (rows, cols), axis=(1, 2))
        return out

    def _spoil(self, image: torch.Tensor) -> np.ndarray:
        """Scanner spoiling of one slice ((1, rows, cols, 1) tensor); (1, rows, cols) out."""
        scanned = self._scanner(tio.Subject(image=tio.ScalarImage(tensor=image)))
        picture = self._gamma(tio.RescaleIntensity(out_min_max=(0, 1))(scanned))
        flat = picture["image"].data[..., 0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            flat = torch.as_tensor(self._low(flat))
            flat = torch.as_tensor(self._gibbs(flat)).clamp(min=0.0)
            flat = torch.as_tensor(self._noise(flat))
        return normalise(flat.numpy().astype(np.float32))
