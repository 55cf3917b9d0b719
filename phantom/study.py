"""Generate one synthetic study: heart, exam, pixels, DICOM files, report and ground truth."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.uid import generate_uid

from cmr_search.vocab import Diagnosis, Finding, Severity, Sex
from phantom.acquisition import acquire
from phantom.body import sample_habitus
from phantom.dicom_writer import (
    StudyIdentity,
    write_classic_series,
    write_enhanced_series,
    write_text_sr,
)
from phantom.geometry import sample_pose
from phantom.grading import grade
from phantom.measure import Measurements, measure
from phantom.population import body_surface_area, sample_anatomy
from phantom.protocol import Protocol, SeriesPlan, plan_protocol
from phantom.render import Scene
from phantom.reports import Report, ReportFacts, write_report
from phantom.vendors import VENDORS, SeriesKind

_NO_CONTRAST_OK = (Diagnosis.NORMAL, Diagnosis.AORTOPATHY, Diagnosis.PERICARDITIS,
                   Diagnosis.HYPERTENSIVE)


class ReportFormat(StrEnum):
    """Where a study's report is written; MIXED picks one of the others per study."""

    TXT = "txt"
    JSONL = "jsonl"
    SR = "sr"
    MIXED = "mixed"
    NONE = "none"


@dataclass(frozen=True)
class PatientRecord:
    patient_id: str
    patient_name: str
    sex: Sex
    birth_date: date
    height_cm: float
    weight_kg: float
    diagnosis: Diagnosis
    anatomy_seed: int


@dataclass(frozen=True)
class StudyJob:
    """Everything needed to generate one study independently of the others."""

    archive_seed: int
    index: int
    patient: PatientRecord
    study_date: date
    accession_number: str
    report_format: ReportFormat
    out: Path
    drop_trigger_time: bool = False


def _uid_factory(seed: int, index: int) -> Any:
    def uid(key: str) -> str:
        return str(generate_uid(entropy_srcs=[f"cmr-search-phantom:{seed}:{index}:{key}"]))
    return uid


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "series"


def _series_folder(study_dir: Path, protocol: Protocol, plan: SeriesPlan) -> Path:
    vendor = protocol.vendor.value
    if vendor == "siemens":
        return study_dir / f"{_safe(plan.description).upper()}_{plan.series_number:04d}"
    if vendor == "ge":
        return study_dir / f"Ser{plan.series_number:04d}"
    return study_dir / "DICOM" / f"{plan.series_number:02d}_{_safe(plan.description)}"


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _technique(protocol: Protocol, contrast: bool, rng: np.random.Generator) -> str:
    scanner = f"{protocol.model.field_strength_t:.1f} T {protocol.manufacturer.split()[0].title()}"
    text = (f"CMR on a {scanner} {protocol.model.name}. Cine SSFP imaging in short-axis and "
            "long-axis planes.")
    if contrast:
        agent = ("gadobutrol 0.1 mmol/kg", "gadoterate 0.2 mmol/kg", "0.15 mmol/kg gadolinium")
        text += (f" Late gadolinium enhancement imaging after {agent[int(rng.integers(3))]}.")
    return text


def _facts(patient: PatientRecord, findings: dict[Finding, Severity], m: Measurements,
           scene: Scene, contrast: bool, technique: str) -> ReportFacts:
    a = scene.anatomy
    patterns = tuple(dict.fromkeys(s.pattern.value for s in a.scars))
    return ReportFacts(patient.diagnosis, findings, m, patterns,
                       a.territory.value if a.territory else None, contrast, technique)


def _write_report(job: StudyJob, study_dir: Path, report: Report, who: StudyIdentity,
                  protocol: Protocol, uid: Any) -> ReportFormat:
    fmt = job.report_format
    if fmt == ReportFormat.TXT:
        (study_dir / "report.txt").write_text(report.text, encoding="utf-8")
    elif fmt == ReportFormat.SR:
        write_text_sr(study_dir / "SR" / "report.dcm", who, protocol, report.sections, uid, 999)
    elif fmt == ReportFormat.JSONL:
        # the archive gathers these lines into reports.jsonl
        line = {"accession_number": job.accession_number, "report": report.text}
        (study_dir / ".report.jsonl.part").write_text(json.dumps(line), encoding="utf-8")
    return fmt


def generate_study(job: StudyJob) -> dict[str, Any]:
    """Write one study below `job.out`; returns its ground-truth record."""
    p = job.patient
    anatomy_rng = np.random.default_rng([job.archive_seed, p.anatomy_seed])
    rng = np.random.default_rng([job.archive_seed, p.anatomy_seed, job.index])
    age = _age(p.birth_date, job.study_date)
    bsa = body_surface_area(p.height_cm, p.weight_kg)
    anatomy = sample_anatomy(anatomy_rng, p.diagnosis, p.sex, age, bsa)
    pose = sample_pose(anatomy_rng)
    habitus = sample_habitus(anatomy_rng, p.weight_kg / (p.height_cm / 100) ** 2)
    # heart rate differs between visits
    anatomy = replace(anatomy, heart_rate_bpm=float(np.clip(
        anatomy.heart_rate_bpm + rng.normal(scale=4.0), 45.0, 115.0)))
    scene = Scene(anatomy, pose, habitus)
    contrast = p.diagnosis not in _NO_CONTRAST_OK or rng.random() > 0.08
    protocol = plan_protocol(rng, scene, contrast)
    cine = next(s for s in protocol.series if s.kind is SeriesKind.SAX_CINE)
    measurements = measure(anatomy, np.asarray(cine.phases))
    findings = grade(measurements, anatomy, p.sex, bsa)
    uid = _uid_factory(job.archive_seed, job.index)
    who = StudyIdentity(
        patient_name=p.patient_name, patient_id=p.patient_id, birth_date=p.birth_date,
        sex=p.sex, age_years=age, height_m=p.height_cm / 100, weight_kg=p.weight_kg,
        study_instance_uid=uid("study"), frame_of_reference_uid=uid("for"),
        accession_number=job.accession_number, study_date=job.study_date,
        study_time=f"{int(rng.integers(7, 19)):02d}{int(rng.integers(60)):02d}00",
    )
    study_dir = job.out / p.patient_id / f"{job.study_date:%Y%m%d}_{job.accession_number}"
    series_views: dict[str, str] = {}
    lax_cines = [s for s in protocol.series if s.kind.value.endswith("cine")
                 and s.kind is not SeriesKind.SAX_CINE and not s.multiframe]
    drop_target = lax_cines[0].series_number if (job.drop_trigger_time and lax_cines) else -1
    style = VENDORS[protocol.vendor]
    for plan in protocol.series:
        pixels, _ = acquire(scene, protocol, plan, rng)
        folder = _series_folder(study_dir, protocol, plan)

        def name(instance: int, _n: int = plan.series_number) -> str:
            return style.file_pattern.format(series=_n, instance=instance)

        if plan.multiframe:
            write_enhanced_series(folder, who, protocol, plan, pixels, anatomy.heart_rate_bpm,
                                  uid, name)
        else:
            write_classic_series(folder, who, protocol, plan, pixels, anatomy.heart_rate_bpm,
                                 uid, name, drop_trigger_time=plan.series_number == drop_target)
        view = plan.kind.value if plan.kind.value in _PRODUCT_VIEWS else "other"
        series_views[uid(f"series{plan.series_number}")] = view
    technique = _technique(protocol, contrast, rng)
    report = write_report(rng, _facts(p, findings, measurements, scene, contrast, technique))
    report_format = _write_report(job, study_dir, report, who, protocol, uid)
    return {
        "study_instance_uid": who.study_instance_uid,
        "accession_number": job.accession_number,
        "patient_id": p.patient_id,
        "study_date": f"{job.study_date:%Y-%m-%d}",
        "diagnosis": p.diagnosis.value,
        "findings": {f.value: s.value for f, s in findings.items()},
        "measurements": measurements.as_dict(),
        "series": series_views,
        "study_dir": str(study_dir.relative_to(job.out)),
        "vendor": protocol.vendor.value,
        "field_strength_t": protocol.model.field_strength_t,
        "contrast_given": contrast,
        "lge_patterns": [s.pattern.value for s in anatomy.scars],
        "territory": anatomy.territory.value if anatomy.territory else None,
        "report_format": report_format.value,
        "report_style": report.style.value,
        "impression": report.impression,
        "impression_omits": [f.value for f in report.omitted],
        "trigger_time_dropped": drop_target != -1,
        "misregistered_series": [s.series_number for s in protocol.series
                                 if any(x is not None for x in s.shifts_mm)],
    }


_PRODUCT_VIEWS = {k.value for k in SeriesKind} - {"localizer", "ti_scout", "t1_map"}
