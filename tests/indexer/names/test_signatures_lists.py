"""Lists of signers and the labels they follow: a review found staff names left after a comma
("Radiographers: Smith, Jones, Volkov"), past a list's fourth name, on a list wrapped after
"and", and after labels the scrubber did not know ("Nurse:", "Scanned by:", "cc:"). The
clinical words such a label or list may head stay."""

from __future__ import annotations

import time

import pytest

from indexer.deidentify import scrub_free_text


def _scrubs_to(text: str, expected: str) -> None:
    assert (scrub_free_text(text), scrub_free_text(expected)) == (expected, expected), text


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographers: Smith, Jones, Volkov", "Radiographers: [name], [name]"),  # "Jones, Volkov"
    ("Radiographers: Smith and Jones, Patel and Okafor",
     "Radiographers: [name] and [name], [name] and [name]"),
    ("Radiographers: Smith, Jones, and Volkov.", "Radiographers: [name], [name], and [name]."),
    ("Reported by: Dmitri Volkov, Anna Petrova, Jane Zybrowski",
     "Reported by: [name], [name], [name]"),
    ("Reported by: Volkov, Dmitri and Petrova, Anna", "Reported by: [name] and [name]"),
    ("Radiographers: Smith; Volkov", "Radiographers: [name]; [name]")])
def test_a_comma_list_of_signers_goes_whole(text: str, expected: str) -> None:
    """"Radiographers: Smith, Jones, Volkov" kept "Volkov" ("Smith, Jones" read as a surname
    and a given name, and no list went on after a comma); "Smith and Jones, Patel and Okafor"
    kept the second pair."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographers: Smith / Jones / Patel / Okafor / Petrov",
     "Radiographers: [name] / [name] / [name] / [name] / [name]"),
    ("Radiographers: Smith and Jones and Patel and Okafor and Pavel",
     "Radiographers: [name] and [name] and [name] and [name] and [name]"),
    ("Radiographers: " + " & ".join(["Volkov", "Petrov", "Okafor"] * 4),
     "Radiographers: " + " & ".join(["[name]"] * 12))])
def test_a_list_of_signers_has_no_fifth_name_left(text: str, expected: str) -> None:
    """The fifth name of a list was kept: a list went on for three names after the first."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Reported by: Dmitri Volkov and\nAnna Petrova", "Reported by: [name] and\n[name]"),
    ("Reported by: Dmitri Volkov and\nAnna Petrova\nLVEF 55 %.",
     "Reported by: [name] and\n[name]\nLVEF 55 %."),
    ("Radiographers: Smith,\nVolkov", "Radiographers: [name],\n[name]"),
    ("Reported by: Dmitri Volkov and\nLVEF 55 %.", "Reported by: [name] and\nLVEF 55 %.")])
def test_a_list_of_signers_wrapped_after_and_goes_whole(text: str, expected: str) -> None:
    """"Reported by: Dmitri Volkov and\\nAnna Petrova" was kept whole: a name before "and" at
    the line's end was no name's end."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Radiographers: Smith and Fontan.", "Radiographers: [name] and Fontan."),
    ("Radiographer: Kate, Claustrophobic.", "Radiographer: [name], Claustrophobic."),
    ("Reported by: Dmitri Volkov, Consultant Cardiologist",
     "Reported by: [name], Consultant Cardiologist"),
    ("Reported by: Dmitri Volkov, Cardiac MRI Fellow", "Reported by: [name], Cardiac MRI Fellow"),
    ("Reported by: Dmitri Volkov, Royal Brompton Hospital",
     "Reported by: [name], Royal Brompton Hospital"),
    ("Reported by: Dmitri Volkov,\nFindings: normal LV.",
     "Reported by: [name],\nFindings: normal LV."),
    ("Reported by: Dmitri Volkov; Findings discussed at MDT.",
     "Reported by: [name]; Findings discussed at MDT."),
    ("Reported by: Dmitri Volkov and\nSevere MR.", "Reported by: [name] and\nSevere MR."),
    ("Reported by: Dmitri Volkov, Fontan, Glenn.", "Reported by: [name], Fontan, Glenn.")])
def test_a_list_ends_at_what_is_no_name(text: str, expected: str) -> None:
    """A list is read to the first of its words that is no one's: a role, a term, a heading,
    a hospital, a clinical line on the next line."""
    assert scrub_free_text(text) == expected


LABELS = ["Nurse: ", "Cardiac physiologist: ", "Physiologist: ", "Scanned by: ", "Performed by: ",
          "Acquired by: ", "Supervised by: ", "Co-signed: ", "Cosigned by: ", "Second reader: ",
          "Reviewed with: ", "Dictated by: ", "Transcribed by: ", "Authorised by: ",
          "Authorized by: ", "Approved by: ", "cc: ", "CC: ", "LVEF 55 %. Scanned by: ",
          "Images acquired by: "]


@pytest.mark.parametrize("label", LABELS)
def test_a_name_after_a_staff_label_goes(label: str) -> None:
    """"Nurse:", "Physiologist:", "Scanned by:", "Performed by:", "Acquired by:", "Supervised
    by:", "Co-signed:", "Cosigned by:", "Second reader:", "Reviewed with:" and "cc:" kept a
    name faker lacks ("Dmitri Volkov", "Volkov", "Kowalczyk & Dmitri")."""
    _scrubs_to(f"{label}Dmitri Volkov", f"{label}[name]")
    _scrubs_to(f"{label}Volkov\nLVEF 55 %.", f"{label}[name]\nLVEF 55 %.")
    _scrubs_to(f"{label}Kowalczyk & Dmitri", f"{label}[name] & [name]")


@pytest.mark.parametrize("text", [
    "Nurse: Observations stable.", "Nurse: Anxious patient.", "Nurse: Cannulation uneventful.",
    "Physiologist: ECG normal.", "Performed by: Siemens Aera", "Performed by: Stress Protocol",
    "Acquired by: Compressed Sensing.", "Images acquired by Dixon", "Scan performed by Zio.",
    "Reviewed with: MDT", "Reviewed with Cardiology Team.", "Supervised by: Consultant",
    "Second reader: Agrees.", "cc: GP", "cc: Patient", "cc: Referrer", "cc: Cardiology",
    "cc: Referring Clinician", "cc: Heart Failure Nurses", "cc: Becker MD.", "CC: LVEF 55 %."])
def test_clinical_words_after_a_staff_label_stay(text: str) -> None:
    """Guards of the labels above: a role, a department, a scanner, a technique, prose's "by"
    and "with" without a colon, a copy to a role; a copy's "Becker MD." is a dystrophy."""
    assert scrub_free_text(text) == text


def test_a_long_list_of_signers_is_read_in_linear_time() -> None:
    """A list is read one name at a time to its end, with no cap: 100 kB of one, or of
    commas after a label, each well under a few seconds (each about half a second here)."""
    scrub_free_text("Radiographers: Smith / Volkov")  # the gazetteer and the model, once
    names = ["Smith", "Jones", "Volkov", "Petrov", "Okafor", "Nakamura", "Dmitri Volkov"]
    for text in ("Radiographers: " + " / ".join(names * 1500),
                 "Reported by: " + " and\n".join(names * 1500),
                 "Reported by: " + "Volkov, " * 12000,
                 "Reported by: Dmitri Volkov, Fontan.\n" * 2800):
        started = time.perf_counter()
        out = scrub_free_text(text)
        assert time.perf_counter() - started < 5.0, text[:40]
        assert "Volkov" not in out and "Smith" not in out
