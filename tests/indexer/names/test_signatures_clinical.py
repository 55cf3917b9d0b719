"""What a role's label heads that is no one: a medicine, a contrast agent or kit the model's
vocabulary lacks read as a name ("Nurse: Midazolam", "Physician: Regadenoson", "Nurse:
Venflon" lost the word); and where a signer's name runs into a report's capitalised word, the
name ends there ("Smith and Okafor Sinus rhythm" kept "Okafor", "Smith and Volkov Images"
lost "Images"). Names after the same labels still go."""

from __future__ import annotations

import time

import pytest

from indexer.deidentify import scrub_free_text

_LABELS = ["Nurse:", "Radiographer:", "Physician:", "Registrar:", "Signature:"]
_GIVEN = ["Midazolam", "Buscopan", "Cannula", "Venflon", "Lorazepam", "Earplugs",
          "Hydrocortisone", "Bisoprolol", "Warfarin", "Apixaban", "MITRACLIP", "WATCHMAN",
          "Gadovist", "Dotarem", "Adenosine", "Regadenoson", "Dobutamine", "Atropine",
          "Metoprolol", "Ivabradine", "Gadobutrol", "Ramipril"]


def _scrubs_to(text: str, expected: str) -> None:
    assert (scrub_free_text(text), scrub_free_text(expected)) == (expected, expected), text


@pytest.mark.parametrize("label", _LABELS)
@pytest.mark.parametrize("word", _GIVEN)
@pytest.mark.parametrize("after", ["", ".", " (20 mg IV)", "\n2 mg given", ", 20 mg IV"])
def test_a_medicine_or_kit_after_a_roles_label_stays(label: str, word: str, after: str) -> None:
    """"Nurse: Midazolam" read as "Nurse: [name]": the word is no English one and the model's
    vocabulary lacks it."""
    _scrubs_to(f"{label} {word}{after}", f"{label} {word}{after}")


@pytest.mark.parametrize("text", [
    "Nurse: Midazolam 2 mg given", "Radiographer: Buscopan 20 mg IV",
    "Nurse: Cannula 20G L ACF", "Nurse: Stemetil 12.50 mg IV", "Nurse: Stemetil 12.50 mg",
    "Physician: Adenosine 140 mcg/kg/min", "Radiographer: Gadovist 0.1 mmol/kg"])
def test_a_word_a_dose_follows_after_a_roles_label_stays(text: str) -> None:
    """A dose after a word makes it a medicine's, one no stem nor list finds among them
    ("Stemetil 12.50": the dose read as a time ended a signer's name)."""
    _scrubs_to(text, text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Nurse: Volkov (2 mg midazolam)", "Nurse: [name] (2 mg midazolam)"),
    ("Nurse: Okafor\n2 mg midazolam given", "Nurse: [name]\n2 mg midazolam given"),
    ("Radiographer: Nakamura, 20 mg Buscopan IV", "Radiographer: [name], 20 mg Buscopan IV"),
    ("Nurse: Kowalski Midazolam 2 mg given", "Nurse: [name] Midazolam 2 mg given"),
    ("Registrar: Dmitri Petrova\nWarfarin", "Registrar: [name]\nWarfarin"),
    ("Nurse: Volkov 10:30", "Nurse: [name] 10:30"),
    ("Radiographers: Smith and Dotarem", "Radiographers: [name] and Dotarem")])
def test_a_name_beside_a_medicine_or_a_dose_still_goes(text: str, expected: str) -> None:
    """A dose in brackets, after a comma or on the next line is a note's, not the name's."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographers: Smith and Okafor Sinus rhythm",
     "Radiographers: [name] and [name] Sinus rhythm"),
    ("Radiographers: Smith and Volkov Images", "Radiographers: [name] and [name] Images"),
    ("Radiographers: Smith and Volkov Images acquired",
     "Radiographers: [name] and [name] Images acquired"),
    ("Radiographer: Okafor Sinus rhythm", "Radiographer: [name] Sinus rhythm"),
    ("Nurse: Anna Petrova Rhythm regular", "Nurse: [name] Rhythm regular"),
    ("Reported by: Dmitri Volkov Findings: normal LV",
     "Reported by: [name] Findings: normal LV"),
    ("Radiographers: Nakamura and Kowalski Impression", "Radiographers: [name] and [name] "
     "Impression"),
    ("Radiographers: Smith and Okafor Fontan circulation",
     "Radiographers: [name] and [name] Fontan circulation")])
def test_a_signers_name_ends_where_a_report_word_follows(text: str, expected: str) -> None:
    """A list of signers stopped before a name a capitalised word followed ("Okafor" was
    kept), or read the word as the name's ("Images" went)."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Anna Lazarus Images", "Reported by: [name] Images"),
    ("Reported by: Anna Lazarus", "Reported by: [name]"),
    ("Radiographer: Anna Darwin reviewed", "Radiographer: [name] reviewed"),
    ("Dictated by: Nguyen Van An", "Dictated by: [name]")])
def test_a_surname_that_is_a_word_of_the_models_stays_part_of_the_name(
        text: str, expected: str) -> None:
    """The model's vocabulary holds surnames faker lacks ("lazarus", "darwin"): such a word
    does not end a name."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("unit", ["Radiographers: Smith and Okafor Sinus rhythm. ",
                                  "Radiographer: Volkov Images Volkov Images\n",
                                  "Nurse: Bisoprolol Sinus Rhythm Images Findings\n"])
def test_a_long_report_of_signers_and_medicines_is_read_in_linear_time(unit: str) -> None:
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    started = time.perf_counter()
    scrub_free_text(text)
    assert time.perf_counter() - started < 5.0, unit


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Joe Root", "Reported by: [name]"),
    ("Radiographer: Mary Stack", "Radiographer: [name]"),
    ("Radiographers: Smith and Mary Stack", "Radiographers: [name] and [name]"),
    ("Reported by: Helen Arch, MD", "Reported by: [name], MD"),
    ("Reported by: Karl Trunk", "Reported by: [name]"),
    ("Nurse: Anna Watchman", "Nurse: [name]"),
    ("Reported by: J. Root", "Reported by: [name]")])
def test_a_surname_that_is_a_report_word_or_kit_after_given_names_goes_with_them(
        text: str, expected: str) -> None:
    """After given names alone the word is the surname ("Joe Root", "Mary Stack", "Anna
    Watchman"): ending the name there left the surname in the report."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographer: Gadomski", "Radiographer: [name]"),
    ("Radiographers: Smith and Gadotti", "Radiographers: [name] and [name]"),
    ("Nurse: Okafor and Gadoury", "Nurse: [name] and [name]"),
    ("Radiographer: Bartolone", "Radiographer: [name]")])
def test_a_surname_that_starts_or_ends_as_a_stem_after_a_label_goes(
        text: str, expected: str) -> None:
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographer: Volkov LVEF 55 %", "Radiographer: [name] LVEF 55 %"),
    ("Reported by: Dmitri Volkov LGE present", "Reported by: [name] LGE present"),
    ("Nurse: Okafor HCM clinic", "Nurse: [name] HCM clinic")])
def test_a_clinical_abbreviation_after_a_signers_name_ends_it(text: str, expected: str) -> None:
    """Each was kept: a name ended only at a list's mark, the line's end or a capitalised word,
    and the first after a label was weighed with the abbreviation."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", [
    "Reported by: Midwall LGE", "Radiographer: Nodular LGE.", "Nurse: Infarct LGE",
    "Reported by: Strand LGE", "Verified: Patchy LGE", "Radiographer: Granular LGE",
    "Nurse: Stemetil IV access", "Nurse: Cyclizine IV access"])
def test_a_clinical_word_before_an_abbreviation_or_a_line_after_a_label_stays(text: str) -> None:
    """The words a late enhancement is described by are no name before "LGE", and a medicine
    before a line's route no surname ("Stemetil IV access" read as "Okonkwo IV access")."""
    _scrubs_to(text, text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Okafor HO, Jones AR", "Reported by: [name], [name]"),
    ("Reported by: Patel SC, Jones S", "Reported by: [name], [name]"),
    ("cc: Patel DC, Jones S", "cc: [name], [name]"),
    ("Reported by: Smith DC and Jones S", "Reported by: [name] and [name]"),
    ("Reported by: Smith BP and Okafor DC", "Reported by: [name] and [name]"),
    ("Reported by: Smith SL", "Reported by: [name]"),
    ("Reported by: Smith PT.", "Reported by: [name]."),
    ("Radiographers: Okafor PT and Jones S", "Radiographers: [name] and [name]")])
def test_two_capitals_at_a_list_mark_or_the_line_end_are_initials(
        text: str, expected: str) -> None:
    """Each went at HEAD and then kept its initials and the list after them: two capitals a
    report writes for a plan ("OP", "DC", "PT") end a name only where more of the line
    follows that no list goes on with ("Nurse: Okafor OP clinic")."""
    assert scrub_free_text(text) == expected
