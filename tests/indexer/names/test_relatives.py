"""A relative's given name alone: "his wife Anna Okafor" left "Anna" once the study's own
family name was scrubbed, and "his wife Anna" left it whole."""

from __future__ import annotations

import pytest

from indexer.deidentify import scrub, scrub_free_text
from indexer.names.relatives import scrub_relatives
from reader.headers import StudyInfo

INFO = StudyInfo("1.2.840.99.1", "SYN0042", "ACC9917", "20240312", "063Y", "M", "Siemens",
                 "Aera", 1.5, "OKAFOR^CHUKWUEMEKA")


def test_a_given_name_beside_the_studys_scrubbed_family_name_goes() -> None:
    """QA found "Discussed with Mr [name] and his wife Anna [name] on [date].": the patient's
    family name went first, and "Anna" alone was no name to the given-name rules."""
    text = "Discussed with Mr Okafor and his wife Anna Okafor on 3 March 2024."
    assert scrub_free_text(scrub(text, INFO)) == (
        "Discussed with Mr [name] and his wife [name] on [date].")


@pytest.mark.parametrize(("text", "expected"), [
    ("Discussed with his wife Anna.", "Discussed with his wife [name]."),
    ("Seen with her husband Dmitri.", "Seen with her husband [name]."),
    ("Son Tomasz (age 12) to be screened.", "Son [name] (age 12) to be screened."),
    ("Patient's daughter, Priya, present.", "Patient's daughter, [name], present."),
    ("Carer Anna present.", "Carer [name] present."),
    ("His son Mark is well.", "His son [name] is well."),
    ("Seen with her sister Grace.", "Seen with her sister [name]."),
    ("Next of kin: Joan.", "Next of kin: [name]."),
    ("His wife Łucja and son Zoë attended.", "His wife [name] and son [name] attended."),
    ("Partner ANNA present.", "Partner [name] present."),
    ("Anna [name] attended.", "[name] attended."),
    ("Patient: [name] Priya.", "Patient: [name]."),
])
def test_a_relatives_given_name_alone_is_a_name(text: str, expected: str) -> None:
    assert scrub_free_text(text) == expected


@pytest.mark.parametrize("text", [
    "Mother: Long QT.", "His mother Long QT.", "Father: Brugada.", "Mother Fabry disease.",
    "Brother Marfan syndrome.", "Father Max LVWT 32 mm.", "Sister HCM.", "Mother MAY attend.",
    "Daughter Danon disease suspected.", "Twin Noonan.", "[name] Mark the LV apex.",
    "Son Normal.", "Wife Known DCM.", "Mother: Glenn.", "Father Ross.", "Sister: Circumflex.",
    "Mother: Hypertensoin.", "Sister Grace.", "Mother: Wilson."])
def test_clinical_words_after_a_relative_stay(text: str) -> None:
    """A relative's history is written after the relative's word: an eponym, a term, a given
    name that is a word before a report's capitals or numbers stays."""
    assert scrub_relatives(text) == text
    assert scrub_free_text(text) == text


def test_scrubbing_twice_is_scrubbing_once() -> None:
    once = scrub_free_text("Discussed with Mr [name] and his wife Anna [name].")
    assert once == "Discussed with Mr [name] and his wife [name]."
    assert scrub_free_text(once) == once
