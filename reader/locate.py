"""Where the heart is: its centre in a stack, in patient coordinates (mm)."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from reader.stack import Stack

# A long-axis motion centre further than this from the short-axis heart centre is a stray.
_MAX_CENTER_DISAGREEMENT_MM = 45.0


def heart_center(stack: Stack, slice_index: int) -> np.ndarray:
    """Patient position (mm) of the heart in one slice: where the image changes over the cycle.

    Falls back to the image centre for stills or when nothing moves.
    """
    images = stack.images[slice_index]
    rows, cols = images.shape[1:]
    if images.shape[0] > 1:
        scale = np.percentile(images, 99) + 1e-6
        motion = gaussian_filter(np.std(images / scale, axis=0), sigma=2.0)
        # the chest wall moves a little with breathing artefacts; the heart moves most
        threshold = np.percentile(motion, 98.5)
        r, c = np.nonzero(motion >= threshold)
        if r.size and motion.max() > 1e-3:
            weights = motion[r, c]
            return stack.to_patient(slice_index, float(np.average(r, weights=weights)),
                                    float(np.average(c, weights=weights)))
    return stack.to_patient(slice_index, (rows - 1) / 2, (cols - 1) / 2)


def project_to_slice(stack: Stack, slice_index: int, point: np.ndarray) -> np.ndarray:
    """`point` (mm) moved along the slice normal into the slice's plane."""
    origin = stack.positions[slice_index]
    n = stack.normal
    return np.asarray(point - float((point - origin) @ n) * n)


def lax_center(stack: Stack, sax_center: np.ndarray) -> np.ndarray:
    """The heart in a long-axis cine: its own motion centre, unless that strays far from the
    short-axis centre (then the short-axis centre projected into the plane)."""
    own = heart_center(stack, 0)
    projected = project_to_slice(stack, 0, sax_center)
    return own if float(np.linalg.norm(own - projected)) < _MAX_CENTER_DISAGREEMENT_MM \
        else projected
