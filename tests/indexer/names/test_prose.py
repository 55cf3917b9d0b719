"""A name a cue without a colon or a role on the line below names (`indexer.names.prose`):
"Mary Stokes\\nRadiographer", "Discussed with J. Stokes" and "Discussed with Dmitri Volkov"
were kept; the clinical text in the same places, and a facility's name, stay."""

from __future__ import annotations

import pytest

from indexer.deidentify import scrub_free_text


def _scrubs_to(text: str, expected: str) -> None:
    assert (scrub_free_text(text), scrub_free_text(expected)) == (expected, expected), text


@pytest.mark.parametrize(("text", "expected"), [
    ("Mary Stokes\nRadiographer", "[name]\nRadiographer"),
    ("Dmitri Volkov\nConsultant Cardiologist", "[name]\nConsultant Cardiologist"),
    ("Anna Lazarus,\nReporting radiologist", "[name],\nReporting radiologist"),
    ("LVEF 55 %.\nJ. Stokes\nRadiographer", "LVEF 55 %.\n[name]\nRadiographer")])
def test_a_name_on_the_line_above_its_role_goes(text: str, expected: str) -> None:
    """Each was kept: only a label before a name made it a signer's ("Mary Stokes": an
    eponym, "Dmitri Volkov": names faker lacks)."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", [
    "Normal study\nConsultant review advised.", "Sinus Rhythm\nNurse present.",
    "Cardiology Department\nConsultant Cardiologist", "Midazolam\nNurse",
    "Impression\nRadiographer", "Follow Up\nConsultant",
    "Fontan circulation.\nConsultant cardiologist aware."])
def test_clinical_text_above_a_role_stays(text: str) -> None:
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Discussed with J. Stokes", "Discussed with [name]"),
    ("Results phoned to Mary Stokes.", "Results phoned to [name]."),
    ("Discussed with Dmitri Volkov on the ward.", "Discussed with [name] on the ward."),
    ("Results phoned to Okafor, 10:30.", "Results phoned to [name], 10:30."),
    ("Discussed with Ng today.", "Discussed with [name] today.")])
def test_a_name_after_a_prose_cue_goes(text: str, expected: str) -> None:
    """Each was kept: an eponym after initials or a given name was a term, and a name faker
    lacks was none without a label."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", [
    "Discussed with Cardiology.", "Results phoned to Ward 5.", "Discussed with Patient.",
    "Discussed with Turner syndrome in mind.", "Discussed with A Simpson biplane LVEF.",
    "Discussed with Austin Flint murmur.", "Stokes-Adams attacks, discussed with family.",
    "Referred from: Leeds General Infirmary", "Referred to Cardiology Department.",
    "Discussed with MDT.", "Acquired with Dixon."])
def test_clinical_text_and_facilities_after_a_prose_cue_stay(text: str) -> None:
    """A department, a ward, a diagnosis, an eponym whole and a facility (a quasi-identifier
    that HIPAA Safe Harbor does not list: `indexer.names`) are no one's name."""
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Discussed with Mary Stokes and Dmitri Volkov.", "Discussed with [name] and [name]."),
    ("Discussed with Dmitri Volkov & Anna Lazarus.", "Discussed with [name] & [name]."),
    ("Discussed with J Volkov.", "Discussed with [name]."),
    ("Discussed with JS Volkov.", "Discussed with [name]."),
    ("d/w Dmitri Volkov today.", "d/w [name] today."),
    ("D/w Dmitri Volkov.", "D/w [name]."),
    ("Seen by Dmitri Volkov.", "Seen by [name]."),
    ("Handed over to Dmitri Volkov.", "Handed over to [name]."),
    ("Copy to Dmitri Volkov.", "Copy to [name]."),
    ("cc Dmitri Volkov", "cc [name]"),
    ("Discussed with Dmitri Volkov 10:30.", "Discussed with [name] 10:30."),
    ("Dmitri Volkov\nFellow", "[name]\nFellow"),
    ("Dmitri Volkov\nClinical Fellow", "[name]\nClinical Fellow")])
def test_a_list_initials_and_more_cues_go(text: str, expected: str) -> None:
    """Each kept a name: a list stopped after its first, initials without dots, "d/w", "seen
    by", "handed over to", "copy to", "cc" without a colon, a time after the name and a fellow
    were no cue."""
    _scrubs_to(text, expected)


@pytest.mark.parametrize("text", [
    "Reviewed with Osirix.", "Reviewed with Suiteheart.", "Discussed with Southampton.",
    "Discussed with Papworth.", "Discussed with Evelina.", "Discussed with Alder Hey.",
    "Agreed with Kaplan Meier.", "Reviewed with Bland Altman.", "Reviewed with Fick.",
    "Discussed with A Volkov.", "10 cc Gadovist given.", "Seen by Cardiology."])
def test_a_program_a_place_or_a_method_after_a_prose_cue_stays(text: str) -> None:
    """Each one word or pair faker lacks became [name]: prose names a program, a hospital or
    a method by it; one word alone is a name there only where faker knows it."""
    assert scrub_free_text(text) == text


@pytest.mark.parametrize("text", [
    "Allergies Nil\nNurse", "McGoon Ratio\nConsultant", "Cox Maze\nConsultant",
    "Da Silva Cone\nConsultant", "Carpentier Edwards\nConsultant", "St Jude\nConsultant",
    "Medtronic Micra\nConsultant", "Royal Brompton\nConsultant", "Jatene\nConsultant",
    "Kawashima\nConsultant", "Takayasu\nConsultant", "Whipple\nConsultant",
    "Uhl\nConsultant", "Scimitar\nConsultant"])
def test_a_clinical_line_above_a_role_stays(text: str) -> None:
    """Each became [name]: a role below is a weaker cue than a label before, and a device, an
    operation, an eponym or a finding ends a line above one as often."""
    assert scrub_free_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Okafor\nConsultant", "[name]\nConsultant"), ("Li\nRadiographer", "[name]\nRadiographer")])
def test_a_known_surname_alone_above_a_role_goes(text: str, expected: str) -> None:
    _scrubs_to(text, expected)
