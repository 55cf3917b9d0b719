"""Names right after a signature's or a copy's word: "Reported by: Mark Brown" needed a given
name that is no word, and after a label a report is signed with "Reported by: Dmitri Volkov",
"Signed electronically by ZHANG WEI", "Radiographer: Kate" and "Verified: du Toit P" were left
(a name faker lacks, in capitals, alone or after a particle). The clinical line such a label
may head stays as it is."""

from __future__ import annotations

import pytest

from indexer.deidentify import scrub_free_text


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Mark Brown", "Reported by: [name]"),
    ("Reported by: Grace Long\nLVEF 55 %.", "Reported by: [name]\nLVEF 55 %."),
    ("cc: Grace Brown (GP)", "cc: [name] (GP)"),
    ("Verified: Rose Green, Consultant Cardiologist",
     "Verified: [name], Consultant Cardiologist"),
    ("Reported by Zhang Wei", "Reported by [name]"),
    ("Reported by: Rajesh Kumar", "Reported by: [name]"),
    ("Dictated by: Nguyen Van An", "Dictated by: [name]"),
    ("Electronically signed by Hope Young MD on [date]",
     "Electronically signed by [name] MD on [date]"),
])
def test_a_person_a_signature_names_is_one_whatever_the_given_name(
        text: str, expected: str) -> None:
    """"Reported by: Mark Brown" and "cc: Grace Brown (GP)" were left: a given name that is a
    word needed a family name that is none, and one faker lacks ("Rajesh") or a surname
    first ("Zhang Wei") was no name at all."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("text", [
    "Reported by: Cardiology Department", "Requested by: Cardiology Outpatients",
    "Referred by: Chest Pain Clinic", "Performed by: Siemens Aera", "Reported by: Post Ross.",
    "Discussed with Heart Team.", "cc: Bidirectional Glenn.", "Reported by: Long Axis.",
    "Signed by: Mark", "Discussed with Mark Brown regarding repeat imaging."])
def test_what_a_signature_names_that_is_no_one_stays(text: str) -> None:
    assert scrub_free_text(text) == text


def _scrubs_to(cases: list[tuple[str, str]]) -> None:
    for text, expected in cases:
        assert (scrub_free_text(text), scrub_free_text(expected)) == (expected, expected), text


# the labels a report is signed with: after them a name is a name, whether faker knows it or not
LABELS = ["Reported by: ", "Dictated by: ", "Signed by: ", "Signed by ", "Verified: ",
          "Verified by: ", "Radiographer: ", "Technologist: ", "Signed electronically by ",
          "Electronically signed by ", "Reported by:\n"]


@pytest.mark.parametrize("label", LABELS)
def test_a_name_faker_lacks_after_a_signatures_label_is_one(label: str) -> None:
    """"Reported by: Dmitri Volkov" was left: neither name is in faker's lists, and a signature's
    words wanted one that is."""
    _scrubs_to([(f"{label}Dmitri Volkov", f"{label}[name]"),
                (f"{label}Dmitri Volkov\nLVEF 55 %.", f"{label}[name]\nLVEF 55 %."),
                (f"{label}Dmitri Volkov, Consultant Radiologist",
                 f"{label}[name], Consultant Radiologist"),
                (f"{label}Dmitri Volkov MD on 12/03/2024", f"{label}[name] MD on [date]")])


SIGNED = [
    ("Reported by: Park Ji-Hoon", "Reported by: [name]"),  # Korean, "Park" an English word
    ("Signed electronically by ZHANG WEI", "Signed electronically by [name]"),
    ("Reported by: Sean Ó Briain", "Reported by: [name]"),  # an Irish particle
    ("Reported by: Seán Ó Briain", "Reported by: [name]"),
    ("Radiographer: Kate", "Radiographer: [name]"),  # a given name alone
    ("Verified: du Toit P", "Verified: [name]"),  # a particle in lower case, an initial
    ("Verified: van der Merwe", "Verified: [name]"),
    ("Reported by: al-Hassan Omar", "Reported by: [name]"),
    ("Reported by: Becker MD", "Reported by: [name] MD"),  # Dr Becker, MD
    ("Reported by: Volkov, Dmitri", "Reported by: [name]"),  # surname first
    ("Reported by: GARCÍA LÓPEZ, José", "Reported by: [name]"),
    ("Reported by: Dmitri Volkov, Jane Zybrowski", "Reported by: [name], [name]"),
]


@pytest.mark.parametrize(("text", "expected"), SIGNED)
def test_a_name_after_a_signatures_label_goes_however_it_is_written(
        text: str, expected: str) -> None:
    """Korean, Chinese and Irish names, capitals, accents, particles in lower case, a given name
    alone and a surname before a degree were left after a signature's label."""
    _scrubs_to([(text, expected)])


# the clinical words and lines a signature's label may head: a term, an eponym, a report word,
# an abbreviation, a sign-off's state
KEPT = ["Reported by: Becker.", "Reported by: Becker MR", "Reported by: Becker muscular dystrophy.",
        "Reported by: Fontan.", "Reported by: Long Axis.", "Reported by: Persistent LSVC.",
        "Reported by: Mustard, Senning.", "Verified: Pending", "Signed: Electronically",
        "Radiographer: Syncope.", "Verified: Severe MR.", "Signed by: Mark", "Reported by: WPW."]


@pytest.mark.parametrize("text", KEPT)
def test_a_clinical_line_after_a_signatures_label_stays(text: str) -> None:
    assert scrub_free_text(text) == text
