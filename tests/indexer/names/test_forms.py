"""The shapes of a name a review found left in de-identified reports ("DR SMITH", "Drs Smith and
Patel", "Reported by: Smith J", "- Smith, John" under "cc:", "Scanned by K Okafor"), and the
clinical text each new shape must leave as it is ("MR: moderate", "Kerley B lines", "Factor V
Leiden", "Stanford A", a reference's authors)."""

from __future__ import annotations

import time

import pytest

from indexer.deidentify import scrub_free_text
from indexer.names.given import family_names

TITLES = [
    # titles in capitals; the second name is no grade, wall or degree
    ("DR J. SMITH", "[name]"), ("DR. J SMITH", "[name]"), ("DR SMITH", "[name]"),
    ("PROF A B SMITH-JONES", "[name]"), ("DISCUSSED WITH DR PATEL", "DISCUSSED WITH [name]"),
    ("DR JANE SMITH, CONSULTANT", "[name], CONSULTANT"),
    ("DR SMITH\nSEVERE AORTIC STENOSIS", "[name]\nSEVERE AORTIC STENOSIS"),
    ("DR SMITH SEVERE AORTIC STENOSIS.", "[name] SEVERE AORTIC STENOSIS."),
    ("Discussed with Dr Smith Severe aortic stenosis.",
     "Discussed with [name] Severe aortic stenosis."),
    ("Dr Jones Anterior wall LGE.", "[name] Anterior wall LGE."),
    ("Dr J SMITH MBBS FRCP", "[name] MBBS FRCP"),
    # "Drs" and each name after it
    ("Case discussed with Drs Smith and Patel.", "Case discussed with [name] and [name]."),
    ("Discussed with Drs. Smith, Patel and Okafor.", "Discussed with [name], [name] and [name]."),
    ("Discussed with Drs J Smith and A Patel.", "Discussed with [name] and [name]."),
    ("DISCUSSED WITH DRS SMITH AND PATEL", "DISCUSSED WITH [name] AND [name]"),
    # dotless initials after a title, on the title's line; initials before a surname that is a
    # word after a word that names a person
    ("Dr J Brown", "[name]"), ("Dr A Long", "[name]"),
    ("Dr J Hill, Consultant Cardiologist", "[name], Consultant Cardiologist"),
    ("Dr J Hill\nSevere MR", "[name]\nSevere MR"),
    ("Reported by: J. Brown", "Reported by: [name]"),
    ("Discussed with K. White.", "Discussed with [name]."),
    ("Distribution: J Smith, K Brown", "Distribution: [name], [name]"),
]
TITLES_KEPT = [
    "MR: moderate.", "MS Severe.", "MR moderate, AS severe.", "AS: Severe.",
    "MRS PCr/ATP ratio reduced.", "Born in DR Congo.", "Drs and nurses.",
    "Discussed with Drs on call.", "Long axis cine.", "A B-mode image was obtained.",
    "Reviewed by A. Long", "Grade: A", "Long A.", "Hill B lesion.", "Hill-Sachs lesion.",
]


@pytest.mark.parametrize(("text", "expected"), TITLES)
def test_titles_in_capitals_drs_and_initials_after_a_title(text: str, expected: str) -> None:
    """"DR SMITH" and "Drs Smith and Patel" were kept whole; "Dr Smith Severe aortic stenosis"
    lost "Severe"."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("text", TITLES_KEPT)
def test_mitral_valve_capitals_and_plain_drs_are_no_title(text: str) -> None:
    assert scrub_free_text(text) == text


CUED = [
    # a list's bullet or number begins a name as a line's start does
    ("cc:\n- Smith, John\n- Patel, Priya", "cc:\n- [name]\n- [name]"),
    ("cc:\n• Smith, John\n• Patel, Priya", "cc:\n• [name]\n• [name]"),
    ("cc:\n1. Smith, John\n2. Patel, Priya", "cc:\n1. [name]\n2. [name]"),
    ("Distribution:\n- J. Smith\n- A. Patel", "Distribution:\n- [name]\n- [name]"),
    # words that name a person next
    ("Scanned by K Okafor, reported by J Smith.", "Scanned by [name], reported by [name]."),
    ("Performed by J Smith.", "Performed by [name]."),
    ("Results phoned to J Jones", "Results phoned to [name]"),
    ("Results phoned to Jones, Mark.", "Results phoned to [name]."),
    ("Second read: D. Pennell", "Second read: [name]"),
    ("Second read by D.J. Pennell", "Second read by [name]"),
    ("Compared with the study of Smith, John from 2019.",
     "Compared with the study of [name] from 2019."),
    ("Compared with the study of J. Smith (sibling).",
     "Compared with the study of [name] (sibling)."),
    ("Requested by: Smith, Mark", "Requested by: [name]"), ("GP: Jones, Mark", "GP: [name]"),
    ("Name: Brown, Sarah", "Name: [name]"),
    ("Cousin, Smith, John, has HCM.", "Cousin, [name], has HCM."),
    ("Family: father Smith, John (deceased).", "Family: father [name] (deceased)."),
]
CUED_KEPT = [
    "1. Anterior, lateral walls thin.", "1. Basal anterior LGE.", "- Fontan, Glenn.",
    "- Ross, Konno procedure.", "2) Moderate AS.", "- Mild LV dilatation.",
    "Results phoned to CCU.", "Scanned by the radiographers.", "Compared with the study of 2019.",
    "Images of the LV.", "GP: Please repeat in 6 months.", "Requested by: Cardiology.",
    "Second read: Agree with findings.", "Father: HCM, SCD aged 45.", "Mother Has HCM.",
    "Reported by: LV dilated.", "Reported by: LV EF 45%.",
    # a side, a segment or a sign before an organ's word
    "JVP: C Cannon waves noted.", "Findings: S Colon diverticula.", "Perfusion: S Walls normal.",
    # a reference's authors
    "Source: Petersen, S.E. et al.", "Reference: B. Hale et al.",
    "Refs: (Turner, Louise; Williams, Sarah)",
]


@pytest.mark.parametrize(("text", "expected"), CUED)
def test_bulleted_lists_and_more_words_that_name_a_person(text: str, expected: str) -> None:
    """A cc list's bullets, "Scanned by", "phoned to", "Second read:", "the study of", "GP:" and
    a relative were no reason to read a name."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("text", CUED_KEPT)
def test_clinical_lists_after_a_bullet_or_a_new_cue_are_left(text: str) -> None:
    assert scrub_free_text(text) == text


LETTERED = [
    ("Reported by: Smith J", "Reported by: [name]"),
    ("Reported by: Smith JR", "Reported by: [name]"),
    ("cc: Jones S, Patel P", "cc: [name], [name]"),
    ("MDT attendees: Smith J, Patel A, Okafor K.", "MDT attendees: [name], [name], [name]."),
    ("Discussed with Smith J and Patel A.", "Discussed with [name] and [name]."),
    ("SMITH J\nCONSULTANT CARDIOLOGIST", "[name]\nCONSULTANT CARDIOLOGIST"),
    ("Operator: Smith J", "Operator: [name]"), ("Sonographer: Brown K", "Sonographer: [name]"),
    ("Reported by: Smith, J", "Reported by: [name]"),
    ("Requested by: Smith, J (Cardiology)", "Requested by: [name] (Cardiology)"),
    # a surname in capitals before a given name, as European systems write it
    ("Reported by: SMITH John", "Reported by: [name]"),
]
# an eponym's or a grade's letter, a numeral, an abbreviation, running text, a reference
LETTERED_KEPT = [
    "Kerley B lines.", "Kerley B Lines.", "Classification: Stanford A.", "Stanford A dissection.",
    "Type: Stanford A", "DeBakey I, Stanford A.", "Heterozygous for Factor V Leiden.",
    "Type A dissection.", "Stage B heart failure.", "NYHA II.", "Classification: Crawford II.",
    "Sequences: Dixon W, Dixon F.", "Dixon W and Dixon F images.", "Mobitz II block.",
    "Protein C deficiency.", "Troponin T raised.", "Segment: Basal LV.", "Culprit: LAD D1",
    "Stenosis: Mid LAD, Proximal RCA.", "Smith classification II.", "Duke A.",
    "Reference: Kramer CM, Barkhausen J, Flamm SD, et al. JCMR 2013.",
    "Ref: Hundley WG, Bluemke DA, Finn JP, et al.",
    "1. Kramer CM, Barkhausen J, et al. JCMR 2020;22:17.",
    "Kramer CM, Barkhausen J, Bucciarelli-Ducci C. J Cardiovasc Magn Reson 2020;22:17.",
    "Petersen SE, Aung N, Sanghvi MM, et al. JCMR 2017.",
]


@pytest.mark.parametrize(("text", "expected"), LETTERED)
def test_a_surname_then_initials_after_a_cue_or_at_a_head(text: str, expected: str) -> None:
    """"Reported by: Smith J" and "cc: Jones S, Patel P" were kept whole: only initials before
    the surname were read."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("text", LETTERED_KEPT)
def test_a_word_then_a_letter_in_clinical_text_or_a_reference_is_no_name(text: str) -> None:
    assert scrub_free_text(text) == text


FORMS = [
    # several, run-together and hyphenated initials
    ("Consultant radiologist: A B Smith", "Consultant radiologist: [name]"),
    ("Consultant radiologist: AB Smith", "Consultant radiologist: [name]"),
    ("Discussed with J P Martin.", "Discussed with [name]."),
    ("Report: J-P Martin", "Report: [name]"),
    ("Discussed with J.-P. Martin.", "Discussed with [name]."),
    # nothing left behind: a middle initial, a capitalised particle, an Arabic surname
    ("Verified by: SMITH, JANE E", "Verified by: [name]"),
    ("Consultant: Van den Berg, Pieter", "Consultant: [name]"),
    ("Consultant: VAN DEN BERG, PIETER", "Consultant: [name]"), ("De Vries, Jan", "[name]"),
    ("DE VRIES, JAN", "[name]"), ("Mc Donald, Ewan", "[name]"),
    ("Report: Al-Hassan, Mohammed", "Report: [name]"),
    ("Report: Mohammed Al-Hassan", "Report: [name]"),
]
FORMS_KEPT = [
    "J-point elevation.", "A-V block.", "T-P segment.", "Q-T prolongation.", "A B C D E",
    "VAN DEN BERG", "Van Loading.", "De Novo lesion.", "Del Nido Cardioplegia Used.",
    "Al Amyloidosis.", "AL AMYLOIDOSIS", "Blood group: A Rhesus negative.",
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_initials_and_particles_a_name_is_written_with(text: str, expected: str) -> None:
    """"A B Smith", "J-P Martin" were kept; "SMITH, JANE E" left "E", "Van den Berg, Pieter"
    left "Pieter"."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("text", FORMS_KEPT)
def test_hyphenated_letters_and_particles_in_clinical_text_are_left(text: str) -> None:
    assert scrub_free_text(text) == text


def test_organs_and_an_artery_are_no_family_name() -> None:
    """faker lists "Kidney", "Colon" and "Lad" as family names: "R Kidney" was a name."""
    assert not {"kidney", "colon", "walls", "cannon", "lad"} & family_names()


# a cue of each family: a relative, a label, an "of", a technique's "with", a signature's word
CUES = ["Mother: ", "Family history: mother ", "Brother ", "Name: ", "Sequence name: ",
        "Series name: ", "Present: ", "Present:\n", "Distribution: ", "Images of ", "MRI of ",
        "Study of ", "Acquired with ", "Performed with ", "Scan with ", "Reported by: ", "cc: ",
        "Operator: ", "GP: ", "Attendees: ", "Phoned to ", "Discussed with "]
# an eponym's letter or numeral, an abbreviation after a word: never a name, whatever the cue
CLINICAL = ["Long QT", "Short QT", "Long PR", "Long RP", "Kerley B", "Dixon W", "Dixon F",
            "Short AX", "Long AX", "Small PDA", "Duke A", "David V", "Crawford II", "Ross II",
            "Wilkins II", "Strand LGE", "KERLEY B"]


@pytest.mark.parametrize("cue", CUES)
def test_a_cue_keeps_the_guards_against_clinical_terms(cue: str) -> None:
    """After any cue "surname + capitals" was a name with no check: "Mother: Long QT.",
    "Present: Kerley B.", "Sequence name: Dixon W" became "[name]"."""
    for term in CLINICAL:
        for text in (f"{cue}{term}", f"{cue}{term}.", f"{cue}{term} (x)", f"{cue}{term}, 2019"):
            assert scrub_free_text(text) == text
    text = f"{cue}Long AX and Short AX."
    assert scrub_free_text(text) == text


@pytest.mark.parametrize("cue", [c for c in CUES if c.startswith(
    ("Mother", "Family", "Brother", "Name", "Sequence", "Series", "Present", "Distribution",
     "Images", "MRI", "Study", "Acquired", "Performed", "Scan"))])
def test_a_weak_cue_takes_no_word_for_a_surname(cue: str) -> None:
    """A relative, a label, an "of" or a technique's "with" heads clinical text as often as a
    name: "Hill B", "Long A", "B. Findings", "N Engl J Med" after it are left; after
    "Reported by:" "Long A" is Ms Long."""
    for term in ("Hill B", "Long A", "B. Findings: LV dilated.", "E. Recommendations",
                 "N Engl J Med 2019."):
        assert scrub_free_text(f"{cue}{term}") == f"{cue}{term}"
    assert scrub_free_text("Reported by: Long A") == "Reported by: [name]"


CUED_NAMES = [
    ("Family history: mother Smith J, father HCM.", "Family history: mother [name], father HCM."),
    ("Mother: Smith, Jane", "Mother: [name]"),
    ("Present: J Smith, K Brown", "Present: [name], [name]"),
    ("Images of Smith, John", "Images of [name]"), ("Reported by: Brown J", "Reported by: [name]"),
    ("Read by: N Engl J Med 2019.", "Read by: N Engl J Med 2019."),
    # a surname that is a word then initials after a signature's word
    ("Typed by: Brown, K", "Typed by: [name]"), ("Reported by: Long, A", "Reported by: [name]"),
    ("Reported by: Young, M.", "Reported by: [name]"),
]


@pytest.mark.parametrize(("text", "expected"), CUED_NAMES)
def test_names_after_weak_and_strong_cues(text: str, expected: str) -> None:
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


PARTICLES = [
    ("DR SMITH", "[name]"), ("DR JOHN SMITH", "[name]"), ("PROF A B SMITH", "[name]"),
    ("DR VAN DEN BERG", "[name]"), ("Dr Van den Berg", "[name]"), ("Dr. Van Der Berg", "[name]"),
    ("DR. DE LA CRUZ", "[name]"), ("Dr Le", "[name]"), ("Dr Le reviewed", "[name] reviewed"),
    ("Reported by: Van den Berg P", "Reported by: [name]"),
    ("Reported by: Smith J R", "Reported by: [name]"),
    ("Verified by: Smith, Jane E. F.", "Verified by: [name]"), ("SMITH, JANE E F", "[name]"),
    ("SMITH John Paul", "[name]"), ("Reported by: SMITH John Paul", "Reported by: [name]"),
    ("Discussed with Drs. Smith/Patel.", "Discussed with [name]/[name]."),
    ("Drs Smith, Patel, Okafor, Jones, Brown, Green, Müller, Rossi, Tanaka and Nguyen.",
     "[name], [name], [name], [name], [name], [name], [name], [name], [name] and [name]."),
]


@pytest.mark.parametrize(("text", "expected"), PARTICLES)
def test_no_part_of_a_name_is_left_behind(text: str, expected: str) -> None:
    """"DR VAN DEN BERG" left "BERG", "Smith J R" left "R", "SMITH John Paul" left "Paul",
    "Drs. Smith/Patel" left "Patel", a ninth doctor after "Drs" was left."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("text", [
    "scanned by Name: John Ref: John  A  K. Al", "Name: John Ref: 12", "GP: Anna Ref: X",
    "cc: Jones S, Patel P. Our ref: AB", "Reported by:\r\nJ. Smith\r\nRef: Kramer CM, et al.",
    "B  GP: Smith DR E /: Hill J.MR Consultant", "Okafor DR MRden O'Prof JR",
    "Ref:  Pieter  Mark ( Patel GP:  J", "Ref: Al Anna VRIES Our ref: K Kramer"])
def test_a_scrubbed_text_scrubbed_again_is_the_same(text: str) -> None:
    """A given name after a cue took "Ref" for its surname, a name after "Ref:" unmade the
    label, a name before "/:" was no cue until it was "[name]", a refused "DR" hid "Prof JR":
    what the first pass replaced changed what the second read."""
    once = scrub_free_text(text)
    assert scrub_free_text(once) == once


@pytest.mark.parametrize(("unit", "size"), [
    ("Smith J, ", 40_000), ("SMITH J\n", 40_000), ("DJ ", 40_000), ("Van ", 40_000),
    ("- Smith, John\n", 40_000), ("Drs Smith and ", 40_000), (": J Smith", 40_000),
    ("Ref: Kramer CM, ", 40_000), (": Smith J", 100_000), ("O'", 100_000), ("J-", 100_000),
    ("Al-", 100_000), ("SMITH-", 100_000)])
def test_long_lists_of_names_are_read_in_linear_time(unit: str, size: int) -> None:
    """A bound on the list's tail kept "Smith, John, " * n from seconds; a name as DICOM
    writes it ("O'BRIEN^SEAN") read every start of "O'O'O'..." to its end: 100 kB took 6 to
    9 s. Each shape keeps its text well under a quadratic reading's seconds."""
    text = "Reported by: " + unit * (size // len(unit)) + "Brien, Sean"
    scrub_free_text("Reported by: Smith J")  # faker's lists are read once, before the clock
    started = time.perf_counter()
    once = scrub_free_text(text)
    assert time.perf_counter() - started < 1.5
    assert scrub_free_text(once) == once
