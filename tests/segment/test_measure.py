"""Measurements on masks whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fakes.segment import disc, heart_slice

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


_SHAPE = (120, 120)
_ANGLES = np.linspace(0.0, 2 * np.pi, 120, endpoint=False)


def _cosines(stack: np.ndarray, k: int, pixel_mm: float, slice_mm: float) -> np.ndarray:
    center = np.argwhere(stack[k] == Structure.LV_CAVITY).mean(axis=0)
    return m._through_plane_cosine(stack, k, center, _ANGLES, (pixel_mm, pixel_mm), slice_mm)


def test_max_wall_thickness_is_taken_across_an_oblique_wall() -> None:
    """A cone whose mid-wall narrows 5 mm per 5 mm slice (45 degrees): its 5 mm in-plane wall
    (10 pixels of 0.5 mm) is 3.5 mm across, at every slice; a cylinder stays 5 mm."""
    cone = np.stack([heart_slice(_SHAPE, cavity=c, wall=10) for c in (40, 30, 20, 10)])
    for k in range(4):
        assert np.median(_cosines(cone, k, 0.5, 5.0)) == pytest.approx(
            1 / math.sqrt(2.0), abs=0.05)
    assert m.max_wall_thickness_mm(cone, (0.5, 0.5), 5.0) == pytest.approx(
        5.0 / math.sqrt(2.0), abs=0.4)
    ring = m.ring_thickness(cone[1], (0.5, 0.5))
    assert ring is not None  # the AHA segments' thickness, across the wall too
    across = m.across_the_wall(ring, cone, 1, (0.5, 0.5), 5.0)
    assert np.nanmedian(across.thickness_mm) == pytest.approx(5.0 / math.sqrt(2.0), abs=0.4)
    assert np.array_equal(across.from_septum_deg, ring.from_septum_deg)
    cylinder = np.stack([heart_slice(_SHAPE, cavity=30, wall=10)] * 4)
    assert m.max_wall_thickness_mm(cylinder, (0.5, 0.5), 5.0) == pytest.approx(5.0, abs=0.5)
    # slices infinitely far apart show no tilt: the in-plane thickness
    assert m.max_wall_thickness_mm(cone, (0.5, 0.5), math.inf) == pytest.approx(5.0, abs=0.5)


def test_no_tilt_is_read_from_a_neighbour_the_ray_does_not_cross_the_wall_of() -> None:
    """Above the base (no LV), the outflow tract (the cavity open past the wall) and a slice
    the network missed leave the other neighbour to tell the tilt: a cylinder's is none."""
    ring = heart_slice(_SHAPE, cavity=20, wall=10)
    empty = np.zeros(_SHAPE, dtype=np.uint8)
    rr, cc = np.mgrid[:_SHAPE[0], :_SHAPE[1]]
    outflow = ring.copy()
    outflow[(cc < 60) & (np.abs(rr - 60) < 15) & (np.hypot(rr - 60, cc - 60) < 40)] = (
        Structure.LV_CAVITY)
    for stack, k in ((np.stack([empty, ring, ring, ring]), 1),
                     (np.stack([outflow, ring, ring, ring]), 1),
                     (np.stack([ring, ring, empty, ring, ring]), 1),
                     (np.stack([ring, ring, empty, ring, ring]), 3)):
        # (rays grazing the outflow tract's edge still cross a sliver of wall: 0.95)
        assert _cosines(stack, k, 1.2, 8.0).min() > 0.94
    # a basal wall thicker than the next slice's keeps most of it (the middle of the wall
    # moves 3 mm in 10, not the 6 mm its outer border moves)
    basal = np.stack([empty, heart_slice(_SHAPE, cavity=20, wall=16), ring, ring])
    assert m.max_wall_thickness_mm(basal, (1.0, 1.0), 10.0) == pytest.approx(16.0, abs=1.2)


def _ring_at(column_shift: float, cavity: float, wall: float) -> np.ndarray:
    mask = np.zeros(_SHAPE, dtype=np.uint8)
    center = (_SHAPE[0] / 2, _SHAPE[1] / 2 + column_shift)
    mask[disc(_SHAPE, center, cavity + wall)] = Structure.LV_MYOCARDIUM
    mask[disc(_SHAPE, center, cavity)] = Structure.LV_CAVITY
    return mask


@pytest.mark.parametrize(("cavity", "tilted"), [(20, 0.857), (4, 0.88)])
def test_a_tilted_ventricle_reads_its_tilt_where_the_centre_lies_in_the_next_wall(
        cavity: float, tilted: float) -> None:
    """Rings moving 6 mm sideways per 10 mm slice: a wall tilted by atan(0.6) along the shift
    (cosine 0.857), none across it. With a 4 mm cavity near the apex, the centre of one slice
    lies in its neighbours' walls; the ray crosses their cavity before their wall counts."""
    stack = np.stack([_ring_at((i - 2) * 6, cavity, 8) for i in range(5)])
    cosine = _cosines(stack, 2, 1.0, 10.0)
    along_shift = np.r_[cosine[:3], cosine[-3:], cosine[57:63]]
    assert np.median(along_shift) == pytest.approx(tilted, abs=0.03)
    assert np.median(np.r_[cosine[27:33], cosine[87:93]]) == pytest.approx(1.0, abs=0.01)


def test_a_neighbour_off_the_centre_or_a_gap_in_the_slice_reads_no_tilt() -> None:
    ring = heart_slice(_SHAPE, cavity=20, wall=10)
    off_centre = _ring_at(45, 5, 5)  # a piece of LV the rays from the centre do not start in
    assert _cosines(np.stack([off_centre, ring, ring]), 1, 1.0, 8.0).min() == pytest.approx(1.0)
    gap = ring.copy()
    gap[57:64, 75:] = 0  # the slice's own wall broken: its rays there have no middle
    cosine = _cosines(np.stack([np.zeros(_SHAPE, dtype=np.uint8), gap, ring]), 1, 1.0, 8.0)
    assert np.all(np.isfinite(cosine)) and cosine.min() == pytest.approx(1.0)


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


def _trabeculated(wall: float, depth: float) -> np.ndarray:
    """A 4-slice cylinder (1 mm pixels) whose lateral cavity, over 140 degrees, is lined with
    wall-coloured wedges `depth` pixels deep, 25 degrees wide, 10 apart: trabeculae the
    network labelled wall, with blood between them reaching the compact wall."""
    stack = np.stack([heart_slice(_SHAPE, cavity=20, wall=wall, rv=14)] * 4)
    rr, cc = np.mgrid[:_SHAPE[0], :_SHAPE[1]]
    radius, angle = np.hypot(rr - 60, cc - 60), np.arctan2(rr - 60, cc - 60)
    fingers = (radius > 20 - depth) & (np.abs(angle) < np.radians(70)) & (
        (np.degrees(angle) + 70.0) % 35.0 < 25.0)
    stack[:, fingers & (stack[0] == Structure.LV_CAVITY)] = Structure.LV_MYOCARDIUM
    return stack


def test_wall_thickness_stops_at_the_cavitys_convex_outline() -> None:
    """Trabeculae lining a 6 mm wall are not wall: the maximum stays near 6 mm (the hull's
    chords between the wedges keep about a pixel of them), not 6 + 8."""
    plain = np.stack([heart_slice(_SHAPE, cavity=20, wall=6, rv=14)] * 4)
    lined = _trabeculated(wall=6, depth=8)
    assert m.max_wall_thickness_mm(plain, (1.0, 1.0), 8.0) == pytest.approx(6.0, abs=0.6)
    assert 6.0 <= m.max_wall_thickness_mm(lined, (1.0, 1.0), 8.0) < 8.0
    ring = m.ring_thickness(lined[1], (1.0, 1.0))
    assert ring is not None  # on the mask as drawn the fingers make the lateral segments
    assert max(m.aha_mid_segments(ring).values()) > 12.0
    compact = m.compact_wall(lined)
    assert np.array_equal(compact == Structure.RV_CAVITY, lined == Structure.RV_CAVITY)
    assert (compact == Structure.LV_MYOCARDIUM).sum() < (lined == Structure.LV_MYOCARDIUM).sum()


def test_compact_wall_leaves_a_convex_cavity_and_what_lies_outside_alone() -> None:
    ring = np.stack([heart_slice(_SHAPE, cavity=20, wall=6, rv=14),
                     np.zeros(_SHAPE, dtype=np.uint8)])
    ring[1, 50, 40:80] = Structure.LV_CAVITY  # a line of cavity: no area, no hull to fill
    ring[1, 45:50, 40:80] = Structure.LV_MYOCARDIUM
    ring[1, 51:55, 40:80] = Structure.LV_MYOCARDIUM
    assert np.array_equal(m.compact_wall(ring), ring)
    two = np.zeros((1, *_SHAPE), dtype=np.uint8)
    two[0, 40:50, 40:50] = Structure.LV_MYOCARDIUM
    two[0, 42, 42] = two[0, 47, 47] = Structure.LV_CAVITY  # two pixels: nothing between
    assert np.array_equal(m.compact_wall(two), two)
    # a cavity in two pieces (a crescent's horns) takes the wall between them as cavity
    horns = np.zeros((1, *_SHAPE), dtype=np.uint8)
    horns[0, 40:80, 40:80] = Structure.LV_MYOCARDIUM
    horns[0, 45:50, 45:75] = Structure.LV_CAVITY
    horns[0, 70:75, 45:75] = Structure.LV_CAVITY
    between = m.compact_wall(horns)[0, 50:70, 45:75]
    assert (between == Structure.LV_CAVITY).all()
