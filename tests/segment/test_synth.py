"""The synthetic image generator: seeded, shaped and labelled as the network expects."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.segment import label_slab

from cmr_search.vocab import Structure
from segment.synth import (
    SynthImages,
    SynthRecipe,
    normalise,
    reader_target,
    structure_lookup,
)


def test_same_seed_same_pair_other_seed_other_image() -> None:
    synth = SynthImages(SynthRecipe(crop=64))
    slab = label_slab()
    a_image, a_target = synth(slab, 7)
    b_image, b_target = synth(slab, 7)
    c_image, _ = synth(slab, 8)
    assert np.array_equal(a_image, b_image) and np.array_equal(a_target, b_target)
    assert not np.allclose(a_image, c_image)
    assert a_image.shape == (1, 64, 64) and a_image.dtype == np.float32
    assert a_target.shape == (64, 64)
    assert a_image.min() >= 0.0 and a_image.max() <= 1.0


def test_a_stack_slab_gives_the_slice_between_its_neighbours() -> None:
    middle = label_slab()
    above = np.roll(middle, 6, axis=2)
    slab = np.concatenate([middle * 0, middle, above])  # nothing below, the heart moved above
    synth = SynthImages(SynthRecipe(crop=64, context=1, p_edge=0.0, misalign_px=0))
    image, target = synth(slab, 3)
    assert image.shape == (3, 64, 64) and target.shape == (64, 64)
    alone = SynthImages(SynthRecipe(crop=64))(middle, 3)[1]
    assert (target == Structure.LV_CAVITY).sum() == (alone == Structure.LV_CAVITY).sum()
    assert not np.allclose(image[0], image[1]) and not np.allclose(image[2], image[1])
    edge = SynthImages(SynthRecipe(crop=64, context=1, p_edge=1.0))(slab, 3)[0]
    assert np.array_equal(edge[0], edge[1]) and np.array_equal(edge[2], edge[1])
    with pytest.raises(ValueError, match="context differ"):
        synth(np.concatenate([middle, middle[:1]]), 3)  # four planes: no three slices


def test_target_follows_contouring_conventions() -> None:
    """Papillary muscle counts as LV cavity; lung and RV wall count as background."""
    lut = structure_lookup()
    slab = label_slab()
    target = lut[slab[1]]
    assert set(np.unique(target)) == {0, Structure.LV_CAVITY, Structure.LV_MYOCARDIUM,
                                      Structure.RV_CAVITY}
    papillary = slab[1] == 8
    assert papillary.any() and (target[papillary] == Structure.LV_CAVITY).all()


def test_every_draw_keeps_the_heart_in_the_crop() -> None:
    synth = SynthImages(SynthRecipe(crop=64, max_shift_px=8))
    for seed in range(4):
        _, target = synth(label_slab(), seed)
        assert (target == Structure.LV_CAVITY).any()


def test_normalise_maps_percentiles_to_unit_range() -> None:
    image = np.linspace(0.0, 1000.0, 10000).reshape(100, 100)
    out = normalise(image)
    assert out.min() == 0.0 and out.max() == 1.0


def test_labels_of_one_tissue_share_their_intensity_when_asked() -> None:
    """Papillary muscle and LV wall draw one signal (SynthSeg's generation classes); the target
    still tells the papillary muscle as cavity."""
    from cmr_search.vocab import AnatomyLabel as A
    from segment.synth import tissue_lookup

    assert tissue_lookup()[A.PAPILLARY] == A.LV_MYOCARDIUM
    assert tissue_lookup()[A.LIVER] == A.LIVER
    slab = np.repeat(label_slab()[1:2], 3, axis=0)  # no partial volume through the slab
    assert (slab == A.PAPILLARY).any()
    quiet = dict(crop=96, max_shift_px=0, elastic_px=0.0, std=(0.0, 0.0), blur_mm=(0.0, 0.0),
                 bias=0.0, p_motion=0.0, p_ghosting=0.0, p_low_resolution=0.0, p_gibbs=0.0,
                 p_noise=0.0)

    def shared(p_same: float, seed: int) -> bool:
        """Does a cavity pixel (papillary muscle) carry the wall's one intensity?"""
        synth = SynthImages(SynthRecipe(**quiet, p_same_tissue=p_same))  # type: ignore[arg-type]
        image, target = synth(slab, seed)
        wall = np.unique(np.round(image[0][target == Structure.LV_MYOCARDIUM], 4))
        cavity = np.unique(np.round(image[0][target == Structure.LV_CAVITY], 4))
        return len(wall) == 1 and bool(np.isin(cavity, wall).any())

    assert all(shared(1.0, seed) for seed in range(3))
    assert sum(shared(0.0, seed) for seed in range(6)) <= 1


def test_fat_edges_darken_on_the_fat_side_only() -> None:
    """The chemical-shift line lies in the fat touching other tissue, never in the wall."""
    import torch
    import torchio as tio

    from cmr_search.vocab import AnatomyLabel as A
    from segment.synth import _darken_fat_edges

    labels = label_slab(48, 1)
    labels[0, :, :4] = A.LUNG  # a fat-lung border too
    image = torch.ones((1, 48, 48, 1))
    subject = tio.Subject(image=tio.ScalarImage(tensor=image))
    _darken_fat_edges(subject, labels, 0.25)
    out = subject["image"].data[0, :, :, 0].numpy()
    fat = labels[0] == A.FAT
    assert np.isclose(out[~fat], 1.0).all()  # muscle, lung, the heart: untouched
    dark = out < 1.0
    assert dark.any() and (dark <= fat).all() and np.isclose(out[dark], 0.25).all()
    assert fat[:, 4].any() and (dark[:, 4] == fat[:, 4]).all()  # the line against the lung
    inner = fat[1:-1, 5] & fat[1:-1, 7] & fat[:-2, 6] & fat[2:, 6]
    assert inner.any() and not dark[1:-1, 6][inner].any()  # one pixel wide


def test_the_reader_counts_the_partial_volume_rim_as_cavity() -> None:
    rows, cols = np.mgrid[:48, :48]
    radius = np.hypot(rows - 24, cols - 24)

    def plane(cavity_mm: float, wall_to_mm: float) -> np.ndarray:
        out = np.zeros((48, 48), dtype=np.int64)
        out[radius < wall_to_mm] = Structure.LV_MYOCARDIUM
        out[radius < cavity_mm] = Structure.LV_CAVITY
        return out

    # a wall cut obliquely: the cavity widens towards the base, the outline widens more
    planes = np.stack([plane(8, 14), plane(10, 15), plane(12, 20)])
    middle = reader_target(planes, reader_cavity=False)
    reader = reader_target(planes, reader_cavity=True)
    assert np.array_equal(middle, planes[1])
    assert (reader == Structure.LV_CAVITY).sum() == (radius < 12).sum()  # the rim is cavity
    assert np.array_equal(reader > 0, planes[1] > 0)  # the outline is the middle plane's
    assert (reader == Structure.LV_MYOCARDIUM).all(where=(radius >= 12) & (radius < 15))


def test_the_reader_draws_the_lv_of_a_slab_straddling_the_base() -> None:
    rows, cols = np.mgrid[:48, :48]
    radius = np.hypot(rows - 24, cols - 24)
    lv = np.where(radius < 10, Structure.LV_CAVITY,
                  np.where(radius < 14, Structure.LV_MYOCARDIUM, Structure.BACKGROUND))
    rv = np.where((cols < 6) & (rows > 20), Structure.RV_CAVITY, Structure.BACKGROUND)
    partial_ring = np.where((lv == Structure.LV_MYOCARDIUM) & (cols < 24), lv, rv)
    above = np.zeros((48, 48), dtype=np.int64)  # atrium and outflow tract: background
    # apex to base: the LV ring, the base cutting the ring, the atrium
    planes = np.stack([lv, partial_ring, above]).astype(np.int64)
    middle = reader_target(planes, reader_cavity=False)
    reader = reader_target(planes, reader_cavity=False, reader_base=True)
    assert np.array_equal(middle, planes[1])
    assert np.array_equal(reader[radius < 14], lv[radius < 14])  # the whole LV, ring closed
    assert (reader == Structure.RV_CAVITY).sum() == (rv == Structure.RV_CAVITY).sum()
    # the atrium above the middle plane never becomes LV, and a slab above the base stays empty
    flipped = reader_target(planes[::-1].copy(), reader_cavity=False, reader_base=True)
    assert np.array_equal(flipped, planes[1])
    assert not reader_target(np.stack([above, above, lv]), False, reader_base=True).any()


def test_the_reader_leaves_the_rv_out_of_a_slab_the_tricuspid_plane_crosses() -> None:
    rv = np.zeros((48, 48), dtype=np.int64)
    rv[10:30, 5:25] = Structure.RV_CAVITY  # 400 pixels

    def basal_plane(cols: slice) -> np.ndarray:
        plane = np.zeros_like(rv)
        plane[10:30, cols] = Structure.RV_CAVITY
        return plane

    def reader(basal: np.ndarray) -> np.ndarray:  # apex to base
        return reader_target(np.stack([rv, rv, basal]), False, reader_rv_base=True)

    assert np.array_equal(reader_target(np.stack([rv, rv, basal_plane(slice(5, 10))]), False), rv)
    assert not (reader(basal_plane(slice(5, 10))) == Structure.RV_CAVITY).any()  # atrium above
    assert np.array_equal(reader(basal_plane(slice(5, 15))), rv)  # half the RV goes on: RV
    assert np.array_equal(reader(rv), rv)
    # the RV narrowing towards its apex is no valve plane
    apical = reader_target(np.stack([basal_plane(slice(5, 8)), rv, rv]), False, reader_rv_base=True)
    assert np.array_equal(apical, rv)
