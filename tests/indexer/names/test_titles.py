"""Names after a title: "DR" in capitals also names a pacemaker's model and diabetic
retinopathy, and a refused one must not hide the title after it."""

from __future__ import annotations

import pytest

from indexer.deidentify import scrub_free_text
from indexer.names.titles import scrub_titles

DEVICES = ["Device: Medtronic Adapta DR ADDR01.", "Device: St Jude Accent DR RF.",
           "Known T2DM with DR Stage 2.", "Device: Medtronic DR MRI SureScan.",
           "Evia DR-T pacemaker.", "Accolade DR.", "Born in DR Congo."]


@pytest.mark.parametrize("text", DEVICES)
def test_dr_in_a_device_or_a_grade_is_no_title(text: str) -> None:
    """"DR" in capitals was a title before any word: "Adapta DR ADDR01" (a pacemaker) became
    "Adapta [name]01", "with DR Stage 2" (diabetic retinopathy) "with [name] 2"."""
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("DR SMITH", "[name]"), ("DR J SMITH", "[name]"), ("DR JOHN SMITH", "[name]"),
    ("PROF A B SMITH", "[name]"), ("DR VAN DEN BERG", "[name]"), ("Dr Zybrowski", "[name]"),
    ("Accent DR RF, Prof Smith", "Accent DR RF, [name]"),
    ("Okafor DR MRden O'Prof JR", "Okafor DR MRden O'[name]"),
    ("Okafor DR Prof  O'Prof", "Okafor DR [name]"),
    ("cc Müller  DR Prof Consultant", "cc Müller  DR [name]")])
def test_a_title_in_capitals_needs_a_name_and_hides_none_after_it(
        text: str, expected: str) -> None:
    """A refused "DR" held the words after it: "Prof JR" after "DR MRden O'" was found only
    by a second scrub."""
    assert scrub_titles(text) == expected


# a list of doctors on two lines, and the clinical line after a list that ends with "and"
NEXT_LINE = [
    ("Case discussed with Drs Smith and\nPatel.", "Case discussed with [name] and\n[name]."),
    ("Drs Smith, Jones &\nOkafor", "[name], [name] &\n[name]"),
    ("DISCUSSED WITH DRS SMITH AND\nPATEL", "DISCUSSED WITH [name] AND\n[name]"),
    ("Drs Smith and\nJ Patel.", "[name] and\n[name]."),
    ("Drs Smith and\nKerley B lines.", "[name] and\nKerley B lines."),
    ("Drs Smith and\nBecker muscular dystrophy.", "[name] and\nBecker muscular dystrophy."),
    ("Drs Smith and\nSevere MR.", "[name] and\nSevere MR."),
    ("Drs Smith and\nLBBB.", "[name] and\nLBBB."), ("Drs Smith and\nRoss.", "[name] and\nRoss."),
]


def test_a_list_of_doctors_goes_on_on_the_next_line() -> None:
    """"Drs Smith and\nPatel" kept "Patel": the list stopped at the line's end. After "and",
    "&" or "/" it goes on to a given or a known family name that is no word nor eponym, and
    ends before a clinical line."""
    for text, expected in NEXT_LINE:
        assert scrub_free_text(text) == expected, text
        assert scrub_free_text(expected) == expected


# the sentence going on after a name on the list's next line, and a term after a doctor's name
GOES_ON = [
    ("Discussed with Drs Smith and\nPatel. LVEF 55 %.",
     "Discussed with [name] and\n[name]. LVEF 55 %."),
    ("Discussed with Drs Smith and\nPatel at the MDT.",
     "Discussed with [name] and\n[name] at the MDT."),
    ("Discussed with Drs Smith and\nPatel who agreed.",
     "Discussed with [name] and\n[name] who agreed."),
    ("Drs Smith and\nTurner syndrome noted.", "[name] and\nTurner syndrome noted."),
    ("Drs Smith and\nKillip IV.", "[name] and\nKillip IV."),
    ("Drs Smith and Turner syndrome noted.", "[name] and Turner syndrome noted."),
    ("Drs Smith and Jones clinic.", "[name] and [name] clinic."),
]


@pytest.mark.parametrize(("text", "expected"), GOES_ON)
def test_a_doctor_on_the_next_line_is_one_where_the_sentence_goes_on(
        text: str, expected: str) -> None:
    """"Drs Smith and\nPatel. LVEF 55 %." kept "Patel": a name on the next line needed the
    line's end after it, and a wrapped line goes on; "Drs Smith and Turner syndrome" lost
    the syndrome's eponym."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Drs Smith and\nZybrowski.", "[name] and\n[name]."),
    ("Discussed with Drs Smith and\nZybrowski. LVEF 55 %.",
     "Discussed with [name] and\n[name]. LVEF 55 %."),
    ("Drs Smith, Patel and\nZybrowski, cardiology.", "[name], [name] and\n[name], cardiology."),
    # a clinical line that wraps after "and" stays
    ("Drs Smith and\nRegadenoson stress.", "[name] and\nRegadenoson stress."),
    ("Drs Smith and\nSyncope.", "[name] and\nSyncope."),
    ("Drs Smith and\nPalpitations, exclude structural heart disease.",
     "[name] and\nPalpitations, exclude structural heart disease."),
    ("Drs Smith and\nHFpEF, low voltage ECG.", "[name] and\nHFpEF, low voltage ECG."),
    ("Drs Smith and\nCoarctation.", "[name] and\nCoarctation."),
])
def test_a_doctor_faker_lacks_on_the_next_line_is_one_where_the_list_ends(
        text: str, expected: str) -> None:
    """"Drs Smith and\nZybrowski." kept "Zybrowski": on the list's next line only a given or a
    known family name was one. A word written as a name is, none of whose pieces is a word, a
    name or an eponym's, is one where the list or the sentence ends after it."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("role", ["Radiologists", "Colleagues", "Sonographer", "Surgeons",
                                  "Physiologist", "Anaesthetist"])
def test_staff_by_role_on_a_doctors_lists_next_line_is_no_name(role: str) -> None:
    """"Drs Smith and\nRadiologists." scrubbed the role as a name faker lacks."""
    assert scrub_free_text(f"Discussed with Drs Smith and\n{role}.") == \
        f"Discussed with [name] and\n{role}."
