"""`segment_study` on an ACDC-style folder: aligned masks, sidecar and measurements.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from fakes.segment import (
    PreparedSegmenter,
    acdc_folder,
    heart_slice,
    readers_case,
    tiny_checkpoint,
)

from cmr_search.vocab import Structure
from reader.stack import PixelError
from segment.commands import segment_study
from segment.infer import Segmenter
from segment.io import StudyReadError, read_study
from segment.phases import hinted_phases
from segment.study import LABELS_FILE, MEASUREMENTS_FILE, analyse


class _Oracle(Segmenter):
    """Segments the drawn test hearts exactly (bright cavity, grey wall, RV beside)."""

    def __init__(self) -> None:
        self.tta = False

    def network_labels(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        out = []
        for v in volumes:
            mask = np.zeros(v.shape, dtype=np.uint8)
            mask[v > 30] = Structure.LV_MYOCARDIUM
            mask[v > 200] = Structure.LV_CAVITY
            for k in range(v.shape[0]):
                rv = heart_slice(v.shape[1:], 1, 1, rv=10) == Structure.RV_CAVITY
                mask[k][rv & (mask[k] == Structure.LV_MYOCARDIUM)] = Structure.RV_CAVITY
            out.append(mask)
        return out

    def finish(self, raw: list[np.ndarray], volumes: list[np.ndarray],
               spacing_mm: tuple[float, float], diastole: int | None = None) -> list[np.ndarray]:
        return [r.copy() for r in raw]


def test_masks_are_aligned_to_the_input_and_named_after_it(tmp_path: Path) -> None:
    folder = acdc_folder(tmp_path / "acdc")
    out = tmp_path / "out"
    segment_study(folder, out, tiny_checkpoint(tmp_path / "ck"))
    for frame in (1, 5):
        image = nib.load(folder / f"patient901_frame{frame:02d}.nii.gz")
        mask = nib.load(out / f"patient901_frame{frame:02d}_seg.nii.gz")
        assert mask.shape == image.shape
        assert np.allclose(mask.affine, image.affine)
        assert np.asarray(mask.dataobj).dtype == np.uint8
    codes = json.loads((out / LABELS_FILE).read_text())["label_codes"]
    assert codes == {"background": 0, "lv_cavity": 1, "lv_myocardium": 2, "rv_cavity": 3}
    data = json.loads((out / MEASUREMENTS_FILE).read_text())
    assert data["measurements"]["lvef_pct"]["unit"] == "%"


def test_volumes_ef_and_indexing_from_an_exact_segmentation(tmp_path: Path) -> None:
    study = read_study(acdc_folder(tmp_path / "acdc"))
    result = analyse(study, _Oracle())
    v = result.values
    assert study.frame_numbers[result.ed] == 1 and study.frame_numbers[result.es] == 5
    pixel_ml = 1.5 * 1.5 * 10.0 / 1000.0
    edv = 6 * np.count_nonzero(heart_slice((80, 72), 14, 6) == Structure.LV_CAVITY) * pixel_ml
    assert v["lvedv_ml"] == pytest.approx(edv, abs=0.1)
    assert v["lvef_pct"] is not None and 40 < v["lvef_pct"] < 80
    assert v["bsa_m2"] == pytest.approx(np.sqrt(170 * 70 / 3600), abs=0.01)
    assert v["lvedvi_ml_per_m2"] == pytest.approx(v["lvedv_ml"] / v["bsa_m2"], abs=0.2)
    assert v["max_wall_thickness_mm"] == pytest.approx(9.0, abs=2.0)
    assert len(result.aha_mid) == 6
    # a ring shrinking evenly: the four middle slices measured, no wall still (the oracle
    # calls the RV wall, so the septal sectors' centre is off and some go unmeasured)
    assert v["lv_hypokinetic_wall_pct"] == 0.0
    assert len(result.regional_shortening_pct) == 4
    assert all(len(row) == 6 and all(x is None or x > 15 for x in row)
               for row in result.regional_shortening_pct)
    # six identical slices: the apex is not covered, and QC says so on every LV value
    assert "incomplete_apical_coverage" in [f.value for f in result.flags["lvedv_ml"]]


def test_unreadable_studies_fail_with_one_line_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(StudyReadError, match="no such file"):
        read_study(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StudyReadError, match="no DICOM study"):
        read_study(empty)
    damaged = acdc_folder(tmp_path / "damaged")
    path = damaged / "patient901_frame05.nii.gz"
    image = nib.load(path)
    data = np.asarray(image.dataobj, dtype=np.float32)
    data[..., 0] = np.nan  # a slice lost in reconstruction
    nib.save(nib.Nifti1Image(data, image.affine, image.header), path)
    with pytest.raises(StudyReadError,
                       match=rf"{re.escape(path.name)}: \d+ of \d+ pixels are not finite"):
        read_study(damaged)


def test_a_dicom_study_whose_pixels_cannot_be_used_fails_with_one_line(
        archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def damaged(*args: object, **kwargs: object) -> None:
        raise PixelError("IM0001.dcm: 2 of 64 pixels are not finite numbers (NaN or infinity)")

    monkeypatch.setattr("segment.io.load_stack", damaged)
    with pytest.raises(StudyReadError, match=r"IM0001\.dcm: 2 of 64 pixels"):
        read_study(archive)


def test_the_phases_a_source_names_are_taken_as_ed_and_es(tmp_path: Path) -> None:
    study = read_study(acdc_folder(tmp_path / "patient007"))
    ed, es = hinted_phases(study) or (None, None)
    assert study.frame_numbers[ed] == study.ed_hint and study.frame_numbers[es] == study.es_hint
    study.es_hint = study.ed_hint  # a source naming one frame twice names no phases
    assert hinted_phases(study) is None


def test_analyse_draws_the_readers_border_and_leaves_the_systolic_atrium_out() -> None:
    study, masks, rims = readers_case([(12, False), (8, True)])
    result = analyse(study, PreparedSegmenter(masks, study.phases))
    assert (result.ed, result.es) == (0, 1)
    for k in (0, 1):
        assert (result.masks[k][rims[k]] == Structure.LV_CAVITY).all()
    assert (result.masks[0][0] == Structure.RV_CAVITY).any()
    assert not (result.masks[1][0] == Structure.RV_CAVITY).any()
    assert (result.masks[1][1:] == Structure.RV_CAVITY).any(axis=(1, 2)).all()
    voxel_ml = 1.5 * 1.5 * 10.0 / 1000
    rvesv = (result.masks[1] == Structure.RV_CAVITY).sum() * voxel_ml
    assert result.values["rvesv_ml"] == pytest.approx(rvesv, abs=0.1)
