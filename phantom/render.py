"""Draw an image plane through the patient at one moment of the cardiac cycle.

Returns noise-free relative signal plus the label mask of the same pixels; acquisition effects
(coil shading, noise, scaling to stored values) are added by `phantom.acquisition`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import map_coordinates

from phantom.anatomy import HeartAnatomy
from phantom.body import Habitus, body_layers, texture
from phantom.cycle import contraction
from phantom.geometry import HeartPose, Plane
from phantom.heart import HeartFields, HeartPoints, heart_fields, scar_weight
from phantom.tissue import SIGNAL, Contrast, Label, Tissue

Array = np.ndarray
_HEART_RADIUS_MM = 105.0


@dataclass(frozen=True)
class Scene:
    """One patient: the heart, where it lies, and the body around it."""

    anatomy: HeartAnatomy
    pose: HeartPose
    habitus: Habitus

    @property
    def heart_center(self) -> Array:
        return self.pose.to_patient(-10.0, 0.0, -0.3 * self.anatomy.lv_length_mm)


@dataclass(frozen=True)
class _Layer:
    value: Array | float
    sd: Array
    label: Label | None


def _pericardial_layers(a: HeartAnatomy, f: HeartFields, pts: HeartPoints,
                        signal: dict[Tissue, float]) -> list[_Layer]:
    # epicardial fat gathers in the atrioventricular and interventricular grooves
    groove = 1.0 + 3.5 * np.exp(-((pts.z / 9.0) ** 2)) + 2.0 * (
        pts.bump(110.0, 25.0) + pts.bump(250.0, 25.0))
    effusion = a.effusion_mm * (0.45 + 0.55 * pts.bump(300.0, 130.0))
    v = f.ventricles
    layers = [
        _Layer(signal[Tissue.FAT], v - (groove + effusion + 5.0), None),
        _Layer(signal[Tissue.PERICARDIUM], v - (groove + effusion + 1.6), None),
    ]
    if a.effusion_mm > 0:
        layers.append(_Layer(signal[Tissue.FLUID], v - (groove + effusion), Label.EFFUSION))
    layers.append(_Layer(signal[Tissue.FAT], v - groove, None))
    return layers


def heart_layers(a: HeartAnatomy, f: HeartFields, pts: HeartPoints,
                 contrast: Contrast) -> list[_Layer]:
    """Heart structures in painting order, outermost first."""
    s = SIGNAL[contrast]
    blood, myo = s[Tissue.BLOOD], s[Tissue.MYOCARDIUM]
    lv_myo: Array | float = myo
    if contrast is Contrast.LGE:
        diffuse = a.diffuse_myocardial_enhancement
        blood = blood * (1.0 - 0.55 * diffuse)
        base = myo + 0.45 * diffuse
        lv_myo = base + (s[Tissue.SCAR] - base) * scar_weight(a.scars, f, pts)
        myo = base
    return [
        *_pericardial_layers(a, f, pts, s),
        _Layer(myo, f.la_outer, None),
        _Layer(myo, f.ra_outer, None),
        _Layer(blood, f.la_blood, Label.LA_BLOOD),
        _Layer(blood, f.ra_blood, Label.RA_BLOOD),
        _Layer(myo, f.rv_outer, Label.RV_MYOCARDIUM),
        _Layer(lv_myo, f.lv_epi, Label.LV_MYOCARDIUM),
        _Layer(blood, f.rv_blood, Label.RV_BLOOD),
        _Layer(blood, f.lv_blood, Label.LV_BLOOD),
        _Layer(myo, np.maximum(f.papillary, f.lv_blood), None),
        _Layer(myo, f.aorta_outer, None),
        _Layer(blood, f.aorta_lumen, Label.AORTA),
    ]


def _paint(image: Array, labels: Array, layers: list[_Layer], edge: float) -> None:
    for layer in layers:
        cover = np.clip(0.5 - layer.sd / edge, 0.0, 1.0)
        image *= 1.0 - cover
        image += cover * layer.value
        if layer.label is not None:
            labels[layer.sd < 0] = layer.label


def _scar_labels(a: HeartAnatomy, f: HeartFields, pts: HeartPoints, labels: Array) -> None:
    if a.scars:
        w = scar_weight(a.scars, f, pts)
        labels[(labels == Label.LV_MYOCARDIUM) & (w > 0.5)] = Label.SCAR


def upsample(coarse: Array, step: int, rows: int, cols: int) -> Array:
    """Linear interpolation of a field computed on `Plane.subsampled(step)` back to full size."""
    r = np.arange(rows, dtype=np.float32) / step
    c = np.arange(cols, dtype=np.float32) / step
    rr, cc = np.meshgrid(r, c, indexing="ij")
    return np.asarray(map_coordinates(coarse, [rr, cc], order=1, mode="nearest"),
                      dtype=np.float32)


_BODY_STEP = 2


def render_body(scene: Scene, plane: Plane, contrast: Contrast) -> Array:
    """The static chest for one plane (relative signal, float32).

    The chest varies slowly next to the heart's detail, so it is drawn at half resolution.
    """
    coarse = plane.subsampled(_BODY_STEP)
    return upsample(_render_body(scene, coarse, contrast), _BODY_STEP, plane.rows, plane.cols)


def _render_body(scene: Scene, plane: Plane, contrast: Contrast) -> Array:
    p = plane.points()
    signal = SIGNAL[contrast]
    image = np.zeros((plane.rows, plane.cols), dtype=np.float32)
    for tissue, cover in body_layers(scene.habitus, p, 0.8 * plane.spacing):
        image *= 1.0 - cover
        image += cover * signal[tissue]
    image *= texture(scene.habitus.texture_seed, p, 40.0, 0.07)
    return image


class PlaneRenderer:
    """Draws one plane at any phase; the static chest and pixel coordinates are computed once.

    `shift_mm` displaces the heart (patient mm) to mimic a slice acquired in another breath-hold.
    """

    def __init__(self, scene: Scene, plane: Plane, contrast: Contrast,
                 shift_mm: Array | None = None) -> None:
        self.scene, self.plane, self.contrast = scene, plane, contrast
        self.body = render_body(scene, plane, contrast)
        self._shift = np.zeros(3) if shift_mm is None else np.asarray(shift_mm, dtype=np.float64)
        self._box = self._heart_box()
        r0, r1, c0, c1 = self._box
        self._points = HeartPoints(*scene.pose.to_heart(plane.points(r0, r1, c0, c1) - self._shift))

    def _heart_box(self) -> tuple[int, int, int, int]:
        """Pixel rectangle that holds the heart (and its effusion) at every phase."""
        plane, scene = self.plane, self.scene
        r0, r1, c0, c1 = plane.pixel_box(scene.heart_center + self._shift,
                                         _HEART_RADIUS_MM + scene.anatomy.effusion_mm)
        if r1 <= r0 or c1 <= c0:
            return (0, 0, 0, 0)
        step = 3
        coarse = plane.points(r0, r1, c0, c1)[::step, ::step] - self._shift
        f = heart_fields(scene.anatomy, 0.0, HeartPoints(*scene.pose.to_heart(coarse)))
        reach = np.minimum.reduce([
            f.ventricles - scene.anatomy.effusion_mm - 14.0, f.la_outer - 8.0,
            f.ra_outer - 8.0, f.aorta_outer - 6.0])
        inside = np.argwhere(reach < 0)
        if inside.size == 0:
            return (0, 0, 0, 0)
        margin = 4
        (a0, b0), (a1, b1) = inside.min(axis=0), inside.max(axis=0)
        return (
            max(r0 + a0 * step - margin, 0), min(r0 + a1 * step + margin + 1, plane.rows),
            max(c0 + b0 * step - margin, 0), min(c0 + b1 * step + margin + 1, plane.cols),
        )

    def frame(self, phase: float) -> tuple[Array, Array]:
        """Relative signal and labels at RR fraction `phase`."""
        image = self.body.copy()
        labels = np.zeros(image.shape, dtype=np.uint8)
        r0, r1, c0, c1 = self._box
        if r1 <= r0 or c1 <= c0:
            return image, labels
        pts = self._points
        a = self.scene.anatomy
        fields = heart_fields(a, float(contraction(a, phase)), pts)
        crop, crop_labels = image[r0:r1, c0:c1], labels[r0:r1, c0:c1]
        _paint(crop, crop_labels, heart_layers(a, fields, pts, self.contrast),
               0.8 * self.plane.spacing)
        if self.contrast is Contrast.LGE:
            _scar_labels(a, fields, pts, crop_labels)
        return image, labels
