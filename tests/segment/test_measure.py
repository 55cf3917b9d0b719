"""Measurements on masks whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fakes.segment import heart_slice

from cmr_search.vocab import Structure
from segment import measure as m


def test_summation_of_discs_and_ejection_fraction() -> None:
    mask = np.zeros((4, 10, 10), dtype=np.uint8)
    mask[1:3, 2:7, 2:7] = Structure.LV_CAVITY  # 2 slices x 25 pixels
    assert m.volume_ml(mask, Structure.LV_CAVITY, (2.0, 2.0), 10.0) == pytest.approx(2.0)
    assert m.ejection_fraction_pct(150.0, 60.0) == pytest.approx(60.0)
    assert m.ed_es_from_curve([100.0, 140.0, 90.0, 60.0, 120.0]) == (1, 3)
    assert m.mosteller_bsa_m2(180.0, 80.0) == pytest.approx(math.sqrt(4.0))


def test_ring_thickness_of_an_annulus() -> None:
    mask = heart_slice((120, 120), cavity=20, wall=8, rv=14)[None]
    ring = m.ring_thickness(mask[0], (1.0, 1.0))
    assert ring is not None
    assert np.nanmedian(ring.thickness_mm) == pytest.approx(8.0, abs=1.0)
    segments = m.aha_mid_segments(ring)
    assert sorted(segments) == [7, 8, 9, 10, 11, 12]
    assert all(v == pytest.approx(8.0, abs=1.2) for v in segments.values())
    assert m.max_wall_thickness_mm(np.repeat(mask, 3, axis=0), (1.5, 1.5), 8.0) == pytest.approx(
        12.0, abs=1.8)


def test_max_wall_thickness_is_taken_across_an_oblique_wall() -> None:
    """A cone narrowing by 10 mm per 10 mm slice: its 10 mm in-plane wall is 7.1 mm across
    (cos 45 degrees); a cylinder of the same wall stays 10 mm."""
    shape = (120, 120)
    cone = np.stack([heart_slice(shape, cavity=20, wall=10), heart_slice(shape, cavity=10, wall=10),
                     heart_slice(shape, cavity=0, wall=10)])
    assert m.max_wall_thickness_mm(cone, (1.0, 1.0), 10.0) == pytest.approx(
        10.0 / math.sqrt(2.0), abs=0.8)
    cylinder = np.stack([heart_slice(shape, cavity=15, wall=10)] * 3)
    assert m.max_wall_thickness_mm(cylinder, (1.0, 1.0), 10.0) == pytest.approx(10.0, abs=1.0)


def test_septal_thickening_is_found_in_the_septal_segments() -> None:
    mask = heart_slice((120, 120), cavity=20, wall=8, rv=14)
    rr, cc = np.mgrid[:120, :120]
    septum = (cc < 60 - 20) & (cc > 60 - 40) & (np.abs(rr - 60) < 6)
    mask[septum & (mask == 0)] = Structure.LV_MYOCARDIUM  # thicker towards the RV
    ring = m.ring_thickness(mask, (1.0, 1.0))
    assert ring is not None
    segments = m.aha_mid_segments(ring)
    assert max(segments, key=lambda k: segments[k]) in (8, 9)


def test_mid_slice_is_the_middle_of_the_lv() -> None:
    mask = np.zeros((9, 8, 8), dtype=np.uint8)
    mask[2:7, 3:5, 3:5] = Structure.LV_CAVITY
    assert m.mid_slice(mask) == 4
    assert m.mid_slice(np.zeros((3, 4, 4), dtype=np.uint8)) is None
