"""Image findings decided by trustworthy measurements, by the model elsewhere, and why."""

from __future__ import annotations

from catalog import FindingSource
from cmr_search.vocab import Finding
from indexer.findings import decide, measurement_fields
from indexer.records import MeasurementRecord


def _record(flags: dict[str, list[str]] | None = None) -> MeasurementRecord:
    return MeasurementRecord("1.2.3", "f" * 32, "model", values={
        "lvef_pct": 28.0, "lvedv_ml": 250.0, "rvef_pct": 55.0, "max_wall_thickness_mm": 9.0,
        "lvedvi_ml_per_m2": 130.0}, flags=flags or {})


def test_a_clean_measurement_decides_and_explains_in_numbers() -> None:
    out = decide({Finding.LV_SYSTOLIC_DYSFUNCTION: 0.1}, _record(), "M")
    assert "lv_systolic_dysfunction" in out["image_findings"]
    assert out["image_finding_source"]["lv_systolic_dysfunction"] is FindingSource.MEASUREMENTS
    assert out["finding_evidence"]["lv_systolic_dysfunction"].startswith("measured LVEF 28 %")


def test_a_flagged_measurement_leaves_the_finding_to_the_model_and_says_so() -> None:
    out = decide({Finding.LV_SYSTOLIC_DYSFUNCTION: 0.1}, _record({"lvef_pct": ["lv_not_closed"]}),
                 "M")
    assert "lv_systolic_dysfunction" not in out["image_findings"]
    assert out["image_finding_source"]["lv_systolic_dysfunction"] is FindingSource.MODEL
    assert "QC-flagged" in out["finding_evidence"]["lv_systolic_dysfunction"]
    fields = measurement_fields(_record({"lvef_pct": ["lv_not_closed"]}), "M")
    assert fields["flagged_measurements"] == ["lvef_pct"]
    assert "lv_systolic_dysfunction" not in fields["measured_findings"]
