"""A small index with known payloads, built with a deterministic fake encoder (no model)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cmrclip.checkpoint import ModelIdentity
from indexer.clips import ClipSpec, StudyClips
from indexer.embed import IMPRESSION, KEYWORDS, REPORT, STUDY, VIEW_VECTORS, TextVectors
from indexer.points import INDEX_VERSION, keyword_document, point_id, store_schema
from indexer.store import EdgeStore, StorePoint

DIM = 16


def _unit(seed: str) -> np.ndarray:
    rng = np.random.default_rng(int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16))
    v = rng.normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


class FakeEncoder:
    """Bag of hashed words; finding directions are fixed random unit vectors."""

    identity = ModelIdentity("fake", "0" * 64, DIM, "spec-1", "1" * 64)
    key = "fake-000000000000"
    spec = ClipSpec()

    def encode_texts(self, texts: list[str]) -> TextVectors:
        rows = []
        for text in texts:
            v = sum((_unit(w) for w in text.lower().split()), np.zeros(DIM, np.float32))
            rows.append(v / (np.linalg.norm(v) or 1.0))
        array = np.stack(rows).astype(np.float32)
        return TextVectors(array, array)

    def encode_clips(self, clips: list[StudyClips]) -> list[dict[str, np.ndarray]]:
        return [{STUDY: _unit(c.study_instance_uid)} for c in clips]

    def finding_directions(self) -> dict[str, np.ndarray]:
        return {f: _unit(f"finding:{f}") for f in ("lv_systolic_dysfunction",
                "rv_systolic_dysfunction", "lv_dilation", "rv_dilation", "lv_hypertrophy",
                "lge", "aortic_dilation")}


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


CASES = [
    Case("1.1", "p1", "2021-03-01", "Transmural LGE in the LAD territory. Dilated LV.",
         ("lge", "lv_dilation"), image_findings=("lge",), age=61, sex="M"),
    Case("1.2", "p1", "2023-05-01", "Extensive LGE. Dilated LV with severe dysfunction.",
         ("lge", "lv_dilation", "lv_systolic_dysfunction"),
         severity={"lv_systolic_dysfunction": "severe"}, image_findings=("lge",), age=63,
         sex="M"),
    Case("2.1", "p2", "2020-01-01", "No LGE. Normal LV size and function.", (),
         ("lge", "lv_dilation", "lv_systolic_dysfunction"), age=35),
    Case("3.1", "p3", "2019-06-01", "Mild LV systolic dysfunction. No LGE.",
         ("lv_systolic_dysfunction",), ("lge",), {"lv_systolic_dysfunction": "mild"},
         vendor="philips"),
    Case("4.1", "p4", "2022-02-01", "Severe LV systolic dysfunction. Patchy LGE.",
         ("lv_systolic_dysfunction", "lge"), (), {"lv_systolic_dysfunction": "severe"},
         image_findings=("lv_systolic_dysfunction",), age=70, vendor="ge"),
    Case("5.1", "p5", "2018-01-01", None, image_findings=("lge",), age=44),
    Case("6.1", "p6", "2024-01-01", None, age=80, sex="M"),
    Case("7.1", "p7", "2017-07-07", "Small pericardial effusion. No LGE.",
         ("pericardial_effusion",), ("lge",), age=22, vendor="philips"),
]


def payload(case: Case) -> dict[str, Any]:
    report = case.report or ""
    return {
        "study_instance_uid": case.uid, "patient_key": f"key-{case.patient}",
        "study_date": f"{case.date}T00:00:00Z", "age": case.age, "sex": case.sex,
        "vendor": case.vendor, "manufacturer": case.vendor.upper(), "field_strength": 1.5,
        "views": ["sax_cine", "4ch_cine"] + (["lge_sax"] if case.uid != "6.1" else []),
        "has_report": case.report is not None,
        "report_status": "present" if case.report is not None else "missing",
        "impression": report, "report": report,
        "report_findings": list(case.report_findings),
        "report_negated": list(case.report_negated), "report_uncertain": [],
        "report_severity": case.severity or {},
        "report_sentences": {f: s.strip() + "." for f in (*case.report_findings,
                             *case.report_negated) for s in report.split(".")
                             if f.split("_")[0] in s.lower()},
        "report_diagnoses": [],
        "image_findings": list(case.image_findings),
        "image_scores": {f: (0.9 if f in case.image_findings else 0.1)
                         for f in FakeEncoder().finding_directions()},
        "previews": {"sax": f"previews/{case.uid}.webp"},
    }


def build(folder: Path, cases: list[Case]) -> EdgeStore:
    encoder = FakeEncoder()
    sizes = {STUDY: DIM, IMPRESSION: DIM, REPORT: DIM,
             **{name: DIM for name in VIEW_VECTORS.values()}}
    store = EdgeStore(folder)
    store.ensure(store_schema(sizes), {"model": encoder.identity.as_dict(),
                                       "index_version": INDEX_VERSION})
    points = []
    for case in cases:
        dense = {STUDY: _unit(f"study:{case.uid}"),
                 VIEW_VECTORS["sax_mid"]: _unit(f"sax:{case.uid}"),
                 VIEW_VECTORS["4ch"]: _unit(f"4ch:{case.patient}")}
        if case.uid != "6.1":
            dense[VIEW_VECTORS["lge_sax"]] = _unit(f"lge:{case.uid}")
        sparse = {}
        if case.report:
            dense[REPORT] = encoder.encode_texts([case.report]).own[0]
            dense[IMPRESSION] = dense[REPORT]
            sparse[KEYWORDS] = keyword_document(case.report)
        points.append(StorePoint(point_id(case.uid), dense, sparse, payload(case)))
    store.upsert(points)
    return store
