"""Research datasets in the ACDC NIfTI layout."""

from __future__ import annotations

import re
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from fakes.nifti import write_pixdim

from cmr_search.vocab import CINE_SLOTS, ClipSlot
from cmrclip.clips import ClipSpec
from cmrclip.preprocess import clips_from_stacks
from reader.nifti import NiftiError, acdc_stacks, find_acdc
from reader.scan import scan_archive


def _patient(root: Path, name: str, four_d: bool) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "Info.cfg").write_text("ED: 1\nES: 4\nGroup: NOR\nHeight: 170\n"
                                     "NbFrame: 10\nWeight: 70\n")
    yy, xx = np.mgrid[:64, :64]
    frames = []
    for k in range(10):
        radius = 12 - 5 * np.sin(np.pi * k / 10)
        disc = ((yy - 30) ** 2 + (xx - 34) ** 2 < radius**2).astype(np.float32) * 200
        frames.append(np.repeat(disc[:, :, None], 6, axis=2))
    affine = np.diag([-1.0, -1.0, 1.0, 1.0])
    if four_d:
        data = np.stack(frames, axis=3)
        image = nib.Nifti1Image(data, affine)
        image.header.set_zooms((1.5, 1.5, 10.0, 1.0))
        nib.save(image, folder / f"{name}_4d.nii.gz")
    for number in (1, 4):
        image = nib.Nifti1Image(frames[number - 1], affine)
        image.header.set_zooms((1.5, 1.5, 10.0))
        nib.save(image, folder / f"{name}_frame{number:02d}.nii.gz")
    return folder


@pytest.mark.parametrize("four_d", [False, True])
def test_acdc_patient_becomes_short_axis_clips(tmp_path: Path, four_d: bool) -> None:
    _patient(tmp_path, "patient001", four_d)
    (study,) = find_acdc(tmp_path)
    assert study.group == "NOR" and study.es_frame == 4
    stacks = acdc_stacks(study)
    assert not stacks.views and stacks.notes and stacks.sax.images.shape[0] == 6
    # two released phases: the player's frames between them are no acquisition
    assert any("interpolated" in n for n in stacks.notes) is not four_d
    clips = clips_from_stacks(stacks, ClipSpec(frames=8, size=48, pixel_mm=1.5))
    assert clips.cine_present[:3].all() and not clips.cine_present[3:].any()
    mid = clips.cine[CINE_SLOTS.index(ClipSlot.SAX_MID)].astype(np.float32)
    assert mid.max() > 0.5 and np.abs(mid[0] - mid[3]).max() > 0.3  # it contracts


def test_scan_lists_acdc_patients_and_bad_info(tmp_path: Path) -> None:
    _patient(tmp_path, "patient001", False)
    bad = _patient(tmp_path, "patient002", False)
    (bad / "Info.cfg").write_text("nothing useful\n")
    result = scan_archive(tmp_path)
    assert [s.patient_id for s in result.research_studies] == ["patient001"]
    assert any("Info.cfg" in s.path for s in result.skipped)
    with pytest.raises(NiftiError, match=r"Info\.cfg"):
        find_acdc(bad)


@pytest.mark.parametrize("four_d", [False, True])
def test_a_volume_with_nan_or_infinite_pixels_is_refused_naming_the_file(
        tmp_path: Path, four_d: bool) -> None:
    folder = _patient(tmp_path, "patient001", four_d)
    path = folder / ("patient001_4d.nii.gz" if four_d else "patient001_frame04.nii.gz")
    image = nib.load(path)
    data = np.asarray(image.dataobj, dtype=np.float32)
    data[10, 10, 2] = np.nan
    data[11, 10, 3] = np.inf
    nib.save(nib.Nifti1Image(data, image.affine, image.header), path)
    bad = int(np.count_nonzero(~np.isfinite(data)))  # two pixels, in every frame of a 4D file
    (study,) = find_acdc(tmp_path)
    with pytest.raises(NiftiError,
                       match=rf"{re.escape(path.name)}: {bad} of {data.size} pixels are not"):
        acdc_stacks(study)


@pytest.mark.parametrize(("zooms", "message"), [
    ((0.0, 0.0, 10.0), r"pixdim: pixel spacing 0 x 0 mm is not within 0\.1 to 10 mm"),
    ((1.5, 1.5, np.nan), r"pixdim: slice spacing nan mm is not within 0\.5 to 40 mm"),
    ((1.5, 1.5, 500.0), r"pixdim: slice spacing 500 mm is not within"),
])
@pytest.mark.parametrize("four_d", [False, True])
def test_a_voxel_size_no_cardiac_image_has_is_refused_naming_the_file(
        tmp_path: Path, four_d: bool, zooms: tuple[float, float, float], message: str) -> None:
    """nibabel reads a zero pixdim as 1 mm with a warning only: every volume would be scaled
    silently; a NaN one failed deep in the network."""
    folder = _patient(tmp_path, "patient001", four_d)
    path = folder / ("patient001_4d.nii.gz" if four_d else "patient001_frame01.nii.gz")
    write_pixdim(path, zooms)
    (study,) = find_acdc(tmp_path)
    with pytest.raises(NiftiError, match=rf"{re.escape(path.name)}: {message}"):
        acdc_stacks(study)


def test_volumes_of_the_wrong_shape_are_refused_naming_the_file(tmp_path: Path) -> None:
    folder = _patient(tmp_path, "patient001", False)
    es = folder / "patient001_frame04.nii.gz"
    image = nib.load(es)
    nib.save(nib.Nifti1Image(np.asarray(image.dataobj)[..., :4], image.affine, image.header), es)
    (study,) = find_acdc(tmp_path)
    with pytest.raises(NiftiError, match=r"frame04\.nii\.gz: shape \(64, 64, 4\) differs from "
                       r"the ED volume's \(64, 64, 6\)"):
        acdc_stacks(study)
    other = _patient(tmp_path / "voxel", "patient003", False) / "patient003_frame04.nii.gz"
    write_pixdim(other, (1.25, 1.25, 10.0))
    (study,) = find_acdc(tmp_path / "voxel")
    with pytest.raises(NiftiError, match=r"frame04\.nii\.gz: voxel \(1\.25, 1\.25, 10\.0\) mm "
                       r"differs from the ED volume's \(1\.5, 1\.5, 10\.0\)"):
        acdc_stacks(study)
    four_d = _patient(tmp_path / "more", "patient002", True) / "patient002_4d.nii.gz"
    image = nib.load(four_d)
    nib.save(nib.Nifti1Image(np.asarray(image.dataobj)[..., None], image.affine), four_d)
    (study,) = find_acdc(tmp_path / "more")
    with pytest.raises(NiftiError, match=r"4d\.nii\.gz: expected a 4D volume \(x, y, slices, "
                       r"frames\), got shape \(64, 64, 6, 10, 1\)"):
        acdc_stacks(study)


def test_complex_pixels_are_refused_naming_the_file(tmp_path: Path) -> None:
    """Cast to float, a complex volume lost its imaginary part with only a warning."""
    folder = _patient(tmp_path, "patient001", False)
    path = folder / "patient001_frame01.nii.gz"
    image = nib.load(path)
    data = np.asarray(image.dataobj).astype(np.complex64) * (1 + 1j)
    nib.save(nib.Nifti1Image(data, image.affine), path)
    (study,) = find_acdc(tmp_path)
    with pytest.raises(NiftiError, match=rf"{re.escape(path.name)}: complex pixels"):
        acdc_stacks(study)


def test_pixdim_is_read_in_the_spatial_unit_the_header_names(tmp_path: Path) -> None:
    """A file written in metres (xyzt_units) was refused as 0.0015 mm pixels; ACDC's files
    name no unit and are read as mm."""
    folder = _patient(tmp_path, "patient001", False)
    for number in (1, 4):
        path = folder / f"patient001_frame{number:02d}.nii.gz"
        image = nib.load(path)
        header = image.header.copy()
        header.set_xyzt_units("meter")
        header.set_zooms((0.0015, 0.0015, 0.01))
        nib.save(nib.Nifti1Image(np.asarray(image.dataobj), None, header), path)
        assert nib.load(path).header.get_xyzt_units()[0] == "meter"
    (study,) = find_acdc(tmp_path)
    stack = acdc_stacks(study).sax
    assert stack.spacing == pytest.approx((1.5, 1.5))
    assert np.diff(stack.positions[:, 2]) == pytest.approx(-10.0)


def test_a_renamed_patient_folder_is_read_by_its_volumes_names(tmp_path: Path) -> None:
    """A copy of patient001 in folder A looked for A_frame01.nii.gz and found no frame."""
    folder = _patient(tmp_path, "patient001", False)
    renamed = folder.rename(tmp_path / "A")
    (study,) = find_acdc(tmp_path)
    assert study.folder == renamed and acdc_stacks(study).sax is not None
    # the folder names the study: a copy beside the original is not the same study twice
    assert study.study_instance_uid == "acdc-A"


def test_a_header_declaring_a_huge_volume_is_refused_before_reading(tmp_path: Path) -> None:
    """An upload of gzipped zeros declaring 512 x 512 x 100 x 1000 asked for 100 GB."""
    from reader.nifti import read_volume

    header = nib.Nifti1Header()
    header.set_data_shape((512, 512, 100, 1000))
    header.set_data_dtype(np.uint8)
    path = tmp_path / "p_4d.nii"
    with path.open("wb") as handle:  # the header alone: no pixel is ever written
        handle.write(header.binaryblock + b"\0" * 4)
    with pytest.raises(NiftiError, match=r"declares \(512, 512, 100, 1000\) pixels"):
        read_volume(path)


@pytest.mark.parametrize(("text", "message"), [
    ("ED: 1\nES: 4\nHeight: abc\nWeight: 70\n", "Height 'abc' is not a number"),
    ("ED: 1\nES: 4\nHeight: 170\nWeight: 70 kg\n", "Weight '70 kg' is not a number"),
    ("ED: one\nES: 4\n", "ED 'one' is not a whole number"),
    ("ED: 1\nES: 4\nNbFrame: 30.5\n", "NbFrame '30.5' is not a whole number"),
    ("ED: 1\nHeight: 170\n", "no ES (the end-systole frame number)"),
    ("nothing useful\n", "no ED (the end-diastole frame number)"),
])
def test_a_bad_info_cfg_field_is_named_with_what_is_wrong(tmp_path: Path, text: str,
                                                          message: str) -> None:
    """`segment` said "Info.cfg: unreadable Info.cfg (ValueError)": which of six fields?"""
    folder = _patient(tmp_path, "patient001", False)
    (folder / "Info.cfg").write_text(text)
    with pytest.raises(NiftiError, match=f"^{re.escape(f'{folder}/Info.cfg: {message}')}$"):
        find_acdc(folder)
    skipped = scan_archive(tmp_path).skipped  # an index run lists it by that reason too
    assert [s.reason for s in skipped if s.path.endswith("Info.cfg")] == [message]


def test_an_info_cfg_that_is_no_text_says_so(tmp_path: Path) -> None:
    folder = _patient(tmp_path, "patient001", False)
    (folder / "Info.cfg").write_bytes(b"\xff\xfe\x00ED\x9c")
    with pytest.raises(NiftiError, match=r"Info\.cfg: cannot be read as text "
                                         r"\(UnicodeDecodeError\)$"):
        find_acdc(folder)


def test_a_cut_volume_says_it_is_truncated(tmp_path: Path) -> None:
    """It said "cannot read NIfTI (EOFError)", and an index run counted it as "NiftiError"."""
    folder = _patient(tmp_path, "patient001", False)
    path = folder / "patient001_frame04.nii.gz"
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    (study,) = find_acdc(tmp_path)
    with pytest.raises(NiftiError, match=rf"^{re.escape(str(path))}: truncated NIfTI \(the "
                                         r"file ends early\)$"):
        acdc_stacks(study)


@pytest.mark.parametrize("value", [0.0, 7.0])
@pytest.mark.parametrize(("four_d", "name"), [(False, "patient001_frame01.nii.gz"),
                                              (False, "patient001_frame04.nii.gz"),
                                              (True, "patient001_4d.nii.gz")])
def test_a_blank_volume_is_refused_naming_the_file(tmp_path: Path, four_d: bool, name: str,
                                                   value: float) -> None:
    """An all-zero (or one-value) image was segmented to LVEDV 0 ml, flagged, not refused."""
    folder = _patient(tmp_path, "patient001", four_d)
    path = folder / name
    image = nib.load(path)
    nib.save(nib.Nifti1Image(np.full(image.shape, value, np.float32), image.affine,
                             image.header), path)
    (study,) = find_acdc(tmp_path)
    said = f"^{re.escape(f'{path}: the image is blank (every voxel {value:g})')}$"
    with pytest.raises(NiftiError, match=said):
        acdc_stacks(study)


@pytest.mark.parametrize(("blank", "said"), [
    ({3: 0.0}, "3 of 10 (every voxel 0)"),
    ({2: 0.0, 3: 0.0, 4: 0.0, 5: 0.0, 9: 0.0}, "2-5 and 9 of 10 (every voxel 0)"),
    ({1: 0.0, 7: 5.0}, "1 and 7 of 10 (each one value throughout)"),
])
def test_a_4d_cine_with_blank_frames_is_refused_naming_the_file_and_the_frames(
        tmp_path: Path, blank: dict[int, float], said: str) -> None:
    """A wholly blank 4D file was refused, one with some blank frames read as a cine: those
    frames were segmented as a heart of 0 ml, and the volume curve dropped to nothing."""
    folder = _patient(tmp_path, "patient001", True)
    path = folder / "patient001_4d.nii.gz"
    image = nib.load(path)
    data = np.asarray(image.dataobj, dtype=np.float32).copy()
    for frame, value in blank.items():  # numbered from 1, as Info.cfg numbers them
        data[..., frame - 1] = value
    nib.save(nib.Nifti1Image(data, image.affine, image.header), path)
    (study,) = find_acdc(tmp_path)
    line = (f"{path}: blank frames in the 4D cine: {said}; a cine with blank frames gives no "
            "volume curve")
    with pytest.raises(NiftiError, match=f"^{re.escape(line)}$"):
        acdc_stacks(study)


def _rewrite(path: Path, data: np.ndarray, zooms: tuple[float, ...]) -> None:
    image = nib.Nifti1Image(data.astype(np.float32), np.eye(4))
    image.header.set_zooms(zooms)
    nib.save(image, path)


@pytest.mark.parametrize("four_d", [False, True])
def test_a_volume_with_its_slices_on_the_first_axis_is_refused_naming_the_file(
        tmp_path: Path, four_d: bool) -> None:
    """A volume saved (slices, x, y) was read as 64 "slices" of 6 x 64 pixels and measured
    as nonsense (LVEDV 0.7 ml, mass 0 g) instead of being refused."""
    folder = _patient(tmp_path, "patient001", four_d)
    names = ["4d"] if four_d else ["frame01", "frame04"]  # ED and ES alike
    for name in names:
        data = np.asarray(nib.load(folder / f"patient001_{name}.nii.gz").dataobj)
        _rewrite(folder / f"patient001_{name}.nii.gz", np.moveaxis(data, 2, 0),
                 (10.0, 1.5, 1.5, 1.0)[:data.ndim])
    path = folder / f"patient001_{names[0]}.nii.gz"
    (study,) = find_acdc(tmp_path)
    with pytest.raises(NiftiError, match=rf"{re.escape(path.name)}: slices appear to lie on "
                       r"axis 1 \(6 of 10 mm\), not on axis 3 \(64 of 1\.5 mm\); an "
                       r"ACDC-style volume has its short-axis slices on the third axis"):
        acdc_stacks(study)


@pytest.mark.parametrize("four_d", [False, True])
def test_a_label_map_saved_as_the_image_is_refused_naming_the_file(
        tmp_path: Path, four_d: bool) -> None:
    """patient001_frame01_gt.nii.gz copied over the image (values 0 to 3) was measured as an
    image: LVEDV 273.9 ml, LVEF 21.9 %, no flag. An image of two grey levels is no map."""
    folder = _patient(tmp_path, "patient001", four_d)
    path = folder / ("patient001_4d.nii.gz" if four_d else "patient001_frame01.nii.gz")
    image = nib.load(path)
    data = np.asarray(image.dataobj)
    labels = np.where(data > 0, 3, (np.indices(data.shape)[0] % 3))
    _rewrite(path, labels, image.header.get_zooms())
    (study,) = find_acdc(tmp_path)
    with pytest.raises(NiftiError, match=rf"{re.escape(path.name)}: looks like a label map "
                       r"\(values 0, 1, 2, 3\), not an image"):
        acdc_stacks(study)
    _rewrite(path, labels * 60.0 + 20.0, image.header.get_zooms())  # 4 grey levels: an image
    assert acdc_stacks(study).sax is not None
