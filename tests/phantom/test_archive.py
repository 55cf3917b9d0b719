"""The archive as a whole: ground truth, report formats, faults, determinism, realistic mix."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.errors import InvalidDicomError

from cmr_search.vocab import CMR_CLIP_FINDINGS, Diagnosis, Finding, Severity
from phantom.archive import REPORTS_JSONL, SynthConfig, generate_archive
from phantom.population import PREVALENCE, sample_diagnosis
from phantom.study import ReportFormat

VIEWS = {"sax_cine", "2ch_cine", "3ch_cine", "4ch_cine", "lvot_cine", "lge_sax", "lge_lax", "other"}


def test_ground_truth_has_every_field(ground_truth: list[dict[str, Any]]) -> None:
    assert len(ground_truth) == 6
    for record in ground_truth:
        assert Diagnosis(record["diagnosis"])
        assert set(record["findings"]) >= {f.value for f in Finding}
        assert all(Severity(s) for s in record["findings"].values())
        assert set(record["measurements"]) >= {
            "lvedv_ml", "lvesv_ml", "lvef_pct", "lv_mass_g", "rvedv_ml", "rvef_pct",
            "max_wall_thickness_mm", "aortic_root_mm"}
        assert set(record["series"].values()) <= VIEWS
        assert "sax_cine" in record["series"].values()
        assert "other" in record["series"].values()  # localizers are always there


def test_each_study_has_its_report_where_its_format_says(
        archive: Path, ground_truth: list[dict[str, Any]]) -> None:
    jsonl = [json.loads(line) for line in (archive / REPORTS_JSONL).read_text().splitlines()]
    by_accession = {line["accession_number"]: line["report"] for line in jsonl}
    for record in ground_truth:
        study = archive / record["study_dir"]
        fmt = record["report_format"]
        found = {
            "txt": (study / "report.txt").exists(),
            "jsonl": record["accession_number"] in by_accession,
            "sr": (study / "SR" / "report.dcm").exists(),
        }
        assert found == {k: k == fmt for k in found}, record["study_dir"]
        if fmt == "sr":
            sr = dcmread(study / "SR" / "report.dcm")
            texts = {item.ConceptNameCodeSequence[0].CodeMeaning: item.TextValue
                     for item in sr.ContentSequence}
            assert texts["Impressions"].strip() == record["impression"].strip()


def test_faults_are_all_present_and_unreadable_where_they_should_be(
        archive: Path, faults: dict[str, Any], ground_truth: list[dict[str, Any]]) -> None:
    assert len(faults["truncated"]) == 3 and len(faults["corrupt"]) == 2
    for name in faults["truncated"] + faults["corrupt"]:
        with pytest.raises((InvalidDicomError, OSError, ValueError, EOFError, KeyError,
                            AttributeError)):
            ds = dcmread(archive / name)
            ds.pixel_array  # noqa: B018 - decoding is what must fail
    for name in faults["non_dicom"]:
        with pytest.raises(InvalidDicomError):
            dcmread(archive / name)
    assert faults["empty_dirs"] and not any((archive / faults["empty_dirs"][0]).iterdir())
    assert len(faults["no_report"]) == 1 and len(faults["duplicate_sop"]) == 2
    no_report = next(r for r in ground_truth if r["study_instance_uid"] in faults["no_report"])
    assert no_report["report_format"] == "none"
    assert not (archive / no_report["study_dir"] / "report.txt").exists()


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.mark.slow
def test_same_seed_gives_the_same_archive_byte_for_byte(tmp_path: Path) -> None:
    runs = []
    for name, workers in (("a", 1), ("b", 2)):
        generate_archive(SynthConfig(tmp_path / name, 2, seed=5, workers=workers,
                                     report_format=ReportFormat.TXT))
        runs.append(_digest(tmp_path / name))
    assert runs[0] == runs[1]
    generate_archive(SynthConfig(tmp_path / "c", 2, seed=6, workers=1,
                                 report_format=ReportFormat.TXT))
    assert _digest(tmp_path / "c") != runs[0]


def test_the_mix_is_mostly_normal_and_rare_diagnoses_are_rare() -> None:
    rng = np.random.default_rng(0)
    counts = Counter(sample_diagnosis(rng) for _ in range(20000))
    assert counts.most_common(1)[0][0] is Diagnosis.NORMAL
    assert 0.35 < counts[Diagnosis.NORMAL] / 20000 < 0.5
    for rare in (Diagnosis.AMYLOIDOSIS, Diagnosis.ARVC):
        assert counts[rare] / 20000 < 0.04
    assert set(counts) == set(PREVALENCE)


def test_cmr_clip_findings_are_covered_by_the_diagnoses() -> None:
    assert len(CMR_CLIP_FINDINGS) == 7
    assert {f.value for f in CMR_CLIP_FINDINGS} <= {f.value for f in Finding}
