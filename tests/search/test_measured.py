"""What a query asks of the measurements: findings shown, a diagnosis's criteria."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fakes.studies import engine_of, study

from catalog import STUDY
from cmr_search.vocab import Finding
from search import Mode, Page, SearchRequest
from search.measured import measured_match, query_filter
from search.models import Signal
from search.ranking import Weights
from search.signals import measured_part
from search.understand import understand
from vectorstore import Match, MatchAny, Nearest, Range
from vectorstore.memory import matches


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


# ---- a finding ruled out, where a QC flag keeps the measurements from deciding it -----------

_LV_VOLUMES = ("lvedv_ml", "lvedvi_ml_per_m2")
_RULED_OUT = [  # (query, finding, the values that grade it, a clean normal one)
    *((q, "lv_dilation", _LV_VOLUMES, {"lvedvi_ml_per_m2": 80.0, "lvedv_ml": 140.0})
      for q in ("normal LV size", "not dilated LV", "no LV dilation", "LV not dilated")),
    ("normal LV function", "lv_systolic_dysfunction", ("lvef_pct",), {"lvef_pct": 60.0}),
    ("no RV dilation", "rv_dilation", ("rvedv_ml", "rvedvi_ml_per_m2"),
     {"rvedvi_ml_per_m2": 85.0}),
    ("normal RV function", "rv_systolic_dysfunction", ("rvef_pct",), {"rvef_pct": 55.0}),
    ("no LVH", "lv_hypertrophy", ("max_wall_thickness_mm",), {"max_wall_thickness_mm": 9.0}),
    ("normal wall motion", "regional_wall_motion_abnormality", ("lv_hypokinetic_wall_pct",),
     {"lv_hypokinetic_wall_pct": 2.0}),
]


def _ruled_out_studies(finding: str, measures: tuple[str, ...],
                       clean: dict[str, float]) -> list[dict[str, Any]]:
    """ACDC's patient001 (a DCM heart whose LV values are all flagged, its score uncalibrated)
    and the studies that may be said not to have the finding."""
    doubted = {m: 150.0 for m in measures}
    modelled = finding != "regional_wall_motion_abnormality"  # no prompt: measured only
    uncalibrated = {finding: "uncalibrated"} if modelled else {}
    return [
        study("flagged", values=doubted, flagged=measures, source=uncalibrated,
              scores={finding: 0.2} if modelled else {}),
        study("clean", values=clean, source={finding: "measurements"}),
        # a calibrated probability decided it absent where the values could not
        *([study("model", values=doubted, flagged=measures, source={finding: "model"},
                 scores={finding: 0.1})] if modelled else []),
        study("reported", report="Normal study.", report_negated=(finding,), values=doubted,
              flagged=measures, source=uncalibrated),
        study("unmeasured"),  # nothing flagged: nothing doubted lets it through
    ]


@pytest.mark.parametrize(("query", "finding", "measures", "clean"), _RULED_OUT)
def test_a_flagged_value_never_passes_as_a_finding_ruled_out(
        query: str, finding: str, measures: tuple[str, ...], clean: dict[str, float]) -> None:
    """"normal LV size" returned ACDC's DCM hearts whose LVEDVi (124, 162 ml/m²) is flagged:
    their image findings lack LV dilation because nothing decided it."""
    studies = _ruled_out_studies(finding, measures, clean)
    intent = understand(query)
    assert intent.ruled_out == (Finding(finding),)
    both = query_filter(intent, use_reports=True, use_images=True)
    kept = {s["study_instance_uid"] for s in studies if matches(s, both)}
    # a report that says so still answers, where the reports are read
    assert kept == {"clean", "model", "reported", "unmeasured"} & {
        s["study_instance_uid"] for s in studies}
    images = query_filter(intent, use_reports=False, use_images=True)
    assert not matches(studies[0], images) and matches(studies[1], images)
    assert not matches(next(s for s in studies if s["study_instance_uid"] == "reported"),
                       images)
    reports = query_filter(intent, use_reports=True, use_images=False)
    assert matches(studies[0], reports)  # reports mode reads no measurement


def test_a_flagged_heart_is_not_returned_as_ruling_a_diagnosis_out() -> None:
    """"not DCM" returned the DCM hearts whose LV values are all flagged."""
    doubted = {"lvedvi_ml_per_m2": 162.0, "lvedv_ml": 300.0, "lvef_pct": 20.0}
    flagged = study("flagged", values=doubted, flagged=tuple(doubted),
                    source={"lv_dilation": "uncalibrated",
                            "lv_systolic_dysfunction": "uncalibrated"})
    # a clean normal LV rules DCM out whatever the EF's flag
    small = study("small", values={**doubted, "lvedvi_ml_per_m2": 80.0, "lvedv_ml": 140.0},
                  flagged=("lvef_pct",), source={"lv_dilation": "measurements",
                                                 "lv_systolic_dysfunction": "uncalibrated"})
    dcm = study("dcm", values=doubted, severity={"lv_dilation": "severe",
                                                 "lv_systolic_dysfunction": "severe"},
                source={"lv_dilation": "measurements",
                        "lv_systolic_dysfunction": "measurements"})
    where = query_filter(understand("not DCM"), use_reports=True, use_images=True)
    assert [s["study_instance_uid"] for s in (flagged, small, dcm) if matches(s, where)] == \
        ["small"]


@pytest.mark.parametrize("kind", ["edge", "memory"])
def test_the_engine_leaves_the_flagged_heart_out_of_normal_lv_size(
        kind: str, tmp_path: Path) -> None:
    studies = _ruled_out_studies("lv_dilation", _LV_VOLUMES, {"lvedvi_ml_per_m2": 80.0})
    engine = engine_of(studies, kind, tmp_path)
    for mode, expected in ((Mode.BOTH, {"clean", "model", "reported", "unmeasured"}),
                           (Mode.IMAGES, {"clean", "model", "unmeasured"})):
        response = engine.search(SearchRequest(q="normal LV size", mode=mode,
                                               page=Page(limit=50)))
        assert {r.study_instance_uid for r in response.results} == expected, mode


# ---- a grade asked of a finding --------------------------------------------------------------

@pytest.mark.parametrize(("query", "grades"), [
    ("severely dilated LV", ("severe",)),
    ("moderately dilated LV", ("moderate", "severe")),
    ("moderate to severe LV dilation", ("moderate", "severe")),
    ("mildly dilated LV", ("mild", "moderate")),
    ("dilated LV", None),
])
def test_a_grade_in_the_query_takes_itself_and_the_next_worse_in_the_measurements(
        query: str, grades: tuple[str, ...] | None) -> None:
    """"severely dilated LV" ranked two moderately dilated hearts (LVEDVi 125, 132) above the
    severe ones: the measured signal took any grade."""
    where = measured_match(understand(query))
    assert where is not None and Match("measured_findings", "lv_dilation") in where.must
    graded = [c for c in where.must if isinstance(c, MatchAny)]
    assert graded == ([MatchAny("measured_severity.lv_dilation", grades)] if grades else [])


def test_a_diagnosis_keeps_its_own_grade_and_the_query_narrows_it() -> None:
    severe = measured_match(understand("HCM with severe LV hypertrophy"))
    assert severe is not None
    assert [c for c in severe.must if isinstance(c, MatchAny)] == [
        MatchAny("measured_severity.lv_hypertrophy", ("severe",))]
    mild = measured_match(understand("HCM with mild LV hypertrophy"))
    assert mild is not None  # HCM's LVH is moderate at least; "mild" takes moderate too
    assert [c for c in mild.must if isinstance(c, MatchAny)] == [
        MatchAny("measured_severity.lv_hypertrophy", ("moderate",))]


def _graded_lvs() -> list[dict[str, Any]]:
    return [study(uid, values={"lvedvi_ml_per_m2": v},
                  severity={"lv_dilation": grade} if grade else None,
                  source={"lv_dilation": "measurements"})
            for uid, v, grade in (("severe", 160.0, "severe"), ("moderate", 125.0, "moderate"),
                                  ("mild", 112.0, "mild"), ("normal", 80.0, None))] + [
        # never measured, and measured but QC-flagged: the measurements decide nothing
        study("unmeasured"),
        study("flagged", values={"lvedvi_ml_per_m2": 80.0}, flagged=("lvedvi_ml_per_m2",),
              source={"lv_dilation": "model"})]


@pytest.mark.parametrize("kind", ["edge", "memory"])
def test_the_engine_returns_the_grade_asked_first_then_the_next_worse(kind: str,
                                                                     tmp_path: Path) -> None:
    engine = engine_of(_graded_lvs(), kind, tmp_path)

    def found(q: str) -> tuple[set[str], list[str]]:
        """The studies returned, and the measured signal's order of them."""
        response = engine.search(SearchRequest(q=q, mode=Mode.IMAGES, page=Page(limit=50)))
        measured = {r.study_instance_uid: s.rank for r in response.results
                    for s in r.explanation.signals if s.signal is Signal.MEASURED_FINDINGS}
        return ({r.study_instance_uid for r in response.results},
                sorted(measured, key=lambda uid: measured[uid]))

    # a study its clean measurements grade normal answers no grade (it stayed, while a milder
    # grade was left out); one they do not grade stays, ranked by the words
    open_ = {"unmeasured", "flagged"}
    assert found("severely dilated LV") == ({"severe", *open_}, ["severe"])
    assert found("moderately dilated LV") == ({"severe", "moderate", *open_},
                                              ["moderate", "severe"])
    assert found("mildly dilated LV") == ({"moderate", "mild", *open_}, ["mild", "moderate"])
    # no grade asked: the measurements rank, and leave nothing out
    assert found("dilated LV")[0] == {"severe", "moderate", "mild", "normal", *open_}
