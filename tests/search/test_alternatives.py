"""A query's "or" and "with or without": each side wanted whole, an open finding left open."""

from __future__ import annotations

import pytest
from fakes.index import CASES

from cmr_search.vocab import Diagnosis, Finding
from search import Mode, Page, SearchEngine, SearchRequest
from search.models import Signal
from search.understand import stated_filter, understand

D, F = Diagnosis, Finding


@pytest.mark.parametrize(("query", "sides"), [
    ("DCM or HCM", [[D.DCM], [D.HCM]]),
    ("either DCM or ARVC", [[D.DCM], [D.ARVC]]),
    # a head two sides share: "dilated" alone named nothing, so the DCM was lost
    ("dilated or hypertrophic cardiomyopathy", [[D.DCM], [D.HCM, F.LV_HYPERTROPHY]]),
    ("LV or RV dilation", [[F.LV_DILATION], [F.RV_DILATION]]),
    ("left or right ventricular systolic dysfunction",
     [[F.LV_SYSTOLIC_DYSFUNCTION], [F.RV_SYSTOLIC_DYSFUNCTION]]),
    ("LGE and/or wall motion abnormality", [[F.LGE], [F.REGIONAL_WALL_MOTION_ABNORMALITY]]),
    # from a review: a list before the "or", the adjective shared, "and/or" before a head
    ("DCM, HCM or ARVC", [[D.DCM], [D.HCM], [D.ARVC]]),
    ("DCM, HCM, or ARVC", [[D.DCM], [D.HCM], [D.ARVC]]),
    ("dilated LV or RV", [[F.LV_DILATION], [F.RV_DILATION]]),
    ("LV and/or RV dilation", [[F.LV_DILATION], [F.RV_DILATION]]),
    ("DCM or normal heart", [[D.DCM], [D.NORMAL]]),
    ("DCM with LGE or HCM", [[D.DCM, F.LGE], [D.HCM]]),
    # a slash and "vs" were "and": both diagnoses' criteria, which no heart meets
    ("HCM/DCM", [[D.HCM], [D.DCM]]),
    ("DCM vs HCM", [[D.DCM], [D.HCM]]),
    ("DCM versus ARVC", [[D.DCM], [D.ARVC]]),
    ("LV/RV dilation", [[F.LV_DILATION], [F.RV_DILATION]]),
])
def test_each_side_of_an_or_is_read_apart(query: str, sides: list[list[object]]) -> None:
    intent = understand(query)
    assert [[*a.diagnoses, *a.findings] for a in intent.any_of] == sides
    assert intent.required == ()  # no finding is needed by every side
    named = {x for side in sides for x in side}
    assert named <= {*intent.wanted, *intent.diagnoses}


@pytest.mark.parametrize("query", ["dilated LV", "no LGE or effusion", "DCM or something",
                                   # not an "or": a "with", a unit, "and/or" alone
                                   "HCM w/ LGE", "LVEDVi over 100 ml/m2 with DCM",
                                   # the thickening is the pericardium's (it was LVH)
                                   "pericardial effusion or thickening",
                                   # the "or" of a bound the number reader leaves
                                   "HCM, 2 or more segments of LGE",
                                   "DCM 60 years or older with LGE"])
def test_without_two_named_sides_the_query_is_read_whole(query: str) -> None:
    intent = understand(query)
    assert intent.any_of == () and intent.required == tuple(intent.wanted)


@pytest.mark.parametrize("query", ["HCM with or without LGE", "HCM with/without LGE",
                                   "HCM ± LGE", "HCM ±LGE", "HCM and or without LGE, dilated LV",
                                   "HCM whether or not LGE"])
def test_with_or_without_leaves_the_finding_open(query: str) -> None:
    """It was read as "without LGE": the LGE ruled out."""
    intent = understand(query)
    assert intent.either_way == (F.LGE,)
    assert F.LGE not in intent.ruled_out and F.LGE not in intent.wanted
    assert intent.diagnoses == (D.HCM,)


def test_a_report_states_one_side_or_the_other() -> None:
    stated = stated_filter(understand("pericardial effusion or LGE"))
    assert stated is not None and not stated.must  # not both at once: any of the two


def _uids(engine: SearchEngine, q: str, mode: Mode) -> set[str]:
    response = engine.search(SearchRequest(q=q, mode=mode, page=Page(limit=50,
                                                                      per_patient=False)))
    return {r.study_instance_uid for r in response.results}


def test_a_report_ruling_out_one_side_may_be_the_other(engine: SearchEngine) -> None:
    """7.1's "Small pericardial effusion. No LGE." was dropped for its "No LGE"."""
    assert "7.1" in _uids(engine, "pericardial effusion or LGE", Mode.REPORTS)
    assert "7.1" not in _uids(engine, "pericardial effusion and LGE", Mode.REPORTS)


def test_an_open_finding_excludes_nothing(engine: SearchEngine) -> None:
    with_lge = {c.uid for c in CASES if "lge" in c.report_findings}
    assert with_lge & _uids(engine, "LV dilation with or without LGE", Mode.BOTH)


def test_the_measurements_meet_either_diagnosis(engine: SearchEngine) -> None:
    """Both at once was asked (a dilated, failing LV with a thick wall): nothing measured so."""
    response = engine.search(SearchRequest(q="DCM or HCM", mode=Mode.IMAGES,
                                           page=Page(limit=50, per_patient=False)))
    measured = {r.study_instance_uid for r in response.results
                if any(s.signal is Signal.MEASURED_FINDINGS for s in r.explanation.signals)}
    assert measured == {"1.2", "6.1"}


def test_what_follows_an_open_finding_is_read_as_ever() -> None:
    """The phrase swallowed the rest: "... without pericardial effusion" ruled nothing out."""
    intent = understand("HCM with or without LGE without pericardial effusion")
    assert intent.ruled_out == (F.PERICARDIAL_EFFUSION,) and intent.either_way == (F.LGE,)
    assert F.LV_DILATION in understand("HCM with or without LGE showing LV dilation").wanted


def test_each_side_keeps_its_own_grade(engine: SearchEngine) -> None:
    """The whole query's grade (severe) excluded the mild side's reports."""
    found = _uids(engine, "mild LV dysfunction or severe LV dysfunction", Mode.REPORTS)
    assert "3.1" in found  # "Mild LV systolic dysfunction."
