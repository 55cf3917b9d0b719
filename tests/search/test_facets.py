"""Facet bands: each label says what its band holds."""

from __future__ import annotations

import itertools
import re

import pytest

from search.facets import MEASURE_BANDS

_STEP = 0.1  # values keep one decimal


@pytest.mark.parametrize("name", sorted(MEASURE_BANDS))
def test_each_band_label_names_its_own_range(name: str) -> None:
    """"30-39" counted an RVEF of 39.8: a band up to 39.9 reads "30 to <40"."""
    for label, low, high in MEASURE_BANDS[name]:
        if m := re.fullmatch(r"<([\d.]+)", label):
            assert low is None and high == pytest.approx(float(m[1]) - _STEP), label
        elif m := re.fullmatch(r">=([\d.]+)", label):
            assert low == float(m[1]) and high is None, label
        elif m := re.fullmatch(r"([\d.]+) to <([\d.]+)", label):
            assert low == float(m[1]) and high == pytest.approx(float(m[2]) - _STEP), label
        else:  # "30-40": both ends inclusive, as written
            m = re.fullmatch(r"([\d.]+)-([\d.]+)", label)
            assert m and (low, high) == (float(m[1]), float(m[2])), label


@pytest.mark.parametrize("name", sorted(MEASURE_BANDS))
def test_bands_follow_on_without_a_gap_or_overlap(name: str) -> None:
    bands = MEASURE_BANDS[name]
    for (_, _, high), (_, low, _) in itertools.pairwise(bands):
        assert high is not None and low == pytest.approx(high + _STEP)
