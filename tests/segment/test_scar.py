"""Scar burden from an LGE stack: a known enhanced sector is found, a healthy wall is not."""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import Structure
from segment.qc import QcFlag
from segment.scar import scar_burden, slice_spacing

SIZE, SLICES = 96, 6


def _radius() -> np.ndarray:
    r, c = np.mgrid[:SIZE, :SIZE] - SIZE / 2
    return np.hypot(r, c)


def _ring() -> tuple[np.ndarray, np.ndarray]:
    """(myocardium mask, angle of each pixel in degrees) of one short-axis ring."""
    r, c = np.mgrid[:SIZE, :SIZE] - SIZE / 2
    radius = np.hypot(r, c)
    return (radius > 18) & (radius < 26), np.degrees(np.arctan2(r, c)) % 360


def _inner_band() -> np.ndarray:
    """A subendocardial quarter: the inner 3 mm of the ring (1.5 mm pixels) over 90 degrees."""
    ring, angle = _ring()
    return ring & (_radius() < 20) & (angle < 90)


class _Walls:
    """Segments the drawn ring exactly, on every slice."""

    def __init__(self, found: bool = True, scar_as_blood: bool = False) -> None:
        self.found, self.scar_as_blood = found, scar_as_blood

    def segment_phases(self, volumes: list[np.ndarray], spacing_mm: tuple[float, float]
                       ) -> list[np.ndarray]:
        ring, _ = _ring()
        labels = np.zeros(volumes[0].shape, dtype=np.uint8)
        if self.found:
            labels[:, _radius() <= 18] = Structure.LV_CAVITY
            labels[:, ring] = Structure.LV_MYOCARDIUM
        if self.found and self.scar_as_blood:  # as the network draws bright enhancement
            labels[:, _inner_band()] = Structure.LV_CAVITY
        return [labels]


def _lge(scar_degrees: float, seed: int = 0, subendocardial: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ring, angle = _ring()
    images = rng.normal(0.5, 0.03, (SLICES, SIZE, SIZE))  # grey blood and background
    wall = rng.normal(0.08, 0.02, (SLICES, SIZE, SIZE))  # nulled myocardium
    images[:, ring] = wall[:, ring]
    scar = _inner_band() if subendocardial else ring & (angle < scar_degrees)
    images[:, scar] = rng.normal(0.9, 0.05, (SLICES, int(scar.sum())))
    return images.astype(np.float32)


def test_a_known_enhanced_sector_is_measured() -> None:
    found = scar_burden(_lge(90.0), (1.5, 1.5), 8.0, _Walls())
    assert found.scar_pct is not None and 22.0 <= found.scar_pct <= 28.0  # a quarter
    assert found.myocardium_ml > 20 and found.flags == [QcFlag.SCAR_UNVALIDATED]


def test_a_healthy_wall_has_next_to_no_scar() -> None:
    for seed in range(3):
        found = scar_burden(_lge(0.0, seed), (1.5, 1.5), 8.0, _Walls())
        assert found.scar_pct is not None and found.scar_pct < 1.0


def test_subendocardial_scar_the_network_took_for_blood_is_found() -> None:
    expected = 100.0 * _inner_band().sum() / _ring()[0].sum()  # 5.4 % of the wall
    found = scar_burden(_lge(0.0, subendocardial=True), (1.5, 1.5), 8.0,
                        _Walls(scar_as_blood=True))
    assert found.scar_pct is not None and abs(found.scar_pct - expected) < 2.0
    assert found.scar_mask is not None and found.scar_mask[:, _inner_band()].mean() > 0.8
    for seed in range(3):  # a healthy cavity's rim is blood, not scar
        healthy = scar_burden(_lge(0.0, seed), (1.5, 1.5), 8.0, _Walls())
        assert healthy.scar_pct is not None and healthy.scar_pct < 1.0


def test_a_blood_pool_of_one_grey_level_does_not_turn_its_rim_to_scar() -> None:
    # most of a quantised pool shares one value (median deviation 0): a slightly brighter
    # quarter of its rim is blood, not scar
    ring, angle = _ring()
    images = np.full((SLICES, SIZE, SIZE), 10.0, dtype=np.float32)
    images[:, ring] = 2.0
    images[:, (_radius() > 15.5) & (_radius() <= 18) & (angle < 90)] = 11.0
    found = scar_burden(images, (1.5, 1.5), 8.0, _Walls())
    assert found.scar_pct == 0.0


def test_no_wall_on_the_lge_stack_is_flagged_not_guessed() -> None:
    found = scar_burden(_lge(90.0), (1.5, 1.5), 8.0, _Walls(found=False))
    assert found.scar_pct is None and found.flags == [QcFlag.NO_LGE_MYOCARDIUM]


def test_slice_spacing_along_the_stack_normal() -> None:
    positions = np.array([[0, 0, 10.0 * k] for k in range(4)])
    assert slice_spacing(positions, np.array([1.0, 0, 0]), np.array([0, 1.0, 0])) == 10.0
    assert slice_spacing(positions[:1], np.array([1.0, 0, 0]), np.array([0, 1.0, 0])) == 8.0
