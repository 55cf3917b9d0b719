"""Finding the heart in a stack."""

from __future__ import annotations

import numpy as np

from reader.locate import heart_center, lax_center, project_to_slice
from reader.stack import Stack


def _beating(row: int, col: int) -> Stack:
    rng = np.random.default_rng(0)
    images = rng.normal(100, 5, size=(1, 12, 80, 80)).astype(np.float32)
    for k in range(12):  # a disc that beats
        radius = 8 + 4 * np.sin(2 * np.pi * k / 12)
        rr, cc = np.ogrid[:80, :80]
        images[0, k][(rr - row) ** 2 + (cc - col) ** 2 < radius**2] = 400
    return Stack(images, np.zeros((1, 3)), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]),
                 (2.0, 2.0), np.arange(12) * 80.0, 960.0)


def test_heart_is_found_where_it_moves() -> None:
    center = heart_center(_beating(50, 20), 0)
    assert abs(center[0] - 40.0) < 4 and abs(center[1] - 100.0) < 4  # column 20, row 50 at 2 mm


def test_a_long_axis_centre_far_from_the_short_axis_one_is_not_trusted() -> None:
    stack = _beating(50, 20)
    near = np.array([38.0, 98.0, 25.0])
    assert np.allclose(lax_center(stack, near)[:2], heart_center(stack, 0)[:2])
    far = np.array([150.0, 10.0, 25.0])
    assert np.allclose(lax_center(stack, far), project_to_slice(stack, 0, far))
    assert project_to_slice(stack, 0, far)[2] == 0.0  # moved into the plane z = 0
