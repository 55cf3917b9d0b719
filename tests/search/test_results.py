"""What a result carries: a score is shown as a probability only where it is one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.studies import engine_of, study

from catalog import StudyPayload
from search import Mode, Page, SearchRequest, parse_filters
from search.models import Explanation, Result
from search.results import _result
from vectorstore import Hit


def test_a_score_calibrated_on_too_few_reports_is_left_out_of_a_result() -> None:
    payload = StudyPayload(
        study_instance_uid="1.2.3", image_scores={"lge": 0.9, "lv_dilation": 0.95},
        image_finding_source={"lge": "model", "lv_dilation": "uncalibrated"})
    result = _result(Hit("p", 0.5, payload.as_payload()), payload, 1, Explanation(), [])
    assert result.image_scores == {"lge": 0.9}


def test_a_score_the_measurements_overruled_is_no_probability_shown() -> None:
    """ACDC (calibrated on no reports): patient049's LVH read 0.99 beside a 9.7 mm wall,
    shown as a probability because the measurements, not the score's calibration, decided."""
    payload = StudyPayload(
        study_instance_uid="1.2.3", image_scores={"lv_hypertrophy": 0.99, "lge": 0.8},
        image_finding_source={"lv_hypertrophy": "measurements", "lge": "model"})
    result = _result(Hit("p", 0.5, payload.as_payload()), payload, 1, Explanation(), [])
    assert result.image_scores == {"lge": 0.8}
    assert result.image_finding_source == {"lv_hypertrophy": "measurements", "lge": "model"}


@pytest.mark.parametrize("kind", ["edge", "memory"])
def test_a_score_filter_shows_no_score_below_it_and_says_what_decided(
        kind: str, tmp_path: Path) -> None:
    """image_score_min=0.9 returned a study measured with LVH whose hit showed 0.4188."""
    engine = engine_of([
        study("measured", values={"max_wall_thickness_mm": 16.0},
              severity={"lv_hypertrophy": "moderate"}, scores={"lv_hypertrophy": 0.4188},
              source={"lv_hypertrophy": "measurements"}),
        study("model", scores={"lv_hypertrophy": 0.95}, source={"lv_hypertrophy": "model"},
              image_findings=("lv_hypertrophy",)),
        study("unsure", scores={"lv_hypertrophy": 0.7}, source={"lv_hypertrophy": "model"},
              image_findings=("lv_hypertrophy",)),
        study("uncalibrated", scores={"lv_hypertrophy": 0.99},
              source={"lv_hypertrophy": "uncalibrated"}),
    ], kind, tmp_path)
    filters = parse_filters(["image_finding=lv_hypertrophy", "image_score_min=0.9"])
    response = engine.search(SearchRequest(q="heart", mode=Mode.IMAGES, filters=filters,
                                           page=Page(limit=50)))
    hits = {r.study_instance_uid: r for r in response.results}
    assert set(hits) == {"measured", "model"}
    for hit in hits.values():
        shown = hit.image_scores.get("lv_hypertrophy")
        assert (shown is not None and shown >= 0.9) or \
            hit.image_finding_source["lv_hypertrophy"] == "measurements"
    assert hits["measured"].image_scores == {}


def test_a_value_no_heart_has_is_given_out_as_null_and_flagged() -> None:
    """ACDC patient083: `/api/v1/search` gave "rvef_pct": -8.4, a number a client could take
    for a severe finding, while the study page said "not measurable". Null, and flagged
    (QC's reasons stay in the study's measurement_flags); the index keeps the number."""
    from search.results import given_payload

    payload = StudyPayload(
        study_instance_uid="1.2.3",
        measurements={"rvef_pct": -8.4, "lvef_pct": 44.5, "lv_mass_g": -3.0},
        flagged_measurements=["rvef_pct"], measurement_flags={"rvef_pct": ["ef_out_of_range"]})
    result = _result(Hit("p", 0.5, payload.as_payload()), payload, 1, Explanation(), [])
    assert result.measurements == {"rvef_pct": None, "lvef_pct": 44.5, "lv_mass_g": None}
    # an impossible value QC did not flag is flagged all the same: null is never unmarked
    assert result.flagged_measurements == ["lv_mass_g", "rvef_pct"]
    given = given_payload(payload.as_payload())
    assert given["measurements"]["rvef_pct"] is None
    assert given["measurements"]["lvef_pct"] == 44.5
    assert given["flagged_measurements"] == ["lv_mass_g", "rvef_pct"]
    assert given["measurement_flags"] == {"rvef_pct": ["ef_out_of_range"]}
    assert payload.measurements  # the record itself is untouched
    schema = Result.model_json_schema()["properties"]["measurements"]
    assert "null: measured, but" in schema["description"]
