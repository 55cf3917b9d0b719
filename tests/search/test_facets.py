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
        else:  # one wording for every band of every measure ("30-40 · 40.1-49.9" was two)
            m = re.fullmatch(r"([\d.]+) to <([\d.]+)", label)
            assert m and low == float(m[1]) and high == pytest.approx(float(m[2]) - _STEP), label


@pytest.mark.parametrize("name", sorted(MEASURE_BANDS))
def test_band_labels_follow_on_as_written(name: str) -> None:
    """Each band begins where the one before it said it ends ("<30 · 30 to <41 · 41 to <50 ·
    >=50"): read "30-40 · 40.1-49.9", where did 40.05 go?"""
    edges = [re.findall(r"[\d.]+", label) for label, _, _ in MEASURE_BANDS[name]]
    for before, after in itertools.pairwise(edges):
        assert before[-1] == after[0], (before, after)


@pytest.mark.parametrize("name", sorted(MEASURE_BANDS))
def test_bands_follow_on_without_a_gap_or_overlap(name: str) -> None:
    bands = MEASURE_BANDS[name]
    for (_, _, high), (_, low, _) in itertools.pairwise(bands):
        assert high is not None and low == pytest.approx(high + _STEP)
