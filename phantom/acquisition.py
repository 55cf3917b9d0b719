"""Turn a planned series into stored pixel values: coil shading, Rician noise, vendor scaling."""

from __future__ import annotations

import numpy as np

from phantom.geometry import Plane
from phantom.protocol import Protocol, SeriesPlan
from phantom.render import PlaneRenderer, Scene, upsample

Array = np.ndarray
MAX_STORED_VALUE = 4095  # 12 bits stored


def coil_shading(scene: Scene, plane: Plane, seed: int) -> Array:
    """Receive-coil sensitivity: bright near the anterior and posterior arrays, 1 at the heart."""
    rng = np.random.default_rng(seed)
    step = 4  # the coil profile is smooth on the scale of centimetres
    coarse = plane.subsampled(step)
    p = coarse.points()
    depth = scene.habitus.half_depth_mm
    field = np.full(p.shape[:2], 0.35, dtype=np.float32)
    for y in (-depth - 10.0, depth + 20.0):
        for _ in range(2):
            element = np.array([rng.uniform(-90, 90), y, rng.uniform(-60, 60)])
            d2 = np.sum((p - element) ** 2, axis=-1)
            field += (0.9 * np.exp(-d2 / (2 * 130.0**2))).astype(np.float32)
    at_heart = 0.35 + sum(
        0.9 * np.exp(-np.sum((scene.heart_center - np.array([0.0, y, 0.0])) ** 2)
                     / (2 * 130.0**2)) for y in (-depth - 10.0, depth + 20.0)) * 2.0
    return upsample(field / at_heart, step, plane.rows, plane.cols)


def _inversion_weight(ti_ms: float, t1_ms: float) -> float:
    """Magnitude of longitudinal magnetisation after an inversion, relative to full recovery."""
    return float(abs(1.0 - 2.0 * np.exp(-ti_ms / t1_ms)))


class _NoiseBank:
    """Complex Gaussian noise frames: a few drawn per series, then rolled and flipped at random.

    Drawing fresh normals for every frame cost more than drawing the image itself.
    """

    def __init__(self, rng: np.random.Generator, shape: tuple[int, int], size: int = 6) -> None:
        self.rng = rng
        self.frames = rng.standard_normal((size, 2, *shape), dtype=np.float32)

    def draw(self) -> tuple[Array, Array]:
        k = int(self.rng.integers(len(self.frames)))
        shift = (int(self.rng.integers(self.frames.shape[2])),
                 int(self.rng.integers(self.frames.shape[3])))
        frame = np.roll(self.frames[k], shift, axis=(1, 2))
        if self.rng.random() < 0.5:
            frame = frame[:, ::-1]
        return frame[0], frame[1]


def acquire(scene: Scene, protocol: Protocol, plan: SeriesPlan,
            rng: np.random.Generator) -> tuple[Array, Array]:
    """Stored pixels (uint16) and ground-truth labels, shape (planes * phases, rows, cols)."""
    first = plan.planes[0]
    pixels = np.empty((plan.n_images, first.rows, first.cols), dtype=np.uint16)
    labels = np.empty((plan.n_images, first.rows, first.cols), dtype=np.uint8)
    scale = protocol.blood_value
    sigma = protocol.noise
    index = 0
    noise = _NoiseBank(rng, (first.rows, first.cols))
    for plane, shift in zip(plan.planes, plan.shifts_mm, strict=True):
        renderer = PlaneRenderer(scene, plane, plan.contrast, shift)
        shading = coil_shading(scene, plane, int(rng.integers(2**31)))
        for k, phase in enumerate(plan.phases):
            signal, label = renderer.frame(phase)
            if plan.inversion_times_ms is not None and len(plan.phases) > 1:
                signal = signal * (0.25 + _inversion_weight(plan.inversion_times_ms[k], 450.0))
            signal = signal * shading
            real, imag = noise.draw()
            noisy = np.hypot(signal + sigma * real, sigma * imag)
            pixels[index] = np.clip(np.rint(noisy * scale), 0, MAX_STORED_VALUE).astype(np.uint16)
            labels[index] = label
            index += 1
    return pixels, labels
