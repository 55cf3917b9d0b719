"""The archive's files are valid DICOM whose geometry and timing tags agree with each other."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset

from phantom.dicom_writer import BASIC_TEXT_SR_STORAGE, ENHANCED_MR_IMAGE_STORAGE


def _damaged(faults: dict[str, Any]) -> set[str]:
    return {*faults["truncated"], *faults["corrupt"], *faults["non_dicom"]}


def _good_files(archive: Path, faults: dict[str, Any]) -> list[Path]:
    skip = _damaged(faults)
    return sorted(p for p in archive.rglob("*") if p.is_file()
                  and p.parent != archive and p.name != "report.txt"
                  and str(p.relative_to(archive)) not in skip)


@pytest.fixture(scope="module")
def datasets(archive: Path, faults: dict[str, Any]) -> dict[Path, Dataset]:
    return {p: dcmread(p) for p in _good_files(archive, faults)}


def test_every_file_is_valid_part10_with_decodable_pixels(datasets: dict[Path, Dataset]) -> None:
    syntaxes = set()
    for path, ds in datasets.items():
        assert path.read_bytes()[128:132] == b"DICM", path
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.file_meta.MediaStorageSOPClassUID == ds.SOPClassUID
        syntaxes.add(str(ds.file_meta.TransferSyntaxUID))
        if ds.SOPClassUID == BASIC_TEXT_SR_STORAGE:
            continue
        pixels = ds.pixel_array
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        expected = (ds.Rows, ds.Columns) if frames == 1 else (frames, ds.Rows, ds.Columns)
        assert pixels.shape == expected, path
        assert pixels.max() <= 4095 and pixels.max() > 0, path
    assert "1.2.840.10008.1.2.5" in syntaxes, "no RLE Lossless series was written"


def test_identity_tags_are_consistent_within_each_study(
        datasets: dict[Path, Dataset], ground_truth: list[dict[str, Any]]) -> None:
    by_study: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for ds in datasets.values():
        by_study[ds.StudyInstanceUID].add((ds.PatientID, ds.AccessionNumber, ds.StudyDate))
    assert set(by_study) == {r["study_instance_uid"] for r in ground_truth}
    for values in by_study.values():
        assert len(values) == 1
    for record in ground_truth:
        assert 2008 <= int(record["study_date"][:4]) <= 2025


def test_sop_instance_uids_are_unique_except_injected_duplicates(
        datasets: dict[Path, Dataset], faults: dict[str, Any]) -> None:
    seen: dict[str, Path] = {}
    duplicates = []
    for path, ds in datasets.items():
        if ds.SOPInstanceUID in seen:
            duplicates.append(path)
        seen[ds.SOPInstanceUID] = path
    assert len(duplicates) == len(faults["duplicate_sop"])


def _frames(ds: Dataset) -> list[tuple[np.ndarray, np.ndarray, float | None]]:
    """(position, orientation, trigger time) of every image in a file."""
    if ds.SOPClassUID == ENHANCED_MR_IMAGE_STORAGE:
        shared = ds.SharedFunctionalGroupsSequence[0]
        iop = np.array(shared.PlaneOrientationSequence[0].ImageOrientationPatient, float)
        out = []
        for item in ds.PerFrameFunctionalGroupsSequence:
            ipp = np.array(item.PlanePositionSequence[0].ImagePositionPatient, float)
            sync = item.get("CardiacSynchronizationSequence")
            out.append((ipp, iop, float(sync[0].NominalCardiacTriggerDelayTime) if sync else None))
        return out
    trigger = float(ds.TriggerTime) if "TriggerTime" in ds else None
    return [(np.array(ds.ImagePositionPatient, float), np.array(ds.ImageOrientationPatient, float),
             trigger)]


def _series_frames(datasets: dict[Path, Dataset]) -> dict[str, list[Any]]:
    series: dict[str, list[Any]] = defaultdict(list)
    seen: set[str] = set()
    for ds in datasets.values():
        if ds.get("Modality") == "MR" and ds.SOPInstanceUID not in seen:
            seen.add(ds.SOPInstanceUID)
            order = int(ds.InstanceNumber)
            series[ds.SeriesInstanceUID].extend(
                (order, k, *frame) for k, frame in enumerate(_frames(ds)))
    return series


def test_short_axis_slices_lie_along_the_stack_normal_with_even_spacing(
        datasets: dict[Path, Dataset], ground_truth: list[dict[str, Any]]) -> None:
    sax = {uid for r in ground_truth for uid, view in r["series"].items() if view == "sax_cine"}
    series = _series_frames(datasets)
    checked = 0
    for uid in sax & set(series):
        frames = series[uid]
        iop = frames[0][3]
        normal = np.cross(iop[:3], iop[3:])
        assert np.allclose([np.linalg.norm(iop[:3]), np.linalg.norm(iop[3:])], 1.0, atol=1e-4)
        assert abs(iop[:3] @ iop[3:]) < 1e-4
        positions = np.unique(np.round([f[2] for f in frames], 3), axis=0)
        along = positions @ normal
        order = np.argsort(along)
        steps = np.diff(positions[order], axis=0)
        # every step between neighbouring slices is along the normal, and all steps are equal
        assert np.allclose(np.abs(steps @ normal), np.linalg.norm(steps, axis=1), atol=1e-2)
        assert np.ptp(np.diff(along[order])) < 0.05
        assert 8 <= len(positions) <= 14
        checked += 1
    assert checked >= 4


def test_cine_trigger_times_increase_through_the_cycle(
        datasets: dict[Path, Dataset], ground_truth: list[dict[str, Any]],
        faults: dict[str, Any]) -> None:
    damaged = len(faults["truncated"]) + len(faults["corrupt"])
    cine = {uid for r in ground_truth for uid, view in r["series"].items()
            if view.endswith("_cine")}
    series = _series_frames(datasets)
    for uid in cine & set(series):
        by_slice: dict[tuple[float, ...], list[tuple[int, int, float | None]]] = defaultdict(list)
        for order, k, ipp, _, trigger in series[uid]:
            by_slice[tuple(np.round(ipp, 2))].append((order, k, trigger))
        for frames in by_slice.values():
            times = [t for _, _, t in sorted(frames)]
            if None in times:
                continue  # the injected series without TriggerTime
            # 20 to 30 phases, less any frame whose file was damaged on purpose
            assert 20 - damaged <= len(times) <= 30
            assert all(b > a for a, b in itertools.pairwise(times)), str(times)


def test_one_series_lost_its_trigger_times(datasets: dict[Path, Dataset],
                                           faults: dict[str, Any]) -> None:
    study = faults["missing_trigger_time"][0]
    missing = {ds.SeriesInstanceUID for ds in datasets.values()
               if ds.StudyInstanceUID == study and ds.get("Modality") == "MR"
               and ds.get("CardiacNumberOfImages", 1) > 1 and "TriggerTime" not in ds
               and "PerFrameFunctionalGroupsSequence" not in ds}
    assert len(missing) == 1
