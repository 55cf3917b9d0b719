"""Calibration of the myocardium offset on studies with known volumes, and its use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fakes.segment import disc, heart_slice, tiny_checkpoint

from cmr_search.vocab import Structure
from segment.calibrate import OFFSET_GRID, fit_myocardium_offset, write_calibration
from segment.infer import Segmenter, prior_offsets
from segment.io import SaxStudy
from segment.paths import CARD
from segment.study import measure_masks

_SHAPE, _CAVITY, _WALL = (96, 96), (14, 9), 6


def _study() -> tuple[SaxStudy, dict[str, float]]:
    """Two phases of a ring heart whose images show a faint band just outside the wall."""
    phases, truths = [], []
    for cavity in _CAVITY:
        labels = np.stack([heart_slice(_SHAPE, cavity, _WALL) for _ in range(5)])
        band = disc(_SHAPE, (48, 48), cavity + _WALL + 3)[None] & (labels == 0)
        image = np.select([labels == Structure.LV_CAVITY, labels == Structure.LV_MYOCARDIUM,
                           band], [1.0, 0.5, 0.3], 0.0).astype(np.float32)
        phases.append(image)
        truths.append(labels)
    study = SaxStudy("cal", phases, [1, 2], (1.5, 1.5), 8.0, [np.eye(4)] * 2, ["ed", "es"],
                     ed_hint=1, es_hint=2)
    truth = measure_masks(study, dict(enumerate(truths)), 0, 1).values
    return study, {k: float(v) for k, v in truth.items() if v is not None}


def _overconfident(batch: np.ndarray, tta: bool) -> np.ndarray:
    """Softmax of a network that takes the faint band for myocardium (just)."""
    batch = batch[:, batch.shape[1] // 2]  # the slice itself, without its neighbours
    p = np.zeros((batch.shape[0], len(Structure), *batch.shape[1:]), dtype=np.float32)
    cavity, wall, band = batch > 0.75, (batch > 0.4) & (batch <= 0.75), (
        batch > 0.15) & (batch <= 0.4)
    p[:, Structure.LV_CAVITY][cavity] = 1.0
    p[:, Structure.LV_MYOCARDIUM][wall] = 1.0
    p[:, Structure.LV_MYOCARDIUM][band], p[:, Structure.BACKGROUND][band] = 0.55, 0.45
    p[:, Structure.BACKGROUND][~(cavity | wall | band)] = 1.0
    return p


def test_the_offset_that_removes_the_overgrown_wall_is_found_and_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    segmenter = Segmenter(folder, tta=False)
    monkeypatch.setattr(segmenter, "_predict", _overconfident)
    offset, rows = fit_myocardium_offset(segmenter, [_study()])
    assert [r.offset for r in rows] == list(OFFSET_GRID)
    assert offset > 0.0
    by_offset = {r.offset: r for r in rows}
    assert by_offset[offset].errors_pct["lv_mass_g"] < 0.5 * by_offset[0.0].errors_pct["lv_mass_g"]
    write_calibration(folder, offset, rows, "one test study")
    card = json.loads((folder / CARD).read_text())
    assert card["calibration"]["log_prior_offsets"] == {"lv_myocardium": offset}
    loaded = Segmenter(folder, tta=False)
    assert loaded.offsets[Structure.LV_MYOCARDIUM] == pytest.approx(offset)
    assert loaded.without_tta().offsets is loaded.offsets


def test_offsets_shift_the_softmax_and_keep_it_normalised(tmp_path: Path) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    assert not prior_offsets({}, len(Structure)).any()
    plain = Segmenter(folder, tta=False)
    card = json.loads((folder / CARD).read_text())
    card["calibration"] = {"log_prior_offsets": {"lv_myocardium": 1.0}}
    (folder / CARD).write_text(json.dumps(card))
    shifted = Segmenter(folder, tta=False)
    batch = np.random.default_rng(1).random((2, 1, 32, 32)).astype(np.float32)
    p, q = plain._predict(batch, False), shifted._predict(batch, False)
    assert np.allclose(q.sum(axis=1), 1.0, atol=1e-5)
    assert (q[:, Structure.LV_MYOCARDIUM] < p[:, Structure.LV_MYOCARDIUM]).all()


def test_calibration_needs_studies(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one study"):
        fit_myocardium_offset(Segmenter(tiny_checkpoint(tmp_path / "ck")), [])


def _heartless(batch: np.ndarray, tta: bool) -> np.ndarray:
    """Softmax of a network that finds background everywhere."""
    p = np.zeros((batch.shape[0], len(Structure), *batch.shape[2:]), dtype=np.float32)
    p[:, Structure.BACKGROUND] = 1.0
    return p


def _all_wall(batch: np.ndarray, tta: bool) -> np.ndarray:
    """Softmax of a network that calls the cavity and the wall both myocardium, surely."""
    p = _overconfident(batch, tta)
    p[:, Structure.LV_MYOCARDIUM] += p[:, Structure.LV_CAVITY]
    p[:, Structure.LV_CAVITY] = 0.0
    return p


@pytest.mark.parametrize(("network", "message"), [
    (_heartless, "are 100 % off the phantom's known values"),
    (_all_wall, r"% off the phantom's known values at its best offset"),
])
def test_a_network_no_offset_can_rescue_is_refused_and_its_card_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: object, message: str) -> None:
    """A network that found no heart was "calibrated" with a 100 % error and its card
    rewritten as if fitted."""
    from segment.calibrate import CalibrationError

    folder = tiny_checkpoint(tmp_path / "ck")
    before = (folder / CARD).read_text()
    segmenter = Segmenter(folder, tta=False)
    monkeypatch.setattr(segmenter, "_predict", network)
    with pytest.raises(CalibrationError, match=message):
        fit_myocardium_offset(segmenter, [_study()])
    assert (folder / CARD).read_text() == before
