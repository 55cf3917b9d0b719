"""Generate a whole synthetic archive: patients, serial studies, parallel workers, ground truth."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from cmr_search.vocab import Sex
from phantom.faults import inject_faults
from phantom.population import DEMOGRAPHY, sample_diagnosis
from phantom.study import PatientRecord, ReportFormat, StudyJob, generate_study

logger = logging.getLogger(__name__)

GROUND_TRUTH = "ground_truth.jsonl"
REPORTS_JSONL = "reports.jsonl"
_FIRST_DATE, _LAST_DATE = date(2008, 1, 1), date(2025, 12, 31)
_FOLLOW_UP_SHARE = 0.15
_GIVEN = ("ANNA", "BEN", "CARLA", "DAVID", "EMMA", "FELIX", "GRACE", "HUGO", "IRIS", "JONAS",
          "KATE", "LIAM", "MIA", "NOAH", "OLGA", "PETER", "QUINN", "RUTH", "SAM", "TARA",
          "URSULA", "VICTOR", "WENDY", "XAVIER", "YARA", "ZOE")
_FAMILY = ("ALVAREZ", "BERG", "CHEN", "DUBOIS", "EKSTROM", "FISCHER", "GARCIA", "HANSEN",
           "IVANOVA", "JENSEN", "KOWALSKI", "LARSEN", "MORENO", "NAKAMURA", "OKAFOR", "PETROV",
           "QUINTERO", "ROSSI", "SILVA", "TANAKA", "UDDIN", "VOGEL", "WEBER", "YILMAZ")


@dataclass(frozen=True)
class SynthConfig:
    """What to generate: `studies` studies into `out`, reproducibly from `seed`."""

    out: Path
    studies: int
    seed: int = 0
    faults: bool = False
    report_format: ReportFormat = ReportFormat.MIXED
    workers: int = 0  # 0: one per CPU core

    def __post_init__(self) -> None:
        if self.studies < 1:
            raise ValueError(f"need at least one study, got {self.studies}")
        if self.report_format is ReportFormat.NONE:
            raise ValueError("report format 'none' is only used for injected faults")


def _new_patient(rng: np.random.Generator, number: int) -> PatientRecord:
    diagnosis = sample_diagnosis(rng)
    low, high, male_share = DEMOGRAPHY[diagnosis]
    sex = Sex.MALE if rng.random() < male_share else Sex.FEMALE
    age_at_first = int(rng.integers(low, high + 1))
    first_year = int(rng.integers(_FIRST_DATE.year, _LAST_DATE.year + 1))
    birth = date(first_year - age_at_first, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    height = float(rng.normal(177.0 if sex is Sex.MALE else 164.0, 7.0))
    bmi = float(np.clip(rng.normal(26.5, 4.5), 17.0, 45.0))
    name = f"{_FAMILY[int(rng.integers(len(_FAMILY)))]}^{_GIVEN[int(rng.integers(len(_GIVEN)))]}"
    return PatientRecord(
        patient_id=f"SYN{number:06d}", patient_name=name, sex=sex, birth_date=birth,
        height_cm=height, weight_kg=bmi * (height / 100) ** 2, diagnosis=diagnosis,
        anatomy_seed=int(rng.integers(2**31)),
    )


def _random_date(rng: np.random.Generator, start: date, end: date) -> date:
    return start + timedelta(days=int(rng.integers(0, max((end - start).days, 1))))


def plan_jobs(config: SynthConfig) -> list[StudyJob]:
    """Assign studies to patients (some have serial exams) with dates, accessions and formats."""
    rng = np.random.default_rng([config.seed, 0xA5C])
    patients: list[tuple[PatientRecord, date]] = []
    jobs = []
    formats = [ReportFormat.TXT, ReportFormat.JSONL, ReportFormat.SR]
    for index in range(config.studies):
        if patients and rng.random() < _FOLLOW_UP_SHARE:
            k = int(rng.integers(len(patients)))
            patient, last = patients[k]
            study_date = _random_date(rng, last + timedelta(days=120), _LAST_DATE + timedelta(1))
            if study_date <= last:
                study_date = last + timedelta(days=1)
        else:
            patient = _new_patient(rng, len(patients) + 1)
            study_date = _random_date(rng, max(_FIRST_DATE, patient.birth_date + timedelta(
                days=365 * 16)), _LAST_DATE)
            patients.append((patient, study_date))
            k = len(patients) - 1
        patients[k] = (patient, max(study_date, patients[k][1]))
        fmt = config.report_format
        if fmt is ReportFormat.MIXED:
            fmt = formats[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
        jobs.append(StudyJob(
            archive_seed=config.seed, index=index, patient=patient, study_date=study_date,
            accession_number=f"A{config.seed % 100:02d}{index + 1:07d}", report_format=fmt,
            out=config.out,
        ))
    return jobs


def _gather_jsonl_reports(out: Path) -> int:
    parts = sorted(out.glob("*/*/.report.jsonl.part"))
    with (out / REPORTS_JSONL).open("w", encoding="utf-8") as sink:
        for part in parts:
            sink.write(part.read_text(encoding="utf-8") + "\n")
            part.unlink()
    return len(parts)


@dataclass(frozen=True)
class SynthSummary:
    out: Path
    studies: int
    seconds: float
    bytes_total: int
    faults: dict[str, Any]

    @property
    def mb_per_study(self) -> float:
        return self.bytes_total / self.studies / 1e6


def generate_archive(config: SynthConfig,
                     progress: Callable[[int, int], None] | None = None) -> SynthSummary:
    """Write the archive and `ground_truth.jsonl`; `progress(done, total)` after each study."""
    started = time.perf_counter()
    config.out.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(config)
    if config.faults and jobs:
        # a study without report and a series without TriggerTime are decided up front
        jobs[len(jobs) // 3] = replace(jobs[len(jobs) // 3], report_format=ReportFormat.NONE)
        jobs[len(jobs) // 2] = replace(jobs[len(jobs) // 2], drop_trigger_time=True)
    workers = config.workers or os.cpu_count() or 1
    records: list[dict[str, Any]] = []
    if workers == 1:
        for job in jobs:
            records.append(generate_study(job))
            if progress:
                progress(len(records), len(jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for record in pool.map(generate_study, jobs, chunksize=1):
                records.append(record)
                if progress:
                    progress(len(records), len(jobs))
    _gather_jsonl_reports(config.out)
    with (config.out / GROUND_TRUTH).open("w", encoding="utf-8") as sink:
        for record in records:
            sink.write(json.dumps(record) + "\n")
    faults = inject_faults(config.out, records, config.seed) if config.faults else {}
    size = sum(f.stat().st_size for f in config.out.rglob("*") if f.is_file())
    summary = SynthSummary(config.out, len(records), time.perf_counter() - started, size, faults)
    logger.info("wrote %d studies to %s in %.1f s", summary.studies, config.out, summary.seconds)
    return summary


