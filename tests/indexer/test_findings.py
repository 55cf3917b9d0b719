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


def test_a_regional_wall_motion_abnormality_is_an_image_finding_of_the_measurements() -> None:
    record = _record()
    record.values["lv_hypokinetic_wall_pct"] = 40.5
    out = decide({}, record, "F")
    assert "regional_wall_motion_abnormality" in out["image_findings"]
    assert out["image_finding_source"]["regional_wall_motion_abnormality"] is (
        FindingSource.MEASUREMENTS)
    assert out["finding_evidence"]["regional_wall_motion_abnormality"] == (
        "measured hypokinetic LV wall 40.5 %, above 40 (severe)")
    fields = measurement_fields(record, "F")
    assert fields["measurements"]["lv_hypokinetic_wall_pct"] == 40.5
    assert fields["measured_severity"]["regional_wall_motion_abnormality"] == "severe"
    # a study whose regional motion could not be measured gets no such finding either way
    assert "regional_wall_motion_abnormality" not in decide({}, _record(), "F")[
        "image_finding_source"]


def test_an_uncalibrated_score_decides_nothing_and_says_it_is_no_probability() -> None:
    """Without reports the score is a fixed squashing of the raw one: at 0.95, shown as a
    probability, it called hypertrophic hearts with an LVEF of 82 % (QC-flagged)
    dysfunctional."""
    doubted = _record({"lvef_pct": ["lv_not_closed"]})
    doubted.values["lvef_pct"] = 82.0
    scores = {Finding.LV_SYSTOLIC_DYSFUNCTION: 0.95, Finding.LV_DILATION: 0.9}
    out = decide(scores, doubted, "M", calibrated=frozenset({Finding.LV_DILATION}))
    assert "lv_systolic_dysfunction" not in out["image_findings"]
    assert out["image_finding_source"]["lv_systolic_dysfunction"] is FindingSource.UNCALIBRATED
    evidence = out["finding_evidence"]["lv_systolic_dysfunction"]
    assert evidence.startswith("not decided: too few reports")
    assert "82 %" in evidence and "QC-flagged" in evidence
    assert out["image_finding_source"]["lv_dilation"] is FindingSource.MEASUREMENTS
    # calibrated, the same score decides as before
    assert "lv_systolic_dysfunction" in decide(scores, doubted, "M")["image_findings"]


def test_a_doubted_measured_only_finding_says_so_instead_of_not_modelled() -> None:
    record = _record()
    record.values["lv_hypokinetic_wall_pct"] = 33.3
    record.flags["lv_hypokinetic_wall_pct"] = ["es_not_smallest"]
    out = decide({}, record, "F")
    assert "regional_wall_motion_abnormality" not in out["image_findings"]
    assert "regional_wall_motion_abnormality" not in out["image_finding_source"]
    assert out["finding_evidence"]["regional_wall_motion_abnormality"] == (
        "measured hypokinetic LV wall 33.3 %, above 25 (moderate) but QC-flagged: not decided")


def test_a_value_no_heart_has_is_not_measurable_not_a_severe_grade_in_the_evidence() -> None:
    """ACDC patient083's RV systolic dysfunction read "measured RVEF -8.4 %, below 30
    (severe) but QC-flagged" on its study page."""
    record = _record({"rvef_pct": ["rv_ed_es_unclear", "ef_out_of_range"]})
    record.values["rvef_pct"] = -8.4
    out = decide({Finding.RV_SYSTOLIC_DYSFUNCTION: 0.2}, record, "M")
    evidence = out["finding_evidence"]["rv_systolic_dysfunction"]
    # its QC flags as the pages say them (it stored "rv ed es unclear, ef out of range")
    assert evidence == ("model probability 0.20; RVEF not measurable (RV ED ES unclear, EF out "
                        "of range)")
    assert "rv_systolic_dysfunction" not in out["image_findings"]
    assert measurement_fields(record, "M")["measurements"]["rvef_pct"] == -8.4  # kept raw


def test_a_value_no_heart_has_is_doubted_though_no_check_flagged_it() -> None:
    """An RVEF of -8.4 % that no QC flag doubted (a record measured before the check) was
    graded severe RV dysfunction from the measurements, "measured RVEF -8.4 %, below 30
    (severe)", and passed an RVEF filter, while its page said "not measurable"."""
    record = _record()
    record.values["rvef_pct"] = -8.4
    out = decide({Finding.RV_SYSTOLIC_DYSFUNCTION: 0.2}, record, "M")
    assert "rv_systolic_dysfunction" not in out["image_findings"]
    assert out["finding_evidence"]["rv_systolic_dysfunction"] == (
        "model probability 0.20; RVEF not measurable (no heart has this value)")
    fields = measurement_fields(record, "M")
    assert fields["flagged_measurements"] == ["rvef_pct"]  # no filter takes it
    assert "rv_systolic_dysfunction" not in fields["measured_findings"]
    assert fields["measurements"]["rvef_pct"] == -8.4 and fields["measurement_flags"] == {}
