"""A surname alone after "Pt"/"Patient" or before "family", a doctors list's surnames spread,
and the clinical text the second round's rules took for names (a review of 30e7414)."""

from __future__ import annotations

import pytest

from indexer.deidentify import scrub_free_text


@pytest.mark.parametrize(("text", "expected"), [
    ("Pt Okafor, MRN 123", "Pt [name], MRN 123"),
    ("Patient: Volkov.", "Patient: [name]."),
    ("Okafor family, HCM", "[name] family, HCM"),
    ("Drs Smith and Volkov reviewed. Dmitri Volkov signed.", "[name] and [name] reviewed. "
     "[name] signed."),
    ("Radiographers: Smith and Jones LVEF 55 %", "Radiographers: [name] and [name] LVEF 55 %")])
def test_a_surname_alone_that_context_names_is_scrubbed(text: str, expected: str) -> None:
    assert (scrub_free_text(text), scrub_free_text(expected)) == (expected, expected)


@pytest.mark.parametrize("text", [
    "Pt Anxious, sedated.", "Patient Still, MRN 123", "Strong family history of SCD.",
    "Fabry family screening.", "Pt Turner syndrome, coarctation repaired.",
    "Dr Turner reported. Turner syndrome with coarctation.",
    "Dr Williams. Williams syndrome, supravalvar AS.",
    "Dr Austin. Austin Flint murmur.", "Dr Kawashima. Kawashima procedure.",
    "Second reader: Concurs.", "Scanned by: Prisma", "Acquired by: Lumina"])
def test_clinical_words_stay(text: str) -> None:
    out = scrub_free_text(text)
    kept = text.replace("Dr Turner", "[name]").replace("Dr Williams", "[name]").replace(
        "Dr Austin", "[name]").replace("Dr Kawashima", "[name]")
    assert out == kept
