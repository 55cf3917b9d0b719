"""Query-vector maths: steering along finding directions, Rocchio away from examples."""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import Finding
from search.vectors import away_from, steer


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_a_wanted_finding_pulls_the_query_and_a_ruled_out_one_pushes_it() -> None:
    query, direction = _unit(1, 0, 0), _unit(0, 1, 0)
    directions = {Finding.LGE.value: 3 * direction}  # only the direction counts, not its length
    towards = steer(query, directions, [Finding.LGE], [], 0.5)
    away = steer(query, directions, [], [Finding.LGE], 0.5)
    assert np.isclose(np.linalg.norm(towards), 1.0) and towards @ direction > 0.4
    assert away @ direction < -0.4
    assert np.allclose(steer(query, directions, [], [], 0.5), query)


def test_unwanted_examples_move_the_query_away() -> None:
    query, unwanted = _unit(1, 1, 0), _unit(0, 1, 0)
    moved = away_from(query, [unwanted], 0.5)
    assert moved @ unwanted < query @ unwanted and np.isclose(np.linalg.norm(moved), 1.0)
    assert away_from(query, [], 0.5) is query
