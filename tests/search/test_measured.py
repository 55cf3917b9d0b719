"""What a query asks of the measurements: findings shown, a diagnosis's criteria."""

from __future__ import annotations

import numpy as np

from catalog import STUDY
from search.measured import measured_match
from search.models import Signal
from search.ranking import Weights
from search.signals import measured_part
from search.understand import understand
from vectorstore import Match, MatchAny, Nearest, Range


def test_a_diagnosis_asks_the_measurements_for_its_findings() -> None:
    dcm = measured_match(understand("dilated cardiomyopathy"))
    assert dcm is not None and set(dcm.must) == {
        Match("measured_findings", "lv_dilation"),
        Match("measured_findings", "lv_systolic_dysfunction")}
    assert dcm.must_not == ()
    assert measured_match(understand("transmural LGE")) is None  # cine cannot grade LGE
    assert measured_match(understand("pericardial effusion")) is None
    # LGE named beside an infarct: only its cine finding, a wall that barely moves while the
    # rest contracts, is asked of the measurements
    both = measured_match(understand("prior infarction with LGE"))
    assert both is not None and both.must == (
        Match("measured_findings", "regional_wall_motion_abnormality"),)


def test_hcm_wants_a_thick_wall_in_an_lv_neither_dilated_nor_failing() -> None:
    hcm = measured_match(understand("hypertrophic cardiomyopathy"))
    assert hcm is not None
    assert Match("measured_findings", "lv_hypertrophy") in hcm.must
    assert MatchAny("measured_severity.lv_hypertrophy", ("moderate", "severe")) in hcm.must
    # the values that would show dilation or failure must be there and clean
    assert Range("measurements.lvef_pct", 0.0, None) in hcm.must
    assert Range("measurements.lvedv_ml", 0.0, None) in hcm.must
    flagged = next(c for c in hcm.must_not if isinstance(c, MatchAny)
                   and c.key == "flagged_measurements")
    assert {"lvef_pct", "lvedv_ml", "lvedvi_ml_per_m2"} <= set(flagged.values)
    # asking for a dilated LV too drops the absence it contradicts
    dilated = measured_match(understand("hypertrophic cardiomyopathy with a dilated LV"))
    assert dilated is not None and Range("measurements.lvedv_ml", 0.0, None) not in dilated.must


def test_a_normal_heart_shows_no_cine_finding_measured_clean() -> None:
    normal = measured_match(understand("a normal heart"))
    assert normal is not None
    shown = next(c for c in normal.must_not if isinstance(c, MatchAny)
                 and c.key == "measured_findings")
    assert set(shown.values) == {"lv_dilation", "rv_dilation", "lv_systolic_dysfunction",
                                 "rv_systolic_dysfunction", "lv_hypertrophy",
                                 "regional_wall_motion_abnormality"}
    assert Range("measurements.rvef_pct", 0.0, None) in normal.must
    # regional motion needs slices enough to be measured: where it is not, it does not bar
    assert Range("measurements.lv_hypokinetic_wall_pct", 0.0, None) not in normal.must


def test_the_measured_signal_searches_the_image_query_among_them_with_its_own_weight() -> None:
    vector = np.ones(4, dtype=np.float32) / 2
    weights = Weights(labels=2.0, measured_findings=0.7)
    part = measured_part(vector, understand("dilated cardiomyopathy"), weights)
    assert part is not None and part.signal is Signal.MEASURED_FINDINGS and part.weight == 0.7
    assert isinstance(part.query, Nearest) and part.query.using == STUDY
    assert part.query.where == measured_match(understand("dilated cardiomyopathy"))
    assert measured_part(vector, understand("transmural LGE"), weights) is None


def test_a_finding_without_a_prompt_is_ordered_by_its_measured_grade() -> None:
    vector = np.ones(4, dtype=np.float32) / 2
    part = measured_part(vector, understand("regional wall motion abnormality"), Weights())
    assert part is not None
    key = "measured_severity.regional_wall_motion_abnormality"
    assert [t.must for t in part.tiers] == [(MatchAny(key, (grade,)),)
                                            for grade in ("severe", "moderate", "mild")]
    # the video model has a prompt for LV dilation: its image order stands
    dilated = measured_part(vector, understand("dilated LV"), Weights())
    assert dilated is not None and dilated.tiers == ()


def test_a_grade_asked_for_comes_first() -> None:
    vector = np.ones(4, dtype=np.float32) / 2
    part = measured_part(vector, understand("mild regional hypokinesis"), Weights())
    assert part is not None
    grades = [t.must[0].values[0] for t in part.tiers]  # type: ignore[union-attr]
    assert grades == ["mild", "moderate", "severe"]
