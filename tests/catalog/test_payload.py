"""The typed payload: every key that filters use is a field; partial payloads still read."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from catalog import PayloadField, StudyPayload, image_score_key, report_severity_key
from cmr_search.vocab import Finding


def test_every_payload_key_in_use_is_a_field() -> None:
    assert set(PayloadField) <= set(StudyPayload.model_fields)


def test_a_payload_round_trips_through_json() -> None:
    payload = StudyPayload(study_instance_uid="1.2.3", views=["sax_cine"],
                           report_findings=["lge"], report_severity={"lge": "severe"},
                           image_scores={"lge": 0.8})
    stored = payload.as_payload()
    assert json.loads(json.dumps(stored)) == stored
    assert stored["report_findings"] == ["lge"] and stored["report_status"] == "missing"
    assert "point_version" not in stored  # only a server store's points carry it
    back = StudyPayload.model_validate(stored)
    assert back == payload and back.report_findings == [Finding.LGE]


def test_a_partial_payload_validates_and_a_typo_does_not() -> None:
    assert StudyPayload.model_validate({"study_instance_uid": "1", "age": 40}).age == 40
    with pytest.raises(ValidationError):
        StudyPayload.model_validate({"study_instance_uid": "1", "report_finding": ["lge"]})
    with pytest.raises(ValidationError):
        StudyPayload(study_instance_uid="1", report_findings=["not a finding"])


def test_nested_keys_name_one_finding() -> None:
    assert image_score_key(Finding.LGE) == "image_scores.lge"
    assert report_severity_key("lv_dilation") == "report_severity.lv_dilation"
    with pytest.raises(ValueError):
        image_score_key("nonsense")


@pytest.mark.parametrize(("reason", "shown"), [
    ("/srv/pacs/SYN000003/20130829: the short-axis cine has a single slice",
     "the short-axis cine has a single slice"),
    ("C:\\exports\\Doe^Jane\\Info.cfg: missing or not a file", "missing or not a file"),
    ("cannot read '/srv/Doe Jane/1.dcm' (truncated)", "cannot read a file (truncated)"),
    ("LVEDV 90 ml/m2 over 3/4 of the slices", "LVEDV 90 ml/m2 over 3/4 of the slices"),
])
def test_a_reason_keeps_no_path(reason: str, shown: str) -> None:
    from catalog import without_paths

    assert without_paths(reason) == shown
