"""An uploaded study: read and embedded (with the fake encoder), kept if asked; its refusals
name the upload."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fakes.encoder import FakeEncoder
from fakes.zips import zipped_study

from catalog import REPORT, STUDY
from indexer.upload import UploadError, study_from_upload
from reader.scan import ScanResult


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return buffer.getvalue()


def test_not_a_zip_and_no_study_name_the_upload(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match=r"^notes\.txt: not a zip file"):
        study_from_upload(io.BytesIO(b"hello"), "notes.txt", FakeEncoder(), tmp_path)
    whole = _zip({"a.dcm": b"x" * 4000})
    with pytest.raises(UploadError, match=r"^cut\.zip: a damaged or incomplete zip file"):
        study_from_upload(io.BytesIO(whole[:len(whole) // 2]), "cut.zip", FakeEncoder(),
                          tmp_path)
    with pytest.raises(UploadError, match="no DICOM study found"):
        study_from_upload(io.BytesIO(_zip({"a.txt": b"x"})), "empty.zip", FakeEncoder(),
                          tmp_path)


def test_a_study_is_embedded_and_kept_only_when_asked(scanned: ScanResult,
                                                      tmp_path: Path) -> None:
    # a study whose report travels with it (a text file or an SR in its folder)
    study = next(s for s in scanned.studies if s.report is not None
                 and str(s.folder) in s.report.location)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(study.folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(study.folder.parent))
    buffer.seek(0)
    got = study_from_upload(buffer, "study.zip", FakeEncoder(), tmp_path / "previews",
                            keep_in=tmp_path / "archive")
    assert got.study_instance_uid == study.study_instance_uid
    assert STUDY in got.vectors and REPORT in got.vectors and "sax" in got.previews
    assert got.kept is not None and got.kept.parent == tmp_path / "archive" / "uploads"
    assert any(got.kept.rglob("*")) and not list((tmp_path / "archive").glob("*/*.partial"))


def test_a_study_that_cannot_be_assembled_names_its_file_in_the_upload_not_the_server(
        scanned: ScanResult, tmp_path: Path) -> None:
    """The message held the server's scratch folder (/tmp/cmr-upload-.../study/...)."""
    import pydicom

    from cmr_search.vocab import View

    study = next(s for s in scanned.studies if s.report is not None)
    sax = {uid for uid, view in study.views.items() if view is View.SAX_CINE}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(study.folder.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if data[128:132] == b"DICM":
                ds = pydicom.dcmread(path)
                if ds.get("SeriesInstanceUID") not in sax:
                    continue  # the short-axis cine alone: no long-axis view to read instead
                ds.PixelSpacing = [50, 50]  # no heart's: refused naming the file
                out = io.BytesIO()
                ds.save_as(out)
                data = out.getvalue()
            zf.writestr(str(path.relative_to(study.folder.parent)), data)
    buffer.seek(0)
    with pytest.raises(UploadError) as caught:
        study_from_upload(buffer, "scan.zip", FakeEncoder(), tmp_path / "previews")
    message = str(caught.value)
    assert message.startswith(f"scan.zip: cannot assemble the study (scan.zip/{study.folder.name}")
    assert "can be read: sax_cine: " in message  # the file named inside the study
    assert "PixelSpacing: pixel spacing 50 x 50 mm" in message and "cmr-upload" not in message


def test_a_study_without_cine_and_a_research_folder_say_what_they_are(
        scanned: ScanResult, tmp_path: Path) -> None:
    """Both were "no DICOM study found": a study was found (LGE only), and a folder of NIfTI
    patients is several studies."""
    from fakes.segment import acdc_folder

    from cmr_search.vocab import View

    study = scanned.studies[0]
    lge = {uid for uid, view in study.views.items() if view in (View.LGE_SAX, View.LGE_LAX)}
    import pydicom

    files = {}
    for path in sorted(study.folder.rglob("*")):
        if path.is_file() and path.read_bytes()[128:132] == b"DICM" \
                and pydicom.dcmread(path, stop_before_pixels=True).SeriesInstanceUID in lge:
            files[str(path.relative_to(study.folder.parent))] = path.read_bytes()
    with pytest.raises(UploadError, match=r"^lge\.zip: the study has no cine series to compare"):
        study_from_upload(io.BytesIO(_zip(files)), "lge.zip", FakeEncoder(), tmp_path)
    research = {f"{folder.name}/{p.name}": p.read_bytes()
                for folder in (acdc_folder(tmp_path / "acdc", name)
                               for name in ("patient901", "patient902"))
                for p in folder.iterdir()}
    with pytest.raises(UploadError, match=r"holds 2 research \(ACDC-style NIfTI\) patients; "
                                          r"upload one patient's folder"):
        study_from_upload(io.BytesIO(_zip(research)), "acdc.zip", FakeEncoder(), tmp_path)


def test_a_research_patient_is_compared_by_its_short_axis(tmp_path: Path) -> None:
    """ "Uploads take DICOM" left a researcher's real heart no way to be compared."""
    from fakes.segment import acdc_folder

    folder = acdc_folder(tmp_path / "acdc")
    files = {f"{folder.name}/{p.name}": p.read_bytes() for p in folder.iterdir()}
    got = study_from_upload(io.BytesIO(_zip(files)), "patient901.zip", FakeEncoder(),
                            tmp_path / "previews")
    assert got.study_instance_uid == "acdc-patient901" and got.views == ["sax_cine"]
    assert STUDY in got.vectors and "sax" in got.previews and got.sex == "unknown"
    assert got.impression == "" and any("ACDC NIfTI" in n for n in got.notes)
    asked = study_from_upload(io.BytesIO(_zip(files)), "patient901.zip", FakeEncoder(),
                              tmp_path / "previews", keep_in=tmp_path / "archive")
    assert asked.kept is None and not (tmp_path / "archive").exists()  # searched with all the same
    assert any("not kept for the index" in n for n in asked.notes)



def test_a_blank_research_patient_is_refused_naming_its_file(tmp_path: Path) -> None:
    """An all-zero volume was compared and "measured" as LVEDV 0 ml, flagged."""
    import nibabel as nib
    import numpy as np
    from fakes.segment import acdc_folder

    folder = acdc_folder(tmp_path / "acdc")
    path = folder / "patient901_frame01.nii.gz"
    image = nib.load(path)
    nib.save(nib.Nifti1Image(np.zeros(image.shape, np.float32), image.affine), path)
    files = {f"{folder.name}/{p.name}": p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(UploadError) as caught:
        study_from_upload(io.BytesIO(_zip(files)), "patient901.zip", FakeEncoder(),
                          tmp_path / "previews", segmentation=None)
    assert str(caught.value) == ("patient901.zip: cannot assemble the study (patient901.zip/"
                                 "patient901/patient901_frame01.nii.gz: the image is blank "
                                 "(every voxel 0))")

def test_a_view_that_cannot_be_read_is_named_in_the_uploads_notes(
        scanned: ScanResult, tmp_path: Path) -> None:
    """A short axis that could not be decoded was dropped without a word, and the upload was
    compared by its long axes alone."""
    from pydicom.dataset import Dataset

    from cmr_search.vocab import View

    study = next(s for s in scanned.studies
                 if View.CH4_CINE in s.views.values() and View.SAX_CINE in s.views.values())
    ch4 = {uid for uid, view in study.views.items() if view is View.CH4_CINE}

    def undecodable(ds: Dataset) -> bool:
        if ds.get("SeriesInstanceUID") not in ch4:
            return False
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 12, 12, 11
        return True

    buffer = io.BytesIO(zipped_study(study.folder, undecodable))
    got = study_from_upload(buffer, "scan.zip", FakeEncoder(), tmp_path / "previews")
    assert "4ch_cine" not in got.views and "sax_cine" in got.views
    assert any(n.startswith("4ch_cine: ") and "cannot be decoded" in n for n in got.notes)
    assert not any("cmr-upload" in n or str(tmp_path) in n for n in got.notes), got.notes


def test_an_image_the_reader_could_not_take_is_named_in_the_notes(
        scanned: ScanResult, tmp_path: Path) -> None:
    """A short-axis file with its pixel data cut short was dropped with "1 file skipped" and
    no word of which or why."""
    import pydicom

    study = next(s for s in scanned.studies if s.report is not None)
    damaged: list[str] = []

    def cut(ds: pydicom.Dataset) -> bool:
        if damaged or "PixelData" not in ds:
            return False
        ds.PixelData = ds.PixelData[:100]
        damaged.append(str(ds.SOPInstanceUID))
        return True

    got = study_from_upload(io.BytesIO(zipped_study(study.folder, cut)), "scan.zip",
                            FakeEncoder(), tmp_path / "previews")
    assert got.skipped >= 1 and damaged
    notes = [n for n in got.notes if "truncated pixel data" in n]
    assert notes and all(n.startswith(f"{study.folder.name}/") for n in notes)
    assert "cmr-upload" not in str(got.notes)


def test_a_refused_upload_says_what_it_may_hold(tmp_path: Path) -> None:
    """A NIfTI file was told to upload DICOM files only (NIfTI patient folders are taken),
    and an empty zip said only "no DICOM study found", not what was looked for."""
    with pytest.raises(UploadError, match=r"^one\.nii\.gz: not a zip file \(upload the "
                       r"study's DICOM files, in folders or not, or one ACDC-style NIfTI "
                       r"patient folder, as one \.zip\)$"):
        study_from_upload(io.BytesIO(b"\x1f\x8b gzip"), "one.nii.gz", FakeEncoder(), tmp_path)
    with pytest.raises(UploadError, match=r"^empty\.zip: no DICOM study found \(looked for "
                       r"the study's DICOM files, .* one ACDC-style NIfTI patient folder: "
                       r"Info\.cfg beside its \.nii\.gz\)$"):
        study_from_upload(io.BytesIO(_zip({})), "empty.zip", FakeEncoder(), tmp_path / "e")
