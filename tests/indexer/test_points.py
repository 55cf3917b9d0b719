"""From embedding records to points: LGE is scored only where the study has LGE images."""

from __future__ import annotations

import numpy as np

from catalog import StudyPayload
from cmr_search.vocab import Finding
from indexer.points import Platt, calibrate, seen_scores, to_point
from indexer.records import EmbeddingRecord


def _record(uid: str, views: list[str], lge: float, stated: bool = False) -> EmbeddingRecord:
    payload = StudyPayload(study_instance_uid=uid, views=views, has_report=True,
                           report_findings=["lge"] if stated else [])
    vector = np.ones(4, dtype=np.float32) / 2.0
    return EmbeddingRecord(uid, "f" * 32, {"study": vector}, payload,
                           {"lge": lge, "lv_dilation": 0.1})


def test_a_study_without_lge_images_has_no_lge_score_or_finding() -> None:
    cine_only = _record("1.2.3", ["sax_cine", "4ch_cine"], lge=0.9)
    with_lge = _record("1.2.4", ["sax_cine", "lge_sax"], lge=0.9)
    assert set(seen_scores(cine_only)) == {"lv_dilation"}
    assert set(seen_scores(with_lge)) == {"lge", "lv_dilation"}
    calibration = {"lge": Platt(20.0, 0.0, 5, 5), "lv_dilation": Platt(20.0, 0.0, 5, 5)}
    point = to_point(cine_only, calibration).payload
    assert "lge" not in point["image_scores"] and "lge" not in point["image_findings"]
    assert "lge" not in point["image_finding_source"]
    shown = to_point(with_lge, calibration).payload
    assert shown["image_scores"]["lge"] > 0.5 and "lge" in shown["image_findings"]
    assert "lv_dilation" in point["image_scores"]


def test_a_score_calibrated_on_too_few_reports_decides_no_finding() -> None:
    """A research archive has no reports: its scores are no probabilities."""
    record = _record("1.2.4", ["sax_cine", "lge_sax"], lge=0.9)
    calibration = calibrate([record])
    assert not calibration["lge"].fitted
    payload = to_point(record, calibration).payload
    assert payload["image_scores"]["lge"] > 0.5 and "lge" not in payload["image_findings"]
    assert payload["image_finding_source"]["lge"] == "uncalibrated"


def test_the_aorta_is_scored_only_where_a_view_shows_it() -> None:
    """A short-axis-only study (ACDC) showed "aortic dilation 0.99, shown"."""
    def scored(views: list[str]) -> set[str]:
        record = _record("1.2.5", views, lge=0.0)
        record.raw_scores["aortic_dilation"] = 0.9
        return set(seen_scores(record))

    assert "aortic_dilation" not in scored(["sax_cine", "2ch_cine", "4ch_cine"])
    assert "aortic_dilation" in scored(["sax_cine", "3ch_cine"])
    assert "aortic_dilation" in scored(["sax_cine", "lvot_cine"])


def test_the_ventricles_are_scored_only_with_a_short_axis_cine() -> None:
    """A study of long-axis cines only (its short-axis slots empty) scored a normal heart
    1.00 for RV dilation."""
    record = _record("1.2.6", ["4ch_cine", "3ch_cine", "lge_lax"], lge=0.0)
    record.raw_scores.update(rv_dilation=0.9, lv_hypertrophy=0.9, aortic_dilation=0.9)
    assert seen_scores(record) == {}  # the model's mid short-axis slot is empty: no score
    record.payload.views.append("sax_cine")  # type: ignore[arg-type]
    assert {"rv_dilation", "lv_hypertrophy", "lv_dilation"} <= set(seen_scores(record))


def test_the_lge_calibration_learns_from_studies_with_lge_images_only() -> None:
    with_lge = [_record(f"2.{k}", ["sax_cine", "lge_lax"], lge=k / 10, stated=k >= 5)
                for k in range(10)]
    # cine-only studies whose reports state LGE, scored low: they would pull the fit around
    cine_only = [_record(f"3.{k}", ["sax_cine"], lge=-1.0, stated=True) for k in range(10)]
    fitted = calibrate(with_lge + cine_only)[Finding.LGE.value]
    assert (fitted.positives, fitted.negatives) == (5, 5)
    assert fitted(0.9) > 0.5 > fitted(0.1)
