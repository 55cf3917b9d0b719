"""`segment_study` on an ACDC-style folder: aligned masks, sidecar and measurements.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from fakes.nifti import write_pixdim
from fakes.segment import (
    OracleSegmenter,
    PreparedSegmenter,
    acdc_folder,
    heart_slice,
    readers_case,
    tiny_checkpoint,
)

from cmr_search.vocab import Structure
from reader.stack import PixelError
from segment.commands import segment_study
from segment.io import SaxStudy, StudyReadError, read_study
from segment.phases import hinted_phases
from segment.qc import QcFlag
from segment.study import LABELS_FILE, MEASUREMENTS_FILE, analyse, measure_masks


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
    result = analyse(study, OracleSegmenter())
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
    acdc_folder(empty / "training")  # the dataset's root, not one patient
    with pytest.raises(StudyReadError, match=r"ACDC-style patient folders such as "
                       r".*training/patient901: give one\)$"):
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



def test_a_blank_study_is_refused_not_measured_as_no_heart(tmp_path: Path) -> None:
    """`segment` on an all-zero ED volume wrote LVEDV 0 ml, flagged no_lv, exit 0."""
    folder = acdc_folder(tmp_path / "blank")
    path = folder / "patient901_frame01.nii.gz"
    image = nib.load(path)
    nib.save(nib.Nifti1Image(np.zeros(image.shape, np.float32), image.affine), path)
    with pytest.raises(StudyReadError, match=rf"^{re.escape(str(path))}: the image is blank "
                                             r"\(every voxel 0\)$"):
        read_study(folder)

def test_a_dicom_study_whose_pixels_cannot_be_used_fails_with_one_line(
        archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def damaged(*args: object, **kwargs: object) -> None:
        raise PixelError("IM0001.dcm: 2 of 64 pixels are not finite numbers (NaN or infinity)")

    from reader.scan import scan_archive

    monkeypatch.setattr("segment.io.load_stack", damaged)
    with pytest.raises(StudyReadError, match=r"IM0001\.dcm: 2 of 64 pixels"):
        read_study(scan_archive(archive).studies[0].folder)  # one study's folder


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


def _rewrite(path: Path, data: np.ndarray) -> None:
    """One ACDC frame volume saved again with other pixels."""
    image = nib.load(path)
    nib.save(nib.Nifti1Image(data, image.affine, image.header), path)


@pytest.mark.parametrize(("case", "message"), [
    ("single slice", r"frame01\.nii\.gz: the short-axis cine has a single slice"),
    ("es shape", r"frame05\.nii\.gz: shape \(80, 72, 5\) differs from the ED volume's"),
    ("tiny field", r"frame01\.nii\.gz: the image covers 6 mm, too small for a heart"),
    ("zero pixdim", r"frame01\.nii\.gz: pixdim: pixel spacing 0 x 1\.5 mm is not within"),
    ("nan pixdim", r"frame01\.nii\.gz: pixdim: pixel spacing nan x nan mm is not within"),
    ("huge pixel", r"frame01\.nii\.gz: pixdim: pixel spacing 50 x 50 mm is not within"),
    ("huge step", r"frame01\.nii\.gz: pixdim: slice spacing 500 mm is not within 0\.5 to 40"),
    ("no info", r"Info\.cfg: missing or not a file; an ACDC-style NIfTI folder needs it"),
])
def test_a_geometry_no_heart_has_is_refused_in_one_line_naming_the_file(
        tmp_path: Path, case: str, message: str) -> None:
    """Trusted, these hung (a 50 mm pixel resampled to a grid thousands wide), failed deep in
    the network (NaN spacing, a 4 x 4 image) or measured litres of LV (a 500 mm step)."""
    folder = acdc_folder(tmp_path / "acdc")
    ed, es = folder / "patient901_frame01.nii.gz", folder / "patient901_frame05.nii.gz"
    volume = np.asarray(nib.load(ed).dataobj)
    if case == "single slice":
        _rewrite(ed, volume[..., :1])
        _rewrite(es, volume[..., :1])
    elif case == "es shape":
        _rewrite(es, volume[..., :5])
    elif case == "tiny field":
        for path in (ed, es):  # wall and blood: a crop of one value is a blank image
            _rewrite(path, volume[26:30, 26:30])
    elif case == "no info":
        (folder / "Info.cfg").unlink()
    else:
        zooms = {"zero pixdim": (0.0, 1.5, 10.0), "nan pixdim": (np.nan, np.nan, 10.0),
                 "huge pixel": (50.0, 50.0, 10.0), "huge step": (1.5, 1.5, 500.0)}[case]
        write_pixdim(ed, zooms)
    with pytest.raises(StudyReadError, match=message) as caught:
        read_study(folder)
    assert len(str(caught.value).splitlines()) == 1


def test_a_child_is_measured_with_its_body_size(tmp_path: Path) -> None:
    folder = acdc_folder(tmp_path / "acdc")
    (folder / "Info.cfg").write_text("ED: 1\nES: 5\nGroup: NOR\nNbFrame: 20\n"
                                     "Height: 45\nWeight: 2.4\n")
    study = read_study(folder)
    assert (study.height_cm, study.weight_kg) == (45.0, 2.4)


def test_a_dicom_slice_step_no_cine_has_is_refused_naming_the_study() -> None:
    """The step between slices comes from ImagePositionPatient: 500 mm measured litres."""
    from reader.stack import Stack
    from segment.io import sax_from_stack

    images = np.zeros((4, 2, 64, 64), np.float32)
    positions = np.array([[0.0, 0.0, -500.0 * k] for k in range(4)])
    stack = Stack(images, positions, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), (1.5, 1.5),
                  np.array([0.0, 400.0]), 800.0)
    with pytest.raises(StudyReadError, match=r"^study-folder: slice spacing 500 mm is not within"):
        sax_from_stack("1.2.3", stack, None, "study-folder")
    one = Stack(images[:, :1], positions / 50, stack.row_dir, stack.col_dir,
                (1.5, 1.5), np.array([0.0]), 800.0)
    with pytest.raises(StudyReadError, match=r"^study-folder: .* a single phase$"):
        sax_from_stack("1.2.3", one, None, "study-folder")


@pytest.mark.parametrize("body", ["Height: nan\nWeight: 70", "Height: 17000\nWeight: 70",
                                  "Height: 170\nWeight: inf"])
def test_a_body_size_no_patient_has_is_left_out_and_flagged(tmp_path: Path, body: str) -> None:
    """A height in mm or an infinite weight is a typing error: the study is measured without
    indexed values (QC `no_body_size`), and measurements.json stays valid JSON."""
    folder = acdc_folder(tmp_path / "acdc")
    (folder / "Info.cfg").write_text(f"ED: 1\nES: 5\nGroup: NOR\nNbFrame: 20\n{body}\n")
    study = read_study(folder)
    assert (study.height_cm is None) != (study.weight_kg is None)
    result = analyse(study, OracleSegmenter())
    assert result.values["bsa_m2"] is None and result.values["lvedvi_ml_per_m2"] is None
    assert "no_body_size" in [f.value for f in result.study_flags]
    json.dumps(result.values, allow_nan=False)


def test_a_dicom_cine_without_image_positions_says_so(archive: Path, tmp_path: Path) -> None:
    """Without ImagePositionPatient every slice falls on one place: the reason is the missing
    tag, not 'a single slice'."""
    import shutil

    import pydicom

    from cmr_search.vocab import View
    from reader.scan import scan_archive

    copy = tmp_path / "study"  # the session's archive is shared: change a copy of one study
    shutil.copytree(next(s.folder for s in scan_archive(archive).studies
                         if s.series_for(View.SAX_CINE)), copy)
    # a mask left beside the DICOM files (`segment --out` into the study) is not a NIfTI study
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 2), np.uint8), np.eye(4)), copy / "x_seg.nii.gz")
    assert read_study(copy).phases
    study = scan_archive(copy).studies[0]
    sax = max(study.series_for(View.SAX_CINE), key=lambda s: s.n_slices)
    for path in {f.path for s in sax.slices for f in s.frames}:
        ds = pydicom.dcmread(path)
        del ds.ImagePositionPatient
        ds.save_as(path)
    with pytest.raises(StudyReadError, match=r": no ImagePositionPatient; the short-axis"):
        read_study(copy)


def test_a_folder_of_two_studies_or_none_with_a_short_axis_cine_says_what_it_holds(
        tmp_path: Path) -> None:
    """Two studies: the first was measured silently. No short-axis cine: the message named
    neither the views found nor why files were left out."""
    from fakes.dicom import mr_image

    placed = {"ImageOrientationPatient": [1, 0, 0, 0, 0, -1], "PixelSpacing": [1.5, 1.5],
              "ImagePositionPatient": [0, 0, 0]}
    for study in ("3", "4"):  # a four-chamber cine of 8 frames each
        for k in range(8):
            mr_image(tmp_path / f"{study}_{k}.dcm", StudyInstanceUID=f"1.2.{study}",
                     SeriesInstanceUID=f"1.2.{study}.1", SeriesDescription="cine 4ch",
                     TriggerTime=100.0 * k, InstanceNumber=k + 1, **placed)
    with pytest.raises(StudyReadError, match=r": holds 2 studies; give one study's folder$"):
        read_study(tmp_path)
    for k in range(8):
        (tmp_path / f"4_{k}.dcm").unlink()
    mr_image(tmp_path / "survey.dcm", StudyInstanceUID="1.2.3", SeriesInstanceUID="1.2.3.9",
             SeriesDescription="survey", SeriesNumber=9, **placed)
    (tmp_path / "junk.dcm").write_bytes(b"\0" * 200)
    with pytest.raises(StudyReadError, match=re.escape(
            f"{tmp_path}: no short-axis cine series (9 files read: 8 4ch_cine, "
            "1 not recognised; 1 skipped: not DICOM (no DICM marker))") + "$"):
        read_study(tmp_path)


def test_a_height_that_is_not_a_number_keeps_the_weight(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Both were dropped, silently, when one could not be read."""
    from fakes.dicom import mr_image

    from segment.io import _body_size

    path = mr_image(tmp_path / "im.dcm", PatientSize="1.75", PatientWeight="88")
    path.write_bytes(path.read_bytes().replace(b"1.75", b"abcd"))  # pydicom writes no such DS
    with caplog.at_level("WARNING"):
        assert _body_size(path) == (None, 88.0)
    assert "PatientSize is not a number" in caplog.text and "abcd" not in caplog.text


def test_the_body_size_of_a_bare_dataset_is_read(tmp_path: Path) -> None:
    """A file without preamble or file meta is read for its pixels; its height and weight
    were dropped, so its volumes were not indexed to the body surface area."""
    from fakes.dicom import make_bare, mr_image

    from segment.io import _body_size

    path = make_bare(mr_image(tmp_path / "im.dcm", PatientSize="1.75", PatientWeight="70"))
    assert _body_size(path) == (175.0, 70.0)


def _pair_study() -> SaxStudy:
    return SaxStudy("pair", [np.zeros((6, 96, 96), np.float32)] * 2, [1, 2], (1.5, 1.5), 8.0,
                    [np.eye(4)] * 2, ["ed", "es"], ed_hint=1, es_hint=2)


def _stack(cavity: float, rv: float) -> np.ndarray:
    return np.stack([heart_slice((96, 96), cavity, 6, rv=rv) for _ in range(6)])


def test_an_rvef_over_the_rvs_bound_doubts_every_rv_value_and_an_lvef_as_high_does_not(
        ) -> None:
    """ACDC patient049 read RVEF 88.3 % (RVESV 7.9 ml for an RVEDV of 68 ml; experts 72.6 %),
    unflagged under the 90 % bound shared with the LV, and was graded normal. A hyperdynamic
    LV (HCM) may empty that far: its EF keeps the wider bound."""
    study = _pair_study()
    for rv_es, doubted in ((7.0, False), (5.0, True)):  # RVEF 75 % and 87 %
        result = measure_masks(study, {0: _stack(16, 14), 1: _stack(6, rv_es)}, 0, 1)
        rvef = result.values["rvef_pct"] or 0.0
        assert (rvef > 80.0) is doubted, rvef
        assert (QcFlag.EF_OUT_OF_RANGE in result.flags["rvef_pct"]) is doubted
        for name in ("rvedv_ml", "rvesv_ml", "rvef_pct", "rvedvi_ml_per_m2"):
            assert (QcFlag.RV_ED_ES_UNCLEAR in result.flags.get(name, [])) is doubted, name
        assert (result.values["lvef_pct"] or 0.0) > 80.0  # LV cavity radius 16 -> 6 px
        assert QcFlag.EF_OUT_OF_RANGE not in result.flags["lvef_pct"]
        assert QcFlag.RV_ED_ES_UNCLEAR not in result.flags["lvedv_ml"]


def test_an_end_systole_above_its_neighbour_on_the_curve_doubts_the_lvef() -> None:
    """The phantom's cine (seed 5) measured its ES 14.7 ml above the phase before (the LV base
    restored at ES only) and read LVEF 36.6 % (truth 45.9 %) with no flag."""
    cine = SaxStudy("cine", [np.zeros((6, 96, 96), np.float32)] * 24, list(range(1, 25)),
                    (1.5, 1.5), 8.0, [np.eye(4)] * 24, [f"f{k}" for k in range(24)])
    masks = {0: _stack(16, 12), 9: _stack(12, 9)}
    curve = [184.2, 182.0, 176.1, 152.0, 144.6, 134.2, 111.4, 106.0, 102.1, 116.8, 105.7, 114.4,
             143.4, 147.0, 146.7, 148.0, 149.2, 149.2, 150.2, 150.2, 151.1, 152.6, 169.7, 180.4]
    for es_ml, doubted in ((116.8, True), (101.0, False)):
        result = measure_masks(cine, masks, 0, 9, [*curve[:9], es_ml, *curve[10:]])
        for name in ("lvef_pct", "lvesv_ml", "lvsv_ml", "lv_hypokinetic_wall_pct"):
            assert (QcFlag.ES_NOT_SMALLEST in result.flags[name]) is doubted, name
        assert QcFlag.ES_NOT_SMALLEST not in result.flags["lvedv_ml"]
    # an ED and ES pair (ACDC) has no neighbouring phase to judge its ES by
    pair = measure_masks(_pair_study(), {0: masks[0], 1: masks[9]}, 0, 1, [184.2, 116.8])
    assert QcFlag.ES_NOT_SMALLEST not in pair.flags["lvef_pct"]


def test_measurements_json_qc_flags_hold_every_values_flags_too(tmp_path: Path) -> None:
    """An RVEF of 100 % flagged `rv_ed_es_unclear, ef_out_of_range` (and an RV not found,
    `no_rv`) left the file's `qc_flags` empty: a script reading it took the study as clean.
    `qc_flags` is every flag of the file; `study_qc_flags` the study's own (the index
    payload's `qc_flags`)."""
    from segment.study import write

    no_rv = measure_masks(_pair_study(), {0: _stack(16, 0), 1: _stack(6, 0)}, 0, 1)
    emptied = measure_masks(_pair_study(), {0: _stack(16, 12), 1: _stack(6, 0)}, 0, 1)
    for result, expected in ((no_rv, {"no_rv", "ef_out_of_range"}),
                             (emptied, {"rv_ed_es_unclear", "ef_out_of_range"})):
        write(result, tmp_path / "out", "test")
        data = json.loads((tmp_path / "out" / MEASUREMENTS_FILE).read_text())
        assert expected <= set(data["qc_flags"]), data["qc_flags"]
        assert data["study_qc_flags"] == [f.value for f in result.study_flags]
        assert not expected & set(data["study_qc_flags"])
        every = {f for m in data["measurements"].values() for f in m["flags"]}
        assert set(data["qc_flags"]) == every | set(data["study_qc_flags"])
        assert len(data["qc_flags"]) == len(set(data["qc_flags"]))


def test_a_blank_slice_past_the_apex_does_not_hide_incomplete_apical_coverage() -> None:
    """The coverage rule read the padding as the stack's last slice (no cavity there), so an
    LV cavity still full-sized in the last slice acquired went unflagged."""
    from segment.qc import QcFlag

    study, masks, _ = readers_case([(8.0, False), (5.0, False)], slices=6)
    for k in (0, 1):
        study.phases[k][-1] = 0.0  # padding past the apex
        masks[k][-1] = 0
    result = analyse(study, PreparedSegmenter(masks, study.phases))
    assert QcFlag.INCOMPLETE_APICAL_COVERAGE in result.study_flags
    assert QcFlag.GAPS_BETWEEN_SLICES not in result.study_flags
