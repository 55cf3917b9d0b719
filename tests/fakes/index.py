"""A small index with known payloads, in any store, built with the fake encoder (no model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakes.encoder import DIM, FakeEncoder, unit

from catalog import (
    IMPRESSION,
    INDEX_VERSION,
    KEYWORDS,
    MEASURES,
    REPORT,
    STUDY,
    VIEW_VECTORS,
    StudyPayload,
    dense_sizes,
    measurement_vector,
    point_id,
    store_schema,
)
from cmr_search.vocab import ClipSlot, Finding, Measure
from indexer.findings import measurement_fields
from indexer.records import MeasurementRecord
from vectorstore import StorePoint, VectorStore
from vectorstore.keywords import keyword_document


@dataclass
class Case:
    uid: str
    patient: str
    date: str
    report: str | None
    report_findings: tuple[str, ...] = ()
    report_negated: tuple[str, ...] = ()
    severity: dict[str, str] | None = None
    image_findings: tuple[str, ...] = ()
    age: int = 50
    sex: str = "F"
    vendor: str = "siemens"
    measured: dict[str, float] | None = None  # Measure value -> number
    flagged: tuple[str, ...] = ()  # measurements a QC check doubts


CASES = [
    Case("1.1", "p1", "2021-03-01", "Transmural LGE in the LAD territory. Dilated LV.",
         ("lge", "lv_dilation"), image_findings=("lge",), age=61, sex="M"),
    Case("1.2", "p1", "2023-05-01", "Extensive LGE. Dilated LV with severe dysfunction.",
         ("lge", "lv_dilation", "lv_systolic_dysfunction"),
         severity={"lv_systolic_dysfunction": "severe"}, image_findings=("lge",), age=63,
         sex="M", measured={"lvef_pct": 25.0, "lvedvi_ml_per_m2": 130.0, "lv_mass_g": 180.0,
                            "max_wall_thickness_mm": 10.0}),
    Case("2.1", "p2", "2020-01-01", "No LGE. Normal LV size and function.", (),
         ("lge", "lv_dilation", "lv_systolic_dysfunction"), age=35),
    Case("3.1", "p3", "2019-06-01", "Mild LV systolic dysfunction. No LGE.",
         ("lv_systolic_dysfunction",), ("lge",), {"lv_systolic_dysfunction": "mild"},
         vendor="philips"),
    Case("4.1", "p4", "2022-02-01", "Severe LV systolic dysfunction. Patchy LGE.",
         ("lv_systolic_dysfunction", "lge"), (), {"lv_systolic_dysfunction": "severe"},
         image_findings=("lv_systolic_dysfunction",), age=70, vendor="ge",
         measured={"lvef_pct": 30.0, "lv_mass_g": 140.0}, flagged=("lvef_pct",)),
    Case("5.1", "p5", "2018-01-01", None, image_findings=("lge",), age=44,
         measured={"lvef_pct": 62.0, "lv_mass_g": 120.0, "lvedvi_ml_per_m2": 80.0,
                   "lvedv_ml": 140.0, "rvef_pct": 55.0, "rvedv_ml": 150.0,
                   "max_wall_thickness_mm": 9.0, "lv_hypokinetic_wall_pct": 0.0}),
    Case("6.1", "p6", "2024-01-01", None, age=80, sex="M",
         measured={"lvef_pct": 33.0, "lvedvi_ml_per_m2": 125.0, "lv_mass_g": 160.0,
                   "lv_hypokinetic_wall_pct": 35.0}),
    Case("7.1", "p7", "2017-07-07", "Small pericardial effusion. No LGE.",
         ("pericardial_effusion",), ("lge",), age=22, vendor="philips"),
]


SEGMENTATION_MODEL = "sax-test"  # the measurement records' folder of measured cases


def fingerprint(case: Case) -> str:
    return "fp" + case.uid.replace(".", "")


def _graded(case: Case) -> dict[str, Any]:
    """What the indexer grades from the case's measurements (its own code, flags included)."""
    record = MeasurementRecord(case.uid, fingerprint(case), SEGMENTATION_MODEL,
                               values=dict(case.measured or {}),
                               flags={m: ["ef_out_of_range"] for m in case.flagged},
                               lv_curve_ml=[110.0, 70.0, 55.0, 80.0, 120.0],
                               rv_curve_ml=[120.0, 80.0, 60.0, 90.0, 125.0], ed=4, es=2)
    return measurement_fields(record, case.sex)


def measured_findings(case: Case) -> list[str]:
    return list(_graded(case).get("measured_findings", []))


def payload(case: Case) -> dict[str, Any]:
    report = case.report or ""
    return StudyPayload(
        study_instance_uid=case.uid, patient_key=f"key-{case.patient}",
        study_date=f"{case.date}T00:00:00Z", age=case.age, sex=case.sex, vendor=case.vendor,
        manufacturer=case.vendor.upper(), field_strength=1.5,
        views=["sax_cine", "4ch_cine"] + (["lge_sax"] if case.uid != "6.1" else []),
        has_report=case.report is not None,
        report_status="present" if case.report is not None else "missing",
        impression=report, report=report, report_findings=list(case.report_findings),
        report_negated=list(case.report_negated), report_severity=case.severity or {},
        report_sentences={f: s.strip() + "." for f in (*case.report_findings,
                          *case.report_negated) for s in report.split(".")
                          if f.split("_")[0] in s.lower()},
        image_findings=list(case.image_findings),
        image_scores={f: (0.9 if f in case.image_findings else 0.1)
                      for f in FakeEncoder().finding_directions()
                      if f != "lge" or case.uid != "6.1"},  # LGE only with LGE images
        image_finding_source={f: "model" for f in FakeEncoder().finding_directions()
                              if f != "lge" or case.uid != "6.1"},
        previews={"sax": f"previews/{case.uid}.webp"},
        measurement_status="measured" if case.measured else "missing",
        fingerprint=fingerprint(case),
        segmentation_model=SEGMENTATION_MODEL if case.measured else "",
        measurements=case.measured or {}, flagged_measurements=list(case.flagged),
        measured_findings=[Finding(f) for f in measured_findings(case)],
        measured_severity=_graded(case).get("measured_severity", {}),
        measurement_flags={m: ["ef_out_of_range"] for m in case.flagged},
        volume_curves=_graded(case).get("volume_curves")).as_payload()


def build(store: VectorStore, cases: list[Case]) -> VectorStore:
    """`store` filled with one point per case, recorded as built by the fake encoder."""
    encoder = FakeEncoder()
    store.ensure(store_schema(dense_sizes(DIM, DIM)), {"model": encoder.identity.as_dict(),
                                                       "index_version": INDEX_VERSION})
    points = []
    for case in cases:
        dense = {STUDY: unit(f"study:{case.uid}"),
                 VIEW_VECTORS[ClipSlot.SAX_MID]: unit(f"sax:{case.uid}"),
                 VIEW_VECTORS[ClipSlot.CH4]: unit(f"4ch:{case.patient}")}
        if case.uid != "6.1":
            dense[VIEW_VECTORS[ClipSlot.LGE_SAX]] = unit(f"lge:{case.uid}")
        if case.measured:
            vector = measurement_vector({Measure(k): v for k, v in case.measured.items()},
                                        case.sex)
            assert vector is not None
            dense[MEASURES] = vector
        sparse = {}
        if case.report:
            dense[REPORT] = encoder.encode_texts([case.report]).own[0]
            dense[IMPRESSION] = dense[REPORT]
            sparse[KEYWORDS] = keyword_document(case.report)
        points.append(StorePoint(point_id(case.uid), dense, sparse, payload(case)))
    store.upsert(points)
    return store
