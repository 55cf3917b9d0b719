"""Tiny hand-written studies (payloads as the indexer writes them) in an embedded or memory
store, for the engine's decisions on measured grades, QC flags and score sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakes.encoder import DIM, FakeEncoder, unit

from catalog import INDEX_VERSION, STUDY, StudyPayload, dense_sizes, point_id, store_schema
from search import SearchEngine
from vectorstore import EdgeStore, MemoryStore, StorePoint, VectorStore


def study(uid: str, *, report: str = "", report_negated: tuple[str, ...] = (),
          values: dict[str, float] | None = None, flagged: tuple[str, ...] = (),
          severity: dict[str, str] | None = None, source: dict[str, str] | None = None,
          scores: dict[str, float] | None = None,
          image_findings: tuple[str, ...] = ()) -> dict[str, Any]:
    """One study's payload: `severity` the measured grades (their findings shown), `source`
    what decided each image finding."""
    return StudyPayload(
        study_instance_uid=uid, patient_key=f"key-{uid}", views=["sax_cine"],
        has_report=bool(report), report_status="present" if report else "missing",
        impression=report, report=report, report_negated=list(report_negated),
        measurement_status="measured" if values else "missing",
        measurements=values or {}, flagged_measurements=list(flagged),
        measurement_flags={m: ["qc"] for m in flagged},
        measured_findings=sorted(severity or {}), measured_severity=severity or {},
        image_finding_source=source or {}, image_scores=scores or {},
        image_findings=sorted({*image_findings, *(severity or {})})).as_payload()


def store_of(payloads: list[dict[str, Any]], kind: str, folder: Path) -> VectorStore:
    """`payloads` in a store of `kind` ("edge" or "memory"), as built by the fake encoder."""
    store: VectorStore = EdgeStore(folder) if kind == "edge" else MemoryStore()
    store.ensure(store_schema(dense_sizes(DIM, DIM)),
                 {"model": FakeEncoder().identity.as_dict(), "index_version": INDEX_VERSION})
    store.upsert([StorePoint(point_id(p["study_instance_uid"]),
                             {STUDY: unit(f"study:{p['study_instance_uid']}")}, {}, p)
                  for p in payloads])
    return store


def engine_of(payloads: list[dict[str, Any]], kind: str, folder: Path) -> SearchEngine:
    return SearchEngine(store_of(payloads, kind, folder), FakeEncoder())
