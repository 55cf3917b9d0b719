"""What a result carries: a score is shown as a probability only where it is one."""

from __future__ import annotations

from catalog import StudyPayload
from search.models import Explanation
from search.results import _result
from vectorstore import Hit


def test_a_score_calibrated_on_too_few_reports_is_left_out_of_a_result() -> None:
    payload = StudyPayload(
        study_instance_uid="1.2.3", image_scores={"lge": 0.9, "lv_dilation": 0.95},
        image_finding_source={"lge": "model", "lv_dilation": "uncalibrated"})
    result = _result(Hit("p", 0.5, payload.as_payload()), payload, 1, Explanation(), [])
    assert result.image_scores == {"lge": 0.9}
