"""Queries are read like reports: negation reaches its own clause, severity is kept."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Diagnosis, Finding, Severity
from search.understand import intent_filter, interpretation, spelled_out, understand
from vectorstore import Filter, Match, MatchAny

_LV_WHOLE = {Finding.LV_DILATION, Finding.LV_SYSTOLIC_DYSFUNCTION}
_RV_WHOLE = {Finding.RV_DILATION, Finding.RV_SYSTOLIC_DYSFUNCTION}


@pytest.mark.parametrize(("query", "wanted", "ruled_out"), [
    ("no LGE", {}, {Finding.LGE}),
    ("without pericardial effusion", {}, {Finding.PERICARDIAL_EFFUSION}),
    ("dilated LV with transmural LGE in the LAD territory",
     {Finding.LV_DILATION: None, Finding.LGE: None}, set()),
    ("severe LV systolic dysfunction", {Finding.LV_SYSTOLIC_DYSFUNCTION: Severity.SEVERE},
     set()),
    ("mild RV dilation, no LGE", {Finding.RV_DILATION: Severity.MILD}, {Finding.LGE}),
    ("LV dilation but no RV dilation", {Finding.LV_DILATION: None}, {Finding.RV_DILATION}),
    ("regional hypokinesis", {Finding.REGIONAL_WALL_MOTION_ABNORMALITY: None}, set()),
    ("global hypokinesis", {Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("LV inferior wall hypokinesis", {Finding.REGIONAL_WALL_MOTION_ABNORMALITY: None}, set()),
    ("RV free wall hypokinesis", {Finding.RV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("no LGE and there is inferior wall hypokinesis",
     {Finding.REGIONAL_WALL_MOTION_ABNORMALITY: None}, {Finding.LGE}),
    ("no global or regional wall motion abnormality", {},
     {Finding.REGIONAL_WALL_MOTION_ABNORMALITY}),
    ("normal wall motion", {}, {Finding.REGIONAL_WALL_MOTION_ABNORMALITY}),
    ("dilated LV, normal regional wall motion", {Finding.LV_DILATION: None},
     {Finding.REGIONAL_WALL_MOTION_ABNORMALITY}),
    ("normal LV size and wall motion", {},
     {Finding.LV_DILATION, Finding.REGIONAL_WALL_MOTION_ABNORMALITY}),
    # "LVEF" and "RVEF" name the function they measure (they were read as nothing)
    ("reduced LVEF", {Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("severely impaired RVEF", {Finding.RV_SYSTOLIC_DYSFUNCTION: Severity.SEVERE}, set()),
    ("dilated LV with preserved LVEF", {Finding.LV_DILATION: None},
     {Finding.LV_SYSTOLIC_DYSFUNCTION}),
    ("preserved ejection fraction", {}, {Finding.LV_SYSTOLIC_DYSFUNCTION}),
    ("normal RVEF", {}, {Finding.RV_SYSTOLIC_DYSFUNCTION}),
    # one clause, both sides: each keeps its own (the RV was wanted and ruled out at once)
    ("DCM with reduced LVEF and preserved RVEF", {Finding.LV_SYSTOLIC_DYSFUNCTION: None},
     {Finding.RV_SYSTOLIC_DYSFUNCTION}),
    ("reduced RVEF and preserved LVEF", {Finding.RV_SYSTOLIC_DYSFUNCTION: None},
     {Finding.LV_SYSTOLIC_DYSFUNCTION}),
    # either end of the scale is no grade (read as severe, the mild ones were excluded)
    ("mild or severe LV dysfunction", {Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("mildly to severely dilated RV", {Finding.RV_DILATION: None}, set()),
    ("mild, moderate or severe LVH", {Finding.LV_HYPERTROPHY: None}, set()),
    # a range asks for its milder end, which the next worse grade answers too (read as severe,
    # the labeler's worst grade, it left the moderate ones out)
    ("moderate or severe LV dysfunction", {Finding.LV_SYSTOLIC_DYSFUNCTION: Severity.MODERATE},
     set()),
    ("moderately to severely dilated LV", {Finding.LV_DILATION: Severity.MODERATE}, set()),
    ("mild to moderate LV dilation", {Finding.LV_DILATION: Severity.MILD}, set()),
    ("mild-moderate RV dysfunction", {Finding.RV_SYSTOLIC_DYSFUNCTION: Severity.MILD}, set()),
    # grades of two findings, not an "or" of grades (from a review: both were left ungraded
    # and every finding of either clause required)
    ("LV dilation mild and severe RV dysfunction", {Finding.LV_DILATION: Severity.MILD,
                                                    Finding.RV_SYSTOLIC_DYSFUNCTION:
                                                    Severity.SEVERE}, set()),
    ("RV dysfunction is mild, severe LV dilation", {Finding.RV_SYSTOLIC_DYSFUNCTION:
                                                    Severity.MILD,
                                                    Finding.LV_DILATION: Severity.SEVERE}, set()),
    # a thickening that is not the LV wall's (each was read as LV hypertrophy)
    ("pericardial thickening", {}, set()),
    ("thickening of the pericardium", {}, set()),
    ("thickened aortic valve", {}, set()),
    ("reduced systolic wall thickening", {}, set()),
    ("septal thickening", {Finding.LV_HYPERTROPHY: None}, set()),
    # the size denied inside the word or after its subject (from an audit: "undilated LV" was
    # read as LV dilation wanted and brought the most dilated hearts; the others read nothing)
    ("undilated LV", {}, {Finding.LV_DILATION}),
    ("non-dilated LV", {}, {Finding.LV_DILATION}),
    ("LV not dilated", {}, {Finding.LV_DILATION}),
    ("the LV is not dilated", {}, {Finding.LV_DILATION}),
    ("dilated LV without LGE", {Finding.LV_DILATION: None}, {Finding.LGE}),
    # a denial read with its subject (a review: the whole clause denied what it named before
    # the cue too, the RV's dilation here, and RV-failure hearts dropped out)
    ("reduced RV EF without LV dilation", {Finding.RV_SYSTOLIC_DYSFUNCTION: None},
     {Finding.LV_DILATION}),
    ("severe LV dysfunction without RV involvement",
     {Finding.LV_SYSTOLIC_DYSFUNCTION: Severity.SEVERE}, set()),
    # an EF no side names is the LV's; "normal" after its subject as before it
    ("reduced EF", {Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("LVEF normal", {}, {Finding.LV_SYSTOLIC_DYSFUNCTION}),
    ("dilated LV, LV function preserved", {Finding.LV_DILATION: None},
     {Finding.LV_SYSTOLIC_DYSFUNCTION}),
    ("reduced LVEF and RVEF normal", {Finding.LV_SYSTOLIC_DYSFUNCTION: None},
     {Finding.RV_SYSTOLIC_DYSFUNCTION}),
    # the RV's function, not the LV's (it read as nothing, then as the LV's)
    ("RV dilated, function preserved", {Finding.RV_DILATION: None},
     {Finding.RV_SYSTOLIC_DYSFUNCTION}),
    # "without evidence of" keeps its side (cut at "without", it denied nothing)
    ("LV without evidence of dilatation", {}, {Finding.LV_DILATION}),
    ("RV without evidence of systolic dysfunction", {}, {Finding.RV_SYSTOLIC_DYSFUNCTION}),
    ("dilated LV without evidence of dysfunction", {Finding.LV_DILATION: None},
     {Finding.LV_SYSTOLIC_DYSFUNCTION}),
    # a denied infarction is no denied LGE; diastolic function is not systolic
    ("myocarditis rather than infarction", {}, set()),
    ("LV diastolic function impaired", {}, set()),
    ("LV impairment and diastolic dysfunction", {Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("myocarditis rather than an infarct", {}, set()),
    # from an audit of 72 queries: each was misread
    # the side before "normal" is the aspect's ("RV normal dimensions" ruled out LV dilation)
    ("RV normal dimensions", {}, {Finding.RV_DILATION}),
    ("RV normal size", {}, {Finding.RV_DILATION}),
    # every aspect of a list ("and function" was lost); diastolic function is not systolic
    ("normal biventricular size and function", {}, _LV_WHOLE | _RV_WHOLE),
    ("normal size and function", {}, _LV_WHOLE),
    ("RV normal size and function", {}, _RV_WHOLE),
    ("normal LV size and systolic function, no LGE", {}, _LV_WHOLE | {Finding.LGE}),
    ("normal LV diastolic function", {}, set()),
    ("normal LV systolic and diastolic function", {}, {Finding.LV_SYSTOLIC_DYSFUNCTION}),
    # an unnamed function is the side named before it (it was the LV's, or nothing)
    ("RV dilated with preserved function", {Finding.RV_DILATION: None},
     {Finding.RV_SYSTOLIC_DYSFUNCTION}),
    ("RV dilated with preserved EF", {Finding.RV_DILATION: None},
     {Finding.RV_SYSTOLIC_DYSFUNCTION}),
    ("dilated LV, impaired function", {Finding.LV_DILATION: None,
                                       Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("dilated LV with reduced function", {Finding.LV_DILATION: None,
                                          Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("LV not dilated, impaired function", {Finding.LV_SYSTOLIC_DYSFUNCTION: None},
     {Finding.LV_DILATION}),
    ("dilated LV. impaired function", {Finding.LV_DILATION: None,  # it was the dilation only
                                       Finding.LV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("dilated RV; impaired function", {Finding.RV_DILATION: None,
                                       Finding.RV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("normal RV; reduced EF", {Finding.LV_SYSTOLIC_DYSFUNCTION: None}, _RV_WHOLE),
    # "impaired" names a function; "rather than" denies; a pleural effusion is no pericardial one
    ("dilated and impaired RV", {Finding.RV_DILATION: None,
                                 Finding.RV_SYSTOLIC_DYSFUNCTION: None}, set()),
    ("severely dilated and impaired LV", {Finding.LV_DILATION: Severity.SEVERE,
                                          Finding.LV_SYSTOLIC_DYSFUNCTION: Severity.SEVERE},
     set()),
    ("normal LV, dilated and impaired RV", {Finding.RV_DILATION: None,
                                            Finding.RV_SYSTOLIC_DYSFUNCTION: None}, _LV_WHOLE),
    ("dilated LV rather than hypertrophied", {Finding.LV_DILATION: None},
     {Finding.LV_HYPERTROPHY}),
    ("no pleural effusion", {}, set()),
    ("pleural effusion", {}, set()),
])
def test_findings_wanted_and_ruled_out(query: str, wanted: dict[Finding, Severity | None],
                                       ruled_out: set[Finding]) -> None:
    intent = understand(query)
    assert intent.wanted == wanted
    assert set(intent.ruled_out) == ruled_out


_LVSD, _RVSD = Finding.LV_SYSTOLIC_DYSFUNCTION.value, Finding.RV_SYSTOLIC_DYSFUNCTION.value
_LVH = Finding.LV_HYPERTROPHY.value


# a QA pass: "low LVEF" was read as nothing (no DCM in its top 10 on ACDC) and the page said
# nothing of it; "low-normal LVEF" stays normal, the look-alikes name nothing
@pytest.mark.parametrize(("query", "wanted", "ruled_out"), [
    ("low LVEF", [_LVSD], []), ("low EF", [_LVSD], []), ("LVEF is low", [_LVSD], []),
    ("low ejection fraction", [_LVSD], []), ("low LV ejection fraction (32 %)", [_LVSD], []),
    ("low RVEF", [_RVSD], []), ("RV function is low", [_RVSD], []),
    ("thick septum", [_LVH], []), ("thick LV walls", [_LVH], []),
    ("the septum is thick (17 mm)", [_LVH], []),
    ("dilated LV with low EF", [_LVSD, Finding.LV_DILATION.value], []),
    ("low LVEF without thick septum", [_LVSD], [_LVH]),
    ("no low LVEF", [], [_LVSD]), ("LVEF not low", [], [_LVSD]),
    ("LVEF is not low", [], [_LVSD]), ("septum not thick", [], [_LVH]),
    ("low-normal LVEF", [], [_LVSD]), ("low normal EF", [], [_LVSD]),
    ("low signal", [], []), ("low-grade LGE", [Finding.LGE.value], []),
    ("thick slices", [], []), ("slice thickness", [], []), ("thick pericardium", [], []),
    ("RV free wall thick", [], []),
    ("thick-walled aorta", [], []), ("atrial septum thick", [], []),
    # low-normal is normal, whichever side of the LVEF it stands (after it, it was read as
    # nothing; before it, as LV dysfunction ruled out)
    ("pulmonary artery wall thick", [], []), ("LVEF low-to-normal", [], [_LVSD]),
    ("LVEF: low", [_LVSD], []),
])
def test_a_low_function_and_a_thick_wall_are_read_and_said(query: str, wanted: list[str],
                                                           ruled_out: list[str]) -> None:
    said = interpretation(understand(query))
    assert sorted(said.wanted) == sorted(wanted)
    assert said.ruled_out == ruled_out


def test_a_negation_does_not_reach_back_over_its_clause() -> None:
    intent = understand("HCM without LGE")
    assert intent.diagnoses == (Diagnosis.HCM,)
    assert intent.ruled_out == (Finding.LGE,)
    assert intent.keyword_text.strip() == "HCM"  # keywords never search the negated words


def test_highlight_terms_leave_out_stop_words_and_negated_words() -> None:
    assert understand("dilated LV with no LGE").terms() == ["dilated", "lv"]


def test_normal_size_or_function_rules_the_finding_out() -> None:
    assert understand("normal LV size").ruled_out == (Finding.LV_DILATION,)
    assert understand("normal RV function").ruled_out == (Finding.RV_SYSTOLIC_DYSFUNCTION,)
    assert set(understand("normal biventricular size").ruled_out) == {Finding.LV_DILATION,
                                                                       Finding.RV_DILATION}


@pytest.mark.parametrize(("query", "out"), [
    # a side said normal with no aspect: "dilated LV and normal RV" ruled nothing out
    ("dilated LV and normal RV", _RV_WHOLE), ("LV dilated, RV normal", _RV_WHOLE),
    ("normal right ventricle", _RV_WHOLE), ("dilated RV, LV is normal", _LV_WHOLE),
    ("normal LV and RV", _LV_WHOLE | _RV_WHOLE), ("LV and RV are normal", _LV_WHOLE | _RV_WHOLE),
    # the aspect after it, or after the pair, is all that is ruled out
    ("RV normal in size", {Finding.RV_DILATION}),
    ("normal LV and RV size", {Finding.LV_DILATION, Finding.RV_DILATION}),
    ("HCM with normal LV", _LV_WHOLE),  # not its wall
    # an aspect after "normal" is that aspect only (the review: the wanted dysfunction was
    # both asked for and ruled out, so neither)
    ("LV normal size, severely impaired LV function", {Finding.LV_DILATION}),
])
def test_a_side_said_normal_rules_out_its_size_and_function(query: str,
                                                            out: set[Finding]) -> None:
    assert set(understand(query).ruled_out) == out


def _measured_otherwise(where: Filter, finding: str) -> list[Filter]:
    """The parts of a filter that leave out a study its clean measurements grade otherwise."""
    source = Match(f"image_finding_source.{finding}", "measurements")
    return [c for c in where.must_not if isinstance(c, Filter) and source in c.must]


def test_a_severe_grade_excludes_a_mild_measured_grade_without_a_report() -> None:
    where = intent_filter(understand("severely dilated LV"), use_reports=False, use_images=True)
    assert _measured_otherwise(where, "lv_dilation")
    where = intent_filter(understand("mildly or severely dilated LV"), use_reports=False,
                          use_images=True)
    assert not _measured_otherwise(where, "lv_dilation")


def test_a_normal_heart_is_read_as_the_normal_diagnosis() -> None:
    from cmr_search.vocab import Diagnosis

    assert understand("normal heart").diagnoses == (Diagnosis.NORMAL,)
    assert understand("a normal CMR study").diagnoses == (Diagnosis.NORMAL,)
    assert Diagnosis.NORMAL not in understand("normal LV size, dilated RV").diagnoses


def test_a_ruled_out_measured_only_finding_excludes_studies_the_measurements_show_it_in() -> None:
    intent = understand("no regional wall motion abnormality")
    assert intent.ruled_out == (Finding.REGIONAL_WALL_MOTION_ABNORMALITY,)
    where = intent_filter(intent, use_reports=False, use_images=True)
    assert any(getattr(c, "key", "") == "image_findings"
               and getattr(c, "value", "") == "regional_wall_motion_abnormality"
               for c in where.must_not)


@pytest.mark.parametrize(("query", "left_open"), [
    ("LV dilation and no LV dilation", Finding.LV_DILATION),
    ("LGE in the septum but no LGE in the lateral wall", Finding.LGE),
    ("HCM with LGE or without LGE", Finding.LGE),
])
def test_what_a_query_asks_for_and_rules_out_is_left_open_with_a_note(
        query: str, left_open: Finding) -> None:
    """Read as both, it excluded every study that has it (a place-specific query too)."""
    intent = understand(query)
    assert left_open in intent.either_way
    assert left_open not in intent.wanted and left_open not in intent.ruled_out
    assert any("and rules it out (in other places?)" in n for n in intent.unread)
    dcm = understand("HCM, not HCM")
    assert Diagnosis.HCM not in dcm.diagnoses and Diagnosis.HCM not in dcm.ruled_out_diagnoses
    assert understand("dilated LV, no RV dilation").unread == ()  # two findings: no note


def test_abbreviations_are_embedded_as_their_words() -> None:
    """"HCM" brought 4 HCM hearts in 10 on ACDC, "hypertrophic cardiomyopathy" 8."""
    assert spelled_out("HCM or DCM, prior MI") == ("hypertrophic cardiomyopathy or dilated "
                                                   "cardiomyopathy, prior myocardial infarction")
    assert spelled_out("Mild LV dilation") == "Mild LV dilation"  # "mi" inside a word stays


@pytest.mark.parametrize(("query", "note"), [
    ("HCM age over 60", "'age over 60': the words do not choose the age; set it with the "
                        "filters"),
    ("dilated LV in a 45 year old man", "'45 year old', 'man': the words do not choose the age "
                                        "or sex; set them with the filters"),
    ("HCM 2019-2021", "the study date"), ("HCM at 3T", "the field strength"),
    ("HCM siemens", "the vendor"),
])
def test_words_that_name_a_filter_are_noted(query: str, note: str) -> None:
    """They were read as nothing, and nothing said so."""
    assert any(note in n for n in understand(query).unread)
    assert understand("LGE in segments 1-6").unread == ()


@pytest.mark.parametrize(("query", "far", "near"), [
    ("severely dilated LV", ("mild", "moderate"), ("severe",)),
    ("moderately dilated LV", ("mild",), ("moderate", "severe")),
    ("moderate to severe LV dilation", ("mild",), ("moderate", "severe")),
    ("mildly dilated LV", ("severe",), ("mild", "moderate")),
    ("dilated LV", None, None),
])
def test_a_grade_asked_leaves_out_what_does_not_answer_it(
        query: str, far: tuple[str, ...] | None, near: tuple[str, ...] | None) -> None:
    """"severely dilated LV" left out only the mild grade: moderate hearts came back, ranked
    above the severe ones. A grade is answered by itself and the next worse one, by report or
    by measurements; a study the clean measurements grade normal answers it no more (it was
    kept)."""
    key = "report_severity.lv_dilation"
    where = intent_filter(understand(query), use_reports=True, use_images=True)
    assert [c for c in where.must_not if isinstance(c, MatchAny) and c.key == key] == (
        [MatchAny(key, far)] if far else []), query
    where = intent_filter(understand(query), use_reports=False, use_images=True)
    assert [c for c in where.must_not if isinstance(c, MatchAny)] == (
        [MatchAny("measured_severity.lv_dilation", far)] if far else []), query
    assert _measured_otherwise(where, "lv_dilation") == ([Filter(
        (Match("image_finding_source.lv_dilation", "measurements"),),
        (MatchAny("measured_severity.lv_dilation", near),))] if near else []), query


def test_how_a_grade_was_read_is_said() -> None:
    flagged = ("(where it has no report), is left out; a QC-flagged or missing measurement "
               "leaves a study in, ranked by the other signals")
    assert interpretation(understand("severely dilated LV")).grades == [
        "severe LV dilation: severe only; a study graded mild or moderate by its report, or "
        f"normal, mild or moderate by its QC-clean measurements {flagged}"]
    assert interpretation(understand("moderate LV dysfunction")).grades == [
        "moderate LV systolic dysfunction: moderate first, then severe; a study graded mild by "
        f"its report, or normal or mild by its QC-clean measurements {flagged}"]
    assert interpretation(understand("mild RV dilation")).grades == [
        "mild RV dilation: mild first, then moderate; a study graded severe by its report, or "
        f"normal or severe by its QC-clean measurements {flagged}"]
    assert interpretation(understand("dilated LV")).grades == []
    assert interpretation(understand("mild LV dysfunction or severe LV dysfunction")).grades == []


@pytest.mark.parametrize(("query", "read", "note"), [
    # 1.5 mm was searched, a wall no heart has
    ("HCM max wall thickness >= 1.5", "max wall thickness ≥ 15 mm (from 'max wall thickness "
                                      ">= 1.5', 1.5 read as cm: 15 mm;", None),
    # 0 results, and nothing said why
    ("wall thickness over 15 cm", "max wall thickness > 150 mm",
     "'wall thickness over 15 cm': max wall thickness > 150 mm is outside the physiological "
     "range of max wall thickness (3-60 mm); no study can match"),
    # searched as the words "under thirty-five"
    ("DCM with LVEF under thirty-five", "LVEF < 35 % (from 'LVEF under thirty-five';", None),
])
def test_the_interpretation_says_how_a_number_was_read(query: str, read: str,
                                                       note: str | None) -> None:
    said = interpretation(understand(query))
    (measurement,) = said.measurements
    assert measurement.startswith(read)
    assert said.not_read == ([note] if note else [])


def test_a_negative_number_beside_a_measurement_is_not_read_and_said() -> None:
    said = interpretation(understand("DCM LVEF -35"))
    assert said.measurements == [] and said.measurement_filters == {}
    (note,) = said.not_read
    assert note.startswith("'LVEF -35': searched as words; no LVEF is negative")
