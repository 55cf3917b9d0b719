"""Inference plumbing: shapes, probabilities, post-processing, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from fakes.segment import heart_slice, tiny_checkpoint

from cmr_search.vocab import Structure
from segment.checkpoint import CheckpointError, load_checkpoint, write_inference
from segment.infer import Segmenter, clean_labels, with_context
from segment.paths import CARD


def test_clean_labels_keeps_one_heart_and_fills_the_cavity() -> None:
    stack = np.stack([heart_slice((64, 64), 10, 5, rv=8) for _ in range(3)])
    stack[1, 32, 32] = Structure.LV_MYOCARDIUM  # a hole in the cavity
    stack[:, 2:5, 2:5] = Structure.LV_CAVITY  # a stray blob far away
    stack[0, 60:63, 60:63] = Structure.RV_CAVITY
    out = clean_labels(stack)
    assert out[1, 32, 32] == Structure.LV_CAVITY
    assert not out[:, 2:5, 2:5].any()
    assert not out[0, 60:63, 60:63].any()
    assert (out == Structure.RV_CAVITY).sum() > 100


def test_an_lv_piece_joined_only_through_another_slice_is_dropped() -> None:
    stack = np.stack([heart_slice((64, 64), 10, 5) for _ in range(3)])
    stack[:, 50:58, 50:58] = Structure.LV_MYOCARDIUM  # a ring round the aorta, say
    stack[0, 40:51, 40:51] = Structure.LV_MYOCARDIUM  # joined to the LV on one slice only
    out = clean_labels(stack)
    assert not out[1:, 50:58, 50:58].any()  # its own piece on the other slices: dropped
    assert out[0, 50:58, 50:58].all()  # one piece with the LV where they touch: kept
    assert (out[1:] == Structure.LV_CAVITY).sum() == (stack[1:] == Structure.LV_CAVITY).sum()


def test_a_basal_lv_piece_that_does_not_continue_the_lv_below_is_dropped() -> None:
    stack = np.stack([heart_slice((64, 64), 10, 5) for _ in range(4)])
    stack[0] = heart_slice((64, 64), 6, 3)  # the basal LV, a small ring
    atrium = np.zeros((64, 64), dtype=bool)
    atrium[2:20, 2:20] = True  # larger than that ring, over no LV below it
    stack[0][atrium] = Structure.LV_CAVITY
    stack[1, 10:20, 18:26] = Structure.LV_MYOCARDIUM  # joined to the LV through the next slice
    out = clean_labels(stack)
    assert not out[0][atrium].any()
    assert out[0][32, 32] == Structure.LV_CAVITY
    assert (out[1:] == Structure.LV_CAVITY).sum() == (stack[1:] == Structure.LV_CAVITY).sum()


def test_a_dark_region_taken_for_the_rv_is_dropped_for_the_bright_one() -> None:
    stack = np.stack([heart_slice((64, 64), 10, 5, rv=8) for _ in range(3)])
    rv = stack == Structure.RV_CAVITY
    images = np.where(stack == Structure.LV_CAVITY, 400.0, 80.0).astype(np.float32)
    images[rv] = 380.0  # blood
    lung = np.zeros_like(rv)
    lung[:, 44:62, 30:62] = True  # a large dark region against the LV, away from the RV
    stack[lung] = Structure.RV_CAVITY
    labels = clean_labels(stack, images)
    assert not (labels[lung] == Structure.RV_CAVITY).any()
    assert (labels[rv] == Structure.RV_CAVITY).all()
    assert (clean_labels(stack)[lung] == Structure.RV_CAVITY).any()  # labels alone keep it


def test_rv_blood_is_judged_against_the_lv_blood_of_its_own_slice() -> None:
    stack = np.stack([heart_slice((64, 64), 10, 5, rv=8) for _ in range(3)])
    rv = stack == Structure.RV_CAVITY
    images = np.where(stack == Structure.LV_CAVITY, 400.0, 80.0).astype(np.float32)
    images[rv] = 380.0
    images[0] *= 0.45  # a basal slice far from the coil: all of it dimmer
    labels = clean_labels(stack, images)
    assert (labels[rv] == Structure.RV_CAVITY).all()


def test_an_rv_among_trabeculae_is_kept_by_its_bright_quartile() -> None:
    stack = np.stack([heart_slice((64, 64), 10, 5, rv=8) for _ in range(3)])
    rv = stack == Structure.RV_CAVITY
    images = np.where(stack == Structure.LV_CAVITY, 400.0, 80.0).astype(np.float32)
    rows = np.arange(64)[None, :, None] * np.ones((3, 64, 64))
    images[rv] = np.where(rows[rv] % 3 == 0, 380.0, 90.0)  # a third of it blood, at most
    assert np.median(images[rv]) < 0.5 * 400
    labels = clean_labels(stack, images)
    assert (labels[rv] == Structure.RV_CAVITY).all()


def test_segmenter_returns_masks_and_probabilities_at_the_input_grid(tmp_path: Path) -> None:
    segmenter = Segmenter(tiny_checkpoint(tmp_path / "ck"), tta=True)
    slices = np.random.default_rng(0).random((3, 70, 90)).astype(np.float32)
    p = segmenter.probabilities(slices, (1.2, 1.2))
    assert p.shape == (3, len(Structure), 70, 90)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-4)
    masks = segmenter.segment_phases([slices, slices[::-1]], (1.2, 1.2))
    assert [m.shape for m in masks] == [(3, 70, 90)] * 2
    assert masks[0].dtype == np.uint8 and masks[0].max() <= max(Structure)


def test_the_card_sets_the_grid_images_are_presented_at(tmp_path: Path) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    trained = Segmenter(folder, tta=False)
    assert trained.grid_mm == trained.config.spacing_mm  # no inference section: training grid
    slices = np.random.default_rng(1).random((2, 60, 60)).astype(np.float32)
    write_inference(folder, trained.config.spacing_mm * 0.8, "finer")
    finer = Segmenter(folder, tta=False)
    assert finer.grid_mm == pytest.approx(trained.config.spacing_mm * 0.8)
    assert finer.probabilities(slices, (1.0, 1.0)).shape == (2, len(Structure), 60, 60)
    with pytest.raises(AssertionError):  # a different grid, different probabilities
        np.testing.assert_allclose(trained.probabilities(slices, (1.0, 1.0)),
                                   finer.probabilities(slices, (1.0, 1.0)), atol=1e-4)
    write_inference(folder, trained.config.spacing_mm * 3, "coarser than trained")
    with pytest.raises(CheckpointError, match=r"model_card.json: inference.spacing_mm"):
        load_checkpoint(folder)


def test_the_heart_is_found_on_three_middle_slices_and_placed_on_the_inference_grid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    write_inference(folder, Segmenter(folder, tta=False).config.spacing_mm * 0.8, "finer")
    segmenter = Segmenter(folder, tta=False)
    seen: list[np.ndarray] = []

    def bright_is_cavity(batch: np.ndarray, tta: bool) -> np.ndarray:
        batch = batch[:, batch.shape[1] // 2]  # the slice itself, without its neighbours
        seen.append(batch)  # a stand-in network: bright pixels are LV cavity
        p = np.zeros((batch.shape[0], len(Structure), *batch.shape[1:]), dtype=np.float32)
        p[:, Structure.LV_CAVITY] = batch > 0.5
        p[:, 0] = batch <= 0.5
        return p

    monkeypatch.setattr(segmenter, "_predict", bright_is_cavity)
    rows, cols = np.mgrid[:120, :150]
    slices = np.zeros((12, 120, 150), dtype=np.float32)
    for k in range(12):  # a heart at pixel (80, 40) of 1 mm pixels, its middle slices marked
        slices[k] = ((rows - 80) ** 2 + (cols - 40) ** 2 < (8 + k) ** 2) * (1.0 + 0.01 * k)
    center = segmenter.heart_center(slices, (1.0, 1.0))
    step = segmenter.grid_mm
    np.testing.assert_allclose(center, [80.5 / step - 0.5, 40.5 / step - 0.5], atol=0.8)
    assert len(seen) == 1 and seen[0].shape[0] == 3  # of the middle third (4-7), the first three
    radii = [np.sqrt((s > 0.5).sum() / np.pi) * step for s in seen[0]]
    np.testing.assert_allclose(radii, [8 + 4, 8 + 5, 8 + 6], atol=1.0)  # slices 4, 5, 6


def test_a_card_with_other_label_codes_is_refused(tmp_path: Path) -> None:
    folder = tiny_checkpoint(tmp_path / "ck")
    card = json.loads((folder / CARD).read_text())
    card["label_codes"]["rv_cavity"] = 9
    (folder / CARD).write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="label codes"):
        load_checkpoint(folder)
    with pytest.raises(CheckpointError, match="not a segmentation checkpoint"):
        load_checkpoint(tmp_path / "nothing")


def test_each_slice_comes_with_its_neighbours_and_the_ends_stand_in_for_missing_ones() -> None:
    stack = np.arange(4, dtype=np.float32)[:, None, None] * np.ones((4, 2, 3), np.float32)
    assert with_context(stack, 0).shape == (4, 1, 2, 3)
    wide = with_context(stack, 1)
    assert wide.shape == (4, 3, 2, 3)
    assert [list(w[:, 0, 0]) for w in wide] == [[0, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 3]]


def test_a_network_with_neighbouring_slices_segments_a_stack(tmp_path: Path) -> None:
    segmenter = Segmenter(tiny_checkpoint(tmp_path / "ck", context=1), tta=False)
    assert segmenter.model(torch.zeros(1, 3, 32, 32)).shape[1] == len(Structure)
    slices = np.random.default_rng(2).random((5, 60, 70)).astype(np.float32)
    assert segmenter.probabilities(slices, (1.5, 1.5)).shape == (5, len(Structure), 60, 70)
    assert segmenter.heart_center(slices, (1.5, 1.5)).shape == (2,)
    single = segmenter.probabilities(slices[:1], (1.5, 1.5))  # a stack of one slice
    assert single.shape == (1, len(Structure), 60, 70)


@pytest.mark.parametrize("look", ["refound", "second_look"])
def test_every_phase_gets_the_second_looks_and_another_phase_is_judged_against_diastole(
        look: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A slice lost inside the stack (segment.gap) and an apex lost (segment.apex) are read
    again at every phase; another phase than end-diastole with end-diastole's labels."""
    from segment import infer

    segmenter = Segmenter(tiny_checkpoint(tmp_path / "ck"), tta=False)
    calls: list[np.ndarray | None] = []

    def record(seen: object, slices: np.ndarray, labels: np.ndarray,
               spacing_mm: tuple[float, float], diastole: np.ndarray | None = None) -> np.ndarray:
        assert seen is segmenter and labels.shape == slices.shape
        calls.append(diastole)
        return labels

    monkeypatch.setattr(infer, look, record)
    volumes = [np.random.default_rng(k).random((3, 32, 32)).astype(np.float32) for k in range(2)]
    ed, _ = segmenter.segment_phases(volumes, (1.5, 1.5), diastole=0)
    assert calls[0] is None and calls[1] is not None
    np.testing.assert_array_equal(calls[1], ed)
    calls.clear()
    segmenter.segment_phases(volumes, (1.5, 1.5))
    assert calls == [None, None]
