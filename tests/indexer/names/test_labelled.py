"""What a signer's label makes a name that the word lists alone kept: an eponym faker knows as a
surname ("Reported by: Sarah Simpson", "Radiographer: Stokes"), a given name that is an English
word ("Signed by: Mark"), a short surname in capitals ("Radiographer: PARK", "LI"), a surname
before a cannula's size or a line's route ("Nurse: Adeyemi 20G cannula"), a name in a script
faker's lists do not hold ("Radiographer: 王伟"). Eponyms elsewhere, the eponyms written alone,
abbreviations, qualities and what a patient is given stay."""

from __future__ import annotations

import pytest

from indexer.deidentify import scrub_free_text
from indexer.names.labelled import named_by_label, scrub_other_scripts


def _scrubs_to(text: str, expected: str) -> None:
    assert (scrub_free_text(text), scrub_free_text(expected)) == (expected, expected), text


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Sarah Simpson", "Reported by: [name]"),
    ("Radiographer: Mary Stokes", "Radiographer: [name]"),
    ("Signed: James Parkinson", "Signed: [name]"),
    ("Radiographer: Stokes", "Radiographer: [name]"),
    ("Reported by: SIMPSON.", "Reported by: [name]."),
    ("Radiographers: Smith and Stokes", "Radiographers: [name] and [name]"),
    ("cc: Sarah Simpson (GP)", "cc: [name] (GP)"),
    ("Radiographer: Stokes Sinus rhythm", "Radiographer: [name] Sinus rhythm")])
def test_an_eponym_faker_knows_as_a_surname_after_a_signers_label_is_one(
        text: str, expected: str) -> None:
    """Each was kept: an eponym (`wordlists.EPONYM_TERMS`) was never a surname, wherever it
    stood."""
    _scrubs_to(text, expected)


def test_the_eponym_stays_where_the_report_writes_it_as_one() -> None:
    """The signer's surname does not spread to the eponym ("Simpson's method")."""
    clinical = "LVEF by Simpson's method 55 %. Stokes-Adams attacks. Known Parkinson's disease."
    _scrubs_to(f"{clinical}\nReported by: Sarah Simpson", f"{clinical}\nReported by: [name]")


@pytest.mark.parametrize("text", [
    "Reported by: Rastelli.", "Verified: Glenn.", "Reported by: Ross.", "Reported by: Noonan.",
    "Reported by: Becker.", "Radiographer: Wolff-Parkinson-White.", "Reported by: Simpson Method",
    "Radiographer: Stokes-Adams.", "Reported by: Long Axis.", "Radiographer: Good.",
    "Radiographer: Early.", "Nurse: Line.", "Performed by: Philips", "Reported by: Max Wall."])
def test_what_a_label_heads_that_is_written_alone_clinically_stays(text: str) -> None:
    """An eponym written alone for a diagnosis or an operation, a whole eponym, an eponym and
    its noun, a quality, kit, a maker and a term that is no eponym."""
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Signed by: Mark", "Signed by: [name]"), ("Reported by: Grace.", "Reported by: [name]."),
    ("Radiographer: PARK", "Radiographer: [name]"), ("Radiographer: LI", "Radiographer: [name]"),
    ("Radiographer: Wu", "Radiographer: [name]"), ("Nurse: KING", "Nurse: [name]"),
    ("Radiographers: Smith, Mark and PARK", "Radiographers: [name], [name] and [name]")])
def test_a_given_name_that_is_a_word_or_a_short_surname_after_a_label_is_one(
        text: str, expected: str) -> None:
    """Each was kept: a given or family name that is also an English word, and four capitals
    or fewer faker knows as a surname ("LI": two letters, which faker's lists of three left
    out), read as an acronym or a word."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", [
    "Radiographer: ECG gated", "Nurse: IV access", "Radiographer: TAPSE", "Radiographer: LGE",
    "Reported by: WPW.", "Radiographer: TAPSE 18 mm.", "Verified: Severe MR.", "Nurse: HE."])
def test_a_clinical_abbreviation_after_a_label_stays(text: str) -> None:
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Nurse: Adeyemi 20G cannula", "Nurse: [name] 20G cannula"),
    ("Nurse: Okonkwo IV access", "Nurse: [name] IV access"),
    ("Radiographer: Volkov 20G cannula", "Radiographer: [name] 20G cannula"),
    ("Radiographer: Okafor 20 mg Buscopan IV", "Radiographer: [name] 20 mg Buscopan IV")])
def test_a_surname_before_a_dose_a_size_or_a_route_after_a_label_goes(
        text: str, expected: str) -> None:
    """Each was kept: a dose after a name did not end it, and a cannula's size or a line's
    route made a name faker lacks a medicine."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", ["Nurse: Stemetil 12.50 mg", "Nurse: Stemetil IV",
                                  "Nurse: Midazolam 2 mg given", "Nurse: Cannula 20G L ACF"])
def test_a_medicine_before_its_dose_after_a_label_stays(text: str) -> None:
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographer: 王伟", "Radiographer: [name]"),
    ("Reported by: 佐藤 健", "Reported by: [name]"),
    ("Reported by: 佐藤健.\nLVEF 55 %.", "Reported by: [name].\nLVEF 55 %."),
    ("Radiographers: 王伟、李娜", "Radiographers: [name]、[name]"),
    ("Radiographers: 김민준 and Dmitri Volkov", "Radiographers: [name] and [name]"),
    ("Signed by: サトウ・ケン", "Signed by: [name]"),
    ("Verified: محمد علي", "Verified: [name]")])
def test_a_name_in_another_script_after_a_label_is_one(text: str, expected: str) -> None:
    """Each was kept: the name rules read Latin, Greek and Cyrillic letters only."""
    _scrubs_to(text, expected)


def test_another_script_is_a_name_only_after_a_label() -> None:
    text = "心脏 MRI: 正常. Findings: 王伟 normal."
    assert scrub_other_scripts(text, lambda after, pos: ("", pos)) == text


@pytest.mark.parametrize(("word", "named"), [
    ("Simpson", True), ("STOKES", True), ("Mark", True), ("PARK", True), ("LI", True),
    ("Volkov", False), ("Rastelli", False), ("Ross", False), ("Becker", False),
    ("Philips", False), ("Good", False), ("Long", False), ("Stokes-Adams", False),
    ("He", False), ("Line", False), ("Radiographer", False), ("Midazolam", False)])
def test_named_by_label_weighs_one_word(word: str, named: bool) -> None:
    assert named_by_label(word) is named


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: 王伟，李娜", "Reported by: [name]，[name]"),
    ("Radiographers: 王伟；李娜", "Radiographers: [name]；[name]"),
    ("Verified: محمد، علي", "Verified: [name]، [name]")])
def test_a_list_in_another_script_goes_on_after_its_own_marks(text: str, expected: str) -> None:
    """The second name was kept: the full-width and the Arabic comma ended the list."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Wang Wei 王伟", "Reported by: [name]"),
    ("Reported by: Wang Wei 王伟\nLVEF 55 %.", "Reported by: [name]\nLVEF 55 %."),
    ("Radiographer: Ahmed محمد", "Radiographer: [name]"),
    ("Radiographer: Smith and 王伟", "Radiographer: [name] and [name]"),
    ("Radiographer: Smith, 王伟", "Radiographer: [name], [name]")])
def test_a_name_in_another_script_after_a_latin_one_goes_with_it(text: str, expected: str) -> None:
    """Each kept a name, or both: the Latin name did not end before another script ("Wang Wei"
    ran into "王伟", "Smith" into "and 王伟"), and after it the list read Latin names only."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographer: J. Stokes", "Radiographer: [name]"),
    ("Radiographer: J Stokes", "Radiographer: [name]"),
    ("Reported by: Simpson J", "Reported by: [name]"),
    ("Reported by: S. Simpson and K. Park", "Reported by: [name] and [name]"),
    ("cc: J. Parkinson (GP)", "cc: [name] (GP)")])
def test_an_eponym_faker_knows_as_a_surname_with_initials_after_a_label_is_one(
        text: str, expected: str) -> None:
    """Each was kept: the rules for initials refuse every term, and the label's did not read
    initials."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", [
    "Reported by: A. Long", "Radiographer: Simpson MR", "Radiographer: Stokes II",
    "Reported by: Mobitz II", "Reported by: J. Fontan", "cc: Neubauer S, Myerson S"])
def test_initials_by_a_word_that_is_no_eponym_surname_are_left_to_their_rules(text: str) -> None:
    """An article, a clinical abbreviation or a numeral after an eponym, an eponym written alone
    (`wordlists.BARE_EPONYMS`), and a list of surnames and initials (read by `given`)."""
    expected = "cc: [name], [name]" if text.startswith("cc:") else text
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Nurse: Ng", "Nurse: [name]"), ("Radiographer: Ip.", "Radiographer: [name]."),
    ("Nurse: Ng OP clinic", "Nurse: [name] OP clinic"),
    ("Radiographer: Li FU 6 months", "Radiographer: [name] FU 6 months")])
def test_a_two_letter_surname_faker_lacks_after_a_label_is_one(text: str, expected: str) -> None:
    """"Nurse: Ng" was kept: faker's lists hold no "Ng"; and a name before two capitals a
    report writes ("OP", "FU") was kept with them or went with them."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", [
    "Nurse: OP", "Radiographer: FU", "Nurse: NG tube", "Radiographer: FU 6 months.",
    "Nurse: IP.", "Radiographer: HO"])
def test_two_capitals_a_report_writes_after_a_label_stay(text: str) -> None:
    """"Nurse: OP" and "Radiographer: FU" read as "[name]": faker holds "Op" and "Fu" as
    surnames, which in capitals a report writes for outpatient and follow-up."""
    assert scrub_free_text(text) == text


@pytest.mark.parametrize("text", [
    "Nurse:\n心肌梗死 LVEF 45%", "Nurse:\n心肌梗死 45%", "Radiographer:\n患者 LVEF 45%"])
def test_clinical_text_in_another_script_below_an_empty_label_stays(text: str) -> None:
    """The next line's first words in another script were a name whatever followed them."""
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Nurse:\n王伟\nLVEF 45%", "Nurse:\n[name]\nLVEF 45%"),
    ("Reported by:\n佐藤 健.", "Reported by:\n[name]."),
    ("Radiographer: J. Stokes LVEF 55 %", "Radiographer: [name] LVEF 55 %")])
def test_a_name_below_an_empty_label_or_before_an_abbreviation_still_goes(
        text: str, expected: str) -> None:
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by:\n王伟 MD", "Reported by:\n[name] MD"),
    ("Reported by:\n王伟 (consultant)", "Reported by:\n[name] (consultant)"),
    ("Reported by:\n王伟 - Consultant", "Reported by:\n[name] - Consultant"),
    ("Reported by:\n王伟 Consultant Radiologist", "Reported by:\n[name] Consultant Radiologist"),
    ("Reported by:\n王伟\t[date]", "Reported by:\n[name]\t[date]"),
    ("Reported by:\n王伟、李娜。", "Reported by:\n[name]、[name]。"),
    ("Reported by:\nمحمد علي, Consultant", "Reported by:\n[name], Consultant")])
def test_a_name_in_another_script_below_an_empty_label_goes_whatever_follows(
        text: str, expected: str) -> None:
    """Each went at HEAD and was kept once only a name alone on its line went: a degree, a
    role, a date or an ideographic full stop after it; only a clinical abbreviation or a
    measure keeps the line (`test_clinical_text_in_another_script_below_an_empty_label_stays`)."""
    assert scrub_free_text(text) == expected


@pytest.mark.parametrize("text", [
    "Radiographer: Spotty LGE", "Radiographer: Valvular LGE", "Nurse: Hartmann IV"])
def test_a_finding_or_a_fluid_before_its_abbreviation_after_a_label_stays(text: str) -> None:
    """Each stayed at HEAD and became [name] once a clinical abbreviation ended a signer's
    name: an LGE pattern and a route at the line's end are no name's end."""
    assert scrub_free_text(text) == text
