"""A query's words as the report labeler reads them: hedges, low-normal, a judgement of two
ejection fractions, tissue characterisation, and cues after what they deny."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Diagnosis, Finding
from reader.labeler import Mention, label_findings
from search.models import Interpretation
from search.phrasing import as_reported, set_aside, split
from search.understand import interpretation, understand

_LVSD, _RVSD = Finding.LV_SYSTOLIC_DYSFUNCTION.value, Finding.RV_SYSTOLIC_DYSFUNCTION.value


def _read(query: str) -> tuple[list[str], list[str]]:
    said = interpretation(understand(query))
    return sorted(said.wanted), sorted(said.ruled_out)


def test_tissue_characterisation_is_no_function() -> None:
    """"reduced" anywhere in an LV-function clause was LV dysfunction (or wanted and ruled out
    at once, beside "normal LV"); "normal LV T1" was a normal LV."""
    assert _read("LV function and reduced T1 values") == ([], [])
    assert _read("normal LV and reduced T1 values") == ([], sorted([Finding.LV_DILATION.value,
                                                                    _LVSD]))
    assert _read("normal LV T1") == ([], [])
    # what was read right still is: the function said normal or reduced
    assert _read("Normal LV function and reduced T1 values") == ([], [_LVSD])
    assert _read("reduced LV function and reduced T1 values") == ([_LVSD], [])


@pytest.mark.parametrize("query", ["Low likelihood of LV dysfunction", "LV dysfunction unlikely",
                                   "LV dysfunction is unlikely", "unlikely LV dysfunction"])
def test_a_hedge_rules_its_finding_out_as_no_evidence_of_does(query: str) -> None:
    """Each was read as LV dysfunction wanted."""
    assert _read(query) == _read("no evidence of LV dysfunction") == ([], [_LVSD])


def test_a_hedged_diagnosis_is_ruled_out() -> None:
    assert understand("DCM unlikely").ruled_out_diagnoses == (Diagnosis.DCM,)
    assert understand("unlikely to be DCM").diagnoses == ()


@pytest.mark.parametrize(("query", "wanted", "ruled_out"), [
    ("LGE absent", [], [Finding.LGE.value]),
    ("LV dilation excluded", [], [Finding.LV_DILATION.value]),
    ("dilated LV, LGE not seen", [Finding.LV_DILATION.value], [Finding.LGE.value]),
    # a report's tabulated answer, as the report reader reads it ("LGE: none" wanted LGE)
    ("LGE: none", [], [Finding.LGE.value]), ("LGE none", [], [Finding.LGE.value]),
    ("LGE negative", [], [Finding.LGE.value]), ("LGE: negative", [], [Finding.LGE.value]),
    ("no LGE", [], [Finding.LGE.value]),
    ("dilated LV, LGE: none", [Finding.LV_DILATION.value], [Finding.LGE.value]),
    ("LGE in 3 segments, none transmural", [Finding.LGE.value], []),
])
def test_a_cue_after_what_it_denies_denies_it(query: str, wanted: list[str],
                                             ruled_out: list[str]) -> None:
    """Cut at the cue, what stood before it was affirmed: "LGE absent" wanted LGE."""
    assert _read(query) == (wanted, ruled_out)
    assert _read("LGE not in the septum") == ([Finding.LGE.value], [])  # no cue after: elsewhere


@pytest.mark.parametrize(("query", "wanted", "ruled_out"), [
    ("Low LVEF and RVEF", [_LVSD, _RVSD], []),
    ("Reduced LVEF and RVEF", [_LVSD, _RVSD], []),
    ("Low/Reduced LVEF and RVEF", [_LVSD, _RVSD], []),
    ("LVEF and RVEF are low", [_LVSD, _RVSD], []),
    ("preserved LVEF and RVEF", [], [_LVSD, _RVSD]),
    ("LVEF and RVEF normal", [], [_LVSD, _RVSD]),
])
def test_one_judgement_of_both_ejection_fractions_reads_both(query: str, wanted: list[str],
                                                            ruled_out: list[str]) -> None:
    """One of the two was left unread."""
    assert _read(query) == (wanted, ruled_out)
    assert _read("reduced LV and RV ejection fraction") == ([_LVSD, _RVSD], [])
    assert _read("reduced LVEF and preserved RVEF") == ([_LVSD], [_RVSD])


@pytest.mark.parametrize("query", ["LVEF low-normal (52 %)", "LVEF low normal",
                                   "LVEF 52 % (low-normal)"])
def test_low_normal_is_normal_whichever_side_of_the_lvef(query: str) -> None:
    """After the LVEF it was read as nothing; before it, as LV dysfunction ruled out."""
    assert _read(query) == _read("low-normal LVEF") == ([], [_LVSD])


@pytest.mark.parametrize(("query", "phrase", "term"), [
    ("Normal LV function and reduced T1 values", "reduced T1 values", "t1"),
    ("elevated native T1 and ECV", "elevated native T1 and ECV", "ecv"),
    ("high T2 signal in the septum", "high T2 signal", "signal"),
    ("T1 elevated", "T1 elevated", "elevated"),
    ("reduced T2* values and dilated LV", "reduced T2* values", "t2"),
])
def test_tissue_characterisation_is_noted_not_read_and_still_ranks(query: str, phrase: str,
                                                                    term: str) -> None:
    intent = understand(query)
    (note,) = [n for n in intent.unread if "tissue" in n]
    assert note.startswith(f"'{phrase}': T1, T2, ECV and signal (tissue characterisation) "
                           "are not read as a finding")
    assert term in intent.terms()


def test_set_aside_blanks_only_the_tissue_words() -> None:
    text, notes = set_aside("LVEF reduced and T1 elevated, dilated LV")
    assert " ".join(text.split()) == "LVEF reduced and , dilated LV"
    assert len(notes) == 1
    assert set_aside("reduced LVEF, LGE signal") == ("reduced LVEF, LGE signal", ())


@pytest.mark.parametrize(("query", "reworded"), [
    ("Low LVEF and RVEF", "Low LVEF and Low RVEF"),
    ("LVEF and RVEF are reduced", "LVEF is reduced and RVEF is reduced"),
    ("low LVEF or RVEF", "low LVEF or low RVEF"),
    ("low LVEF and LVEF", "low LVEF and LVEF"),
    ("LV dysfunction unlikely", "LV dysfunction not"),
    ("low likelihood of LGE", "not LGE"),
    ("LVEF low-to-normal", "LVEF normal"), ("LVEF low/normal", "LVEF normal"),
])
def test_as_reported(query: str, reworded: str) -> None:
    assert as_reported(query) == reworded


def test_a_cue_that_ends_its_clause_denies_it_whole() -> None:
    assert split("LGE absent") == ("", "LGE absent", ["LGE absent"])
    assert split("LV not dilated") == ("LV ", "not dilated", ["LV not dilated"])


def test_not_read_is_described_as_any_phrase_not_read() -> None:
    """The OpenAPI schema said it held numbers only."""
    description = Interpretation.model_json_schema()["properties"]["not_read"]["description"]
    assert "T1" in description and "phrase" in description


_LGE, _LVD = Finding.LGE.value, Finding.LV_DILATION.value


@pytest.mark.parametrize(("query", "wanted", "ruled_out", "diagnoses"), [
    # a cue ending its clause denied everything named before it: HCM was ruled out too
    ("HCM LGE absent", [], [_LGE], [Diagnosis.HCM]),
    ("dilated LV LGE absent", [_LVD], [_LGE], []),
    ("DCM LGE not seen", [], [_LGE], [Diagnosis.DCM]),
    ("HCM and LGE absent", [], [_LGE], [Diagnosis.HCM]),
    ("myocarditis LGE unlikely", [], [_LGE], [Diagnosis.MYOCARDITIS]),
    ("severe LV dysfunction LGE absent", [_LVSD], [_LGE], []),
    # the phenocopy is doubted, not HCM (HCM was ruled out)
    ("HCM phenocopy unlikely", [], [], [Diagnosis.HCM]),
])
def test_a_cue_after_what_it_denies_denies_only_the_last_thing_named(
        query: str, wanted: list[str], ruled_out: list[str], diagnoses: list[Diagnosis]) -> None:
    intent = understand(query)
    assert _read(query) == (wanted, ruled_out)
    assert (list(intent.diagnoses), intent.ruled_out_diagnoses) == (diagnoses, ())


@pytest.mark.parametrize("query", ["LGE cannot be excluded", "LGE can't be excluded",
                                   "LGE cannot be ruled out", "LGE cannot be completely excluded"])
def test_cannot_be_excluded_is_possible_not_ruled_out(query: str) -> None:
    assert _read(query) == ([_LGE], [])


@pytest.mark.parametrize(("query", "wanted", "ruled_out"), [
    # the first's judgement reached a second that has its own (both were ruled out)
    ("normal LVEF, RVEF reduced", [_RVSD], [_LVSD]),
    ("preserved LVEF and RVEF reduced", [_RVSD], [_LVSD]),
    ("reduced LVEF and RVEF 55 %", [_LVSD], []),
    # "are", "were" and "both" before the judgement read nothing
    ("LVEF and RVEF are normal", [], [_LVSD, _RVSD]),
    ("LVEF and RVEF both reduced", [_LVSD, _RVSD], []),
    ("LVEF and RVEF were preserved", [], [_LVSD, _RVSD]),
    ("LVEF and RVEF both normal", [], [_LVSD, _RVSD]),
])
def test_a_judgement_reaches_only_a_bare_second_ejection_fraction(
        query: str, wanted: list[str], ruled_out: list[str]) -> None:
    assert _read(query) == (wanted, ruled_out)


@pytest.mark.parametrize("query", ["midwall LGE, infarct unlikely",
                                   "infarct excluded, LGE present"])
def test_a_denied_infarct_rules_out_the_ischaemic_cause_not_the_lge(query: str) -> None:
    """LGE was asked for and ruled out at once: neither."""
    intent = understand(query)
    assert _read(query) == ([_LGE], [])
    assert intent.ruled_out_diagnoses == (Diagnosis.ISCHEMIC,)
    assert understand("no LGE, infarct unlikely").ruled_out == (Finding.LGE,)


@pytest.mark.parametrize("sentence", [
    "LV dysfunction unlikely", "Low likelihood of LV dysfunction",
    "Normal LV function and reduced T1 values", "Low LVEF and RVEF",
    "LVEF and RVEF are reduced", "Preserved LVEF and RVEF", "normal LVEF, RVEF reduced",
])
def test_a_query_reads_a_sentence_as_the_report_labeler_does(sentence: str) -> None:
    """A report saying what the query rules out was labelled as having it, and the other way
    round: "LV dysfunction unlikely" was positive in a report, ruled out in a query."""
    labels = label_findings(sentence)
    wanted, ruled_out = _read(sentence)
    assert wanted == sorted(f.value for f, label in labels.items()
                            if label.mention in (Mention.POSITIVE, Mention.UNCERTAIN))
    assert ruled_out == sorted(f.value for f, label in labels.items()
                               if label.mention is Mention.NEGATIVE)
