"""The physiological range of each measurement searched by number."""

from __future__ import annotations

import pytest

from catalog import FILTERABLE
from cmr_search.normals import REFERENCE, reference_range
from search.plausible import PLAUSIBLE, Outside, other_unit, outside


def test_every_measurement_not_a_percentage_has_a_range() -> None:
    assert set(PLAUSIBLE) == set(FILTERABLE) - {"lvef", "rvef", "scar"}


@pytest.mark.parametrize("name", sorted(PLAUSIBLE))
def test_the_range_holds_the_normal_range_many_times_over(name: str) -> None:
    """Only a slip falls outside: the adult normal range (either sex) lies well inside."""
    assert FILTERABLE[name] in REFERENCE
    normal = reference_range(FILTERABLE[name], None)
    assert normal is not None
    least, most = PLAUSIBLE[name]
    assert least <= normal[0] / 1.5 and most >= normal[1] * 3


def test_the_hcm_and_massive_hypertrophy_walls_are_inside() -> None:
    least, most = PLAUSIBLE["max_wall_thickness"]
    assert least <= 6 and most >= 35


@pytest.mark.parametrize(("name", "values", "unit"), [
    ("max_wall_thickness", [1.5], ("cm", 10.0)),  # no wall is 1.5 mm; many are 1.5 cm
    ("max_wall_thickness", [1.2, 1.5], ("cm", 10.0)),
    ("max_wall_thickness", [0.5], ("cm", 10.0)),
    ("max_wall_thickness", [15.0], None),  # a wall of 15 mm: read as written
    ("max_wall_thickness", [1.5, 15.0], None),  # one number reads in mm: all do
    ("max_wall_thickness", [150.0], None),  # 1500 mm is no better
    ("max_wall_thickness", [0.1], None),  # nor 1 mm
    ("max_wall_thickness", [], None),
    # no report writes LV mass in kg nor volumes in litres: a slip, not a unit
    ("lv_mass", [0.2], None), ("lv_edv", [0.2], None), ("lvef", [0.35], None),
])
def test_a_unitless_number_is_read_in_the_other_unit_only_where_it_alone_is_a_heart(
        name: str, values: list[float], unit: tuple[str, float] | None) -> None:
    assert other_unit(name, values) == unit


@pytest.mark.parametrize(("name", "low", "high", "where"), [
    ("max_wall_thickness", 150.05, None, Outside.NONE),
    ("max_wall_thickness", None, 1.95, Outside.NONE),
    ("max_wall_thickness", 70.0, 80.0, Outside.NONE),
    ("lv_edv", 0.25, None, Outside.EVERY),
    ("lv_mass", None, 5000.0, Outside.EVERY),
    ("lv_edv", 0.2, 300.0, Outside.LOW_END),
    ("lv_edv", 100.0, 1500.0, Outside.HIGH_END),
    ("max_wall_thickness", 15.0, None, None),
    ("lv_edv", 100.0, 300.0, None),
    ("lvef", None, 0.5, None),  # percentages: their scale is checked where they are read
])
def test_where_a_range_leaves_the_physiological_one(name: str, low: float | None,
                                                    high: float | None,
                                                    where: Outside | None) -> None:
    assert outside(name, low, high) is where
