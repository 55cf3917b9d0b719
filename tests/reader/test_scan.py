"""Scanning the synthetic archive: views, reports, and every fault skipped with a reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import app
from reader.scan import ScanResult


def _truth(ground_truth: list[dict[str, Any]]) -> dict[str, str]:
    return {uid: view for record in ground_truth for uid, view in record["series"].items()}


def test_every_study_is_found_with_the_right_views(
        scanned: ScanResult, ground_truth: list[dict[str, Any]]) -> None:
    assert {s.study_instance_uid for s in scanned.studies} == {
        r["study_instance_uid"] for r in ground_truth}
    truth = _truth(ground_truth)
    verdicts = [s.views[series.series_instance_uid].value == truth[series.series_instance_uid]
                for s in scanned.studies for series in s.series]
    assert sum(verdicts) / len(verdicts) >= 0.99


def test_reports_are_matched_from_every_source(
        scanned: ScanResult, ground_truth: list[dict[str, Any]]) -> None:
    by_uid = {r["study_instance_uid"]: r for r in ground_truth}
    for study in scanned.studies:
        record = by_uid[study.study_instance_uid]
        if record["report_format"] == "none":
            assert study.report is None
            continue
        assert study.report is not None, record["study_dir"]
        assert study.report.impression.strip() == record["impression"].strip()


def test_each_fault_is_skipped_with_a_reason(archive: Path, scanned: ScanResult,
                                             faults: dict[str, Any]) -> None:
    skipped = {str(Path(s.path).relative_to(archive)): s.reason for s in scanned.skipped
               if Path(s.path).is_relative_to(archive)}
    for name in faults["non_dicom"] + faults["duplicate_sop"]:
        assert name in skipped, name
    assert skipped[faults["duplicate_sop"][0]] == "duplicate SOP Instance UID"
    damaged = faults["truncated"] + faults["corrupt"]
    # header-level checks catch the uncompressed ones; compressed ones fail at decode time
    assert sum(name in skipped for name in damaged) >= 2
    assert all("\n" not in s.reason and s.reason for s in scanned.skipped)


def test_scan_json_has_the_promised_shape(archive: Path, tmp_path: Path,
                                          monkeypatch: Any) -> None:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["scan", str(archive), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(payload["studies"]) == 6
    for study in payload["studies"]:
        assert set(study) >= {"study_instance_uid", "views", "has_report"}
        assert "sax_cine" in study["views"]
    assert all(set(s) == {"path", "reason"} for s in payload["skipped"])
    assert list((tmp_path / "runs").glob("scan-*.json"))


def test_scan_table_for_people(archive: Path, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["scan", str(archive)])
    assert result.exit_code == 0
    assert "reports matched: 5 of 6" in result.stdout
    assert "duplicate SOP Instance UID" in result.stdout


def test_an_image_in_another_plane_within_a_cine_series_is_set_apart(tmp_path: Path) -> None:
    """A localizer exported under the cine's SeriesInstanceUID made the whole cine one unplaced
    "slice": the study lost its short-axis cine, and the message named no file."""
    from fakes.dicom import mr_image

    from reader.scan import scan_archive

    def image(name: str, orientation: list[int], position: list[float], k: int) -> Path:
        return mr_image(tmp_path / name, SeriesInstanceUID="1.2.3.4",
                        SeriesDescription="cine 4ch", ImageOrientationPatient=orientation,
                        PixelSpacing=[1.5, 1.5], ImagePositionPatient=position,
                        TriggerTime=40.0 * k, InstanceNumber=k + 1)

    for k in range(10):
        image(f"im{k}.dcm", [1, 0, 0, 0, 0, -1], [0.0, 0.0, 0.0], k)
    strays = [image("locator.dcm", [0, 1, 0, 0, 0, -1], [0.0, 0.0, 0.0], 10),
              image("locator2.dcm", [1, 0, 0, 0, 1, 0], [0.0, 0.0, 0.0], 11)]
    result = scan_archive(tmp_path, workers=1)
    (study,) = result.studies
    (series,) = study.series
    assert series.single_orientation and series.n_slices == 1 and series.n_phases == 10
    assert sorted((s.path, s.reason) for s in result.skipped) == [
        (str(p), "in another plane than the rest of its series") for p in strays]


def _research_patient(root: Path, name: str) -> None:
    """An ACDC-style patient as the scan finds it: Info.cfg beside a volume (not read here)."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "Info.cfg").write_text("ED: 1\nES: 4\nGroup: NOR\nHeight: 170\nNbFrame: 10\n"
                                     "Weight: 70\n")
    (folder / f"{name}_frame01.nii.gz").write_bytes(b"")


def test_research_studies_are_counted_in_the_log_and_the_table(
        tmp_path: Path, monkeypatch: Any, caplog: Any) -> None:
    """An ACDC folder was "scanned acdc: 0 studies" and a table titled "0 studies" that listed
    its 50 patients (the DICOM studies alone were counted)."""
    import logging

    from reader.scan import scan_archive

    archive = tmp_path / "acdc"
    for name in ("patient001", "patient002"):
        _research_patient(archive, name)
    with caplog.at_level(logging.INFO, logger="reader.scan"):
        result = scan_archive(archive)
    assert result.study_count == 2
    # not the folder's name: an export's folder is often named by the patient ID
    assert "scanned an archive: 2 studies (2 NIfTI research studies), 0 files skipped" in \
        caplog.text and "acdc" not in caplog.text
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    shown = CliRunner().invoke(app, ["scan", str(archive)])
    assert shown.exit_code == 0, shown.output
    assert "2 studies (2 NIfTI research studies)" in shown.stdout
    assert "0 studies" not in shown.stdout and "reports matched: 0 of 2" in shown.stdout


def test_dicom_and_research_studies_are_counted_apart(tmp_path: Path) -> None:
    from fakes.dicom import mr_image

    from reader.scan import scan_archive

    (tmp_path / "dicom").mkdir()
    for k in range(10):
        mr_image(tmp_path / "dicom" / f"im{k}.dcm", SeriesInstanceUID="1.2.3.4",
                 SeriesDescription="cine 4ch", ImageOrientationPatient=[1, 0, 0, 0, 0, -1],
                 PixelSpacing=[1.5, 1.5], ImagePositionPatient=[0.0, 0.0, 0.0],
                 TriggerTime=40.0 * k, InstanceNumber=k + 1)
    _research_patient(tmp_path, "patient001")
    result = scan_archive(tmp_path)
    assert result.counted() == "2 studies (1 DICOM, 1 NIfTI research study)"


def test_nifti_outside_an_acdc_style_folder_is_skipped_as_nifti(tmp_path: Path) -> None:
    """A NIfTI without Info.cfg (a patient folder without it, a stray file, a 4D file alone)
    was skipped as "not DICOM (.gz file)", which named no fix; `segment` said why."""
    from reader.scan import scan_archive

    archive = tmp_path / "archive"
    _research_patient(archive, "patient001")
    (archive / "patient001" / "Info.cfg").unlink()
    (archive / "stray.nii").write_bytes(b"\0" * 400)
    (archive / "alone").mkdir()
    (archive / "alone" / "patient002_4d.nii.gz").write_bytes(b"\0" * 400)
    (archive / "cfg").mkdir()
    (archive / "cfg" / "Info.cfg").write_text("ED: 1\nES: 4\n")
    _research_patient(archive, "patient003")
    (archive / "patient003" / "patient003_frame04.nii").write_bytes(b"\0" * 400)
    result = scan_archive(archive)
    without = "NIfTI without Info.cfg beside it; an ACDC-style NIfTI folder needs it"
    assert {(Path(s.path).relative_to(archive).as_posix(), s.reason)
            for s in result.skipped} == {
        ("patient001/patient001_frame01.nii.gz", without), ("stray.nii", without),
        ("alone/patient002_4d.nii.gz", without),
        ("cfg/Info.cfg", "Info.cfg without NIfTI volumes (.nii.gz) beside it"),
        ("patient003/patient003_frame04.nii",
         "uncompressed NIfTI (.nii); an ACDC-style folder's volumes are read as .nii.gz")}
    assert result.skipped_by_reason()[without] == 3
    assert [s.study_instance_uid for s in result.research_studies] == ["acdc-patient003"]


def test_the_synthetic_archives_own_files_are_not_skipped_as_foreign(
        scanned: ScanResult, tmp_path: Path) -> None:
    """`cmr-search synth` writes ground_truth.jsonl (and faults.json) into the archive, and
    every later scan or index run listed it as "skipped: not DICOM (.jsonl file)"."""
    from phantom.archive import GROUND_TRUTH
    from phantom.faults import FAULTS_FILE
    from reader.scan import scan_archive

    named = {Path(s.path).name for s in scanned.skipped}
    assert GROUND_TRUTH not in named and FAULTS_FILE not in named
    # a file of that name in a study's folder is the archive's own, said as before
    (tmp_path / "SYN1").mkdir()
    (tmp_path / "SYN1" / GROUND_TRUTH).write_text("{}\n" * 80)
    (tmp_path / GROUND_TRUTH).write_text("{}\n" * 80)
    assert [s.reason for s in scan_archive(tmp_path).skipped] == ["not DICOM (.jsonl file)"]


def test_the_demo_archives_recipe_is_not_skipped_as_foreign(tmp_path: Path) -> None:
    """`cmr-search demo` writes its recipe into the demo archive's top folder, and every index
    run of the demo listed it as "skipped: not DICOM (too small)"."""
    from cli.synth import RECIPE_FILE
    from reader.scan import scan_archive

    (tmp_path / RECIPE_FILE).write_text('{"studies": 12, "seed": 7}', encoding="utf-8")
    assert scan_archive(tmp_path).skipped == []
