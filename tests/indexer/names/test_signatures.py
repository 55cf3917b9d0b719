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
    "Discussed with Mark Brown regarding repeat imaging."])
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
        "Radiographer: Syncope.", "Verified: Severe MR.", "Reported by: WPW."]


@pytest.mark.parametrize("text", KEPT)
def test_a_clinical_line_after_a_signatures_label_stays(text: str) -> None:
    assert scrub_free_text(text) == text


# clinical text a label-shaped phrase heads: a field's label mid-line ("Allergies verified:"),
# a "by" in running prose, a radiographer's note on the patient
CLINICAL = ["Allergies verified: Penicillin.", "Allergies verified: Nil",
            "Side effects reported: Headache.", "Pacemaker model verified: Advisa",
            "Diagnosis verified: Scleroderma", "Device verified: Micra",
            "Device verified: Biotronik", "Stent verified: Xience", "Device verified: Amplatzer",
            "Valve verified: Hancock", "Valve verified: Perimount",
            "Diagnosis verified: Takayasu", "Diagnosis verified: Alagille",
            "Diagnosis verified: Chiari", "Diagnosis verified: Naxos",
            "Diagnosis verified by Biopsy.", "Occlusion reported by Angio.",
            "Ischaemia reported by Nuclear Medicine.", "Syncope reported by Witnesses.",
            "verified by Pharmacy", "verified by Physiologist", "reported by Zio",
            "reported by Cath Lab", "Radiographer: Bigeminy on ECG.",
            "Radiographer: Nausea on regadenoson.",
            "Radiographer: Uneventful and well tolerated.", "Technologist: Multiband.",
            "Verified by: Physiologist", "Reported by: Radiologists"]


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_text_a_label_shaped_phrase_heads_stays(text: str) -> None:
    """bf8f1a9 scrubbed these: the label matched anywhere on a line, and any capitalised word
    faker lacks read as a name."""
    assert scrub_free_text(text) == text


def test_a_signature_field_keeps_what_is_no_name() -> None:
    """After one surname and a comma, a word that is no given name is the text's ("Kate,
    Claustrophobic."; it went with the name); a label heading a field still signs."""
    _scrubs_to([
        ("Radiographer: Kate, Claustrophobic.", "Radiographer: [name], Claustrophobic."),
        ("Reported by: Volkov, Addendum", "Reported by: [name], Addendum"),
        ("Reported by: Volkov, Dmitri", "Reported by: [name]"),
        ("Findings as above. Reported by: Dmitri Volkov",
         "Findings as above. Reported by: [name]"),
        ("LVEF 55 %  Verified: Dmitri Volkov", "LVEF 55 %  Verified: [name]"),
        ("- Reported by: Dmitri Volkov", "- Reported by: [name]"),
        ("Report verified by Dmitri Volkov", "Report verified by [name]"),
        ("Reported by: Dmitri Volkov on [date]", "Reported by: [name] on [date]"),
        ("Reported by: Dmitri Volkov and Jane Zybrowski", "Reported by: [name] and [name]")])


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Dmitri Volkov 12/03/2021", "Reported by: [name] [date]"),
    ("Reported by: Dmitri Volkov 14:32", "Reported by: [name] 14:32"),
    ("Reported by: Dmitri Volkov Consultant Cardiologist",
     "Reported by: [name] Consultant Cardiologist"),
    ("Reported by: Dmitri Volkov MRCP", "Reported by: [name] MRCP"),
    ("Reported by: Dmitri Volkov BSc", "Reported by: [name] BSc"),
    ("Reported by: Dmitri Volkov FESC", "Reported by: [name] FESC"),
    ("Reported by: DMITRI VOLKOV", "Reported by: [name]"),
    ("Radiographer: ZYBROWSKI", "Radiographer: [name]"),
    ("Reported by: D'Souza", "Reported by: [name]"),
    ("Reported by: Volkov-Smith, Dmitri", "Reported by: [name]"),
    ("Reported by: Petrovic, D.", "Reported by: [name]"),
    ("Radiographer: Jaiswal", "Radiographer: [name]")])
def test_a_signers_name_before_a_time_a_role_or_in_capitals_goes(
        text: str, expected: str) -> None:
    """Each was kept: no comma before the time, the role or the degree (a greedy name took
    the role and was refused whole), capitals, an apostrophe or a hyphen joining known and
    unknown pieces, a surname ending as clinical words do ("-ic", "-al")."""
    _scrubs_to([(text, expected)])


def test_a_joined_or_capitalised_clinical_word_after_a_label_stays() -> None:
    """"Reported by: Tako-Tsubo." was scrubbed; the rest guard the joined and capitalised
    name readings."""
    for text in ["Reported by: Tako-Tsubo.", "Reported by: Kearns-Sayre.",
                 "Reported by: Loeys-Dietz.", "Radiographer: Septal.", "Reported by: NORMAL STUDY",
                 "Radiographer: Well-Tolerated.", "Reported by: Consultant Cardiologist",
                 "Reported by: MINOCA."]:
        assert scrub_free_text(text) == text, text


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Dmitri", "Reported by: [name]"),  # the model's vocabulary holds "dmitri"
    ("Findings as above.\nReported by: Dmitri.", "Findings as above.\nReported by: [name]."),
    ("Radiographer: VOLKOV", "Radiographer: [name]"),  # capitals, six letters, faker lacks it
    ("Reported by: PETROV", "Reported by: [name]"),
    ("Radiographers: Smith and Jones", "Radiographers: [name] and [name]"),
    ("Radiographers: Kowalczyk & Dmitri", "Radiographers: [name] & [name]"),
    ("Signature: Kowalski", "Signature: [name]"),
    ("Signature: Anna Kowalski", "Signature: [name]"),
    ("Signed: Dmitri", "Signed: [name]"),
    ("Reporting radiologist: Dmitri Volkov", "Reporting radiologist: [name]"),
    ("Consultant cardiologist: Nakamura", "Consultant cardiologist: [name]"),
    ("Consultant cardiologist: Dmitri Volkov", "Consultant cardiologist: [name]"),
    ("Images reviewed and reported by: Nakamura", "Images reviewed and reported by: [name]"),
    ("Scan performed and reported by Dmitri.", "Scan performed and reported by [name]."),
    ("LVEF 55 %, reported by: Nakamura", "LVEF 55 %, reported by: [name]")])
def test_a_signer_a_label_names_goes_however_the_label_or_name_is_written(
        text: str, expected: str) -> None:
    """Each was kept: a given name the model's vocabulary holds ("dmitri") read as a word, a
    surname of six capitals as an acronym, a list's second signer, a
    plural or qualified label, a label after the report's subject or mid-line with "by:"."""
    _scrubs_to([(text, expected)])


@pytest.mark.parametrize("text", [
    "Reported by: MINOCA.", "Technologist: MOLLI.", "Radiographer: TAPSE 18 mm.",
    "Reported by: NSTEMI.", "Reported by: HFMREF", "Radiographer: Headache.",
    "Radiographers: Smith and Fontan.", "Reported by: Becker muscular dystrophy.",
    "Occlusion reported by Angio.", "Side effects reported: Nausea.",
    "Valve verified: Hancock", "Diagnosis verified by Biopsy."])
def test_an_acronym_a_word_or_prose_after_a_label_stays(text: str) -> None:
    """Guards of the readings above: acronyms, ordinary words, terms and prose's "by"."""
    expected = text.replace("Smith and", "[name] and")
    assert scrub_free_text(text) == expected


@pytest.mark.parametrize("text", [
    "Reported by: CEMRA.", "Technologist: PRISMA", "Radiographer: INOCA.", "Signed: VERIO",
    "Reported by: MICRA."])
def test_a_cmr_acronym_or_a_scanner_in_capitals_after_a_label_stays(text: str) -> None:
    """Five or six capitals that read as a surname (`_spoken`) were scrubbed: contrast MRA,
    a scanner, a leadless pacemaker."""
    assert scrub_free_text(text) == text


def test_a_list_of_signers_in_capitals_joined_by_and_goes_whole() -> None:
    """"Radiographers: SMITH AND JONES" became "[name] JONES": "AND" read as a name's word."""
    _scrubs_to([("Radiographers: SMITH AND JONES", "Radiographers: [name] AND [name]")])
