"""Untitled names in free text: "discussed with John Smith" reached a handout as written."""

from __future__ import annotations

import numpy as np
import pytest

from cmr_search.vocab import Diagnosis, Finding, Severity
from indexer.deidentify import scrub_free_text
from indexer.given_names import family_names, given_names, scrub_given_names, words
from phantom.measure import Measurements
from phantom.phrases import LGE_PATTERNS
from phantom.reports import ReportFacts, write_report
from phantom.vendors import VENDORS


def test_an_untitled_name_in_running_text_becomes_name() -> None:
    """Only "Dr Smith" or "Patient: Quinn Rossi" were found; the name alone stayed."""
    text = ("Compared with the study of Quinn Rossi last year. Discussed with John Smith. "
            "Seen by Anna Müller in clinic. Jean-Luc Picard reviewed the images with Sean "
            "O'Brien, Anna van der Berg, Maria da Silva and Hiroshi Tanaka; John F. Kennedy's "
            "and John Paul Jones's studies; cc Anna Schmidt-Weber, Carl McDonald.")
    assert scrub_free_text(text) == (
        "Compared with the study of [name] last year. Discussed with [name]. Seen by [name] "
        "in clinic. [name] reviewed the images with [name], [name], [name] and [name]; "
        "[name]'s and [name]'s studies; cc [name], [name].")
    assert scrub_free_text("Mrs. Rossi and Quinn Rossi") == "[name] and [name]"
    # a word before the name that looked like one is no reason to miss it
    assert scrub_given_names("Compared With Quinn Rossi") == "Compared With [name]"


def test_a_name_in_capitals_needs_a_given_name_that_is_no_word_and_a_known_family_name() -> None:
    """Headings are written in capitals: "JOHN SMITH" is a name, "MARK SMITH" may be a verb."""
    assert scrub_given_names("Referred by JOHN SMITH; Patient John SMITH") == \
        "Referred by [name]; Patient [name]"
    for kept in ("MARK SMITH", "MAX WALL THICKNESS 12 MM", "CARDIAC MRI REPORT",
                 "CLINICAL INDICATION: CHEST PAIN", "LATE GADOLINIUM ENHANCEMENT: NONE",
                 "ANNA ZYBROWSKI"):
        assert scrub_given_names(kept) == kept


def test_a_given_name_that_is_a_word_needs_a_known_family_name() -> None:
    assert scrub_given_names("Discussed with Mark Smith and Grace Kelly.") == \
        "Discussed with [name] and [name]."
    for kept in ("Mark the LV", "May represent artefact", "May Represent Artefact",
                 "Mark The Apex", "Grace Period For Review", "Hope To Repeat In 6 Months",
                 "Max Wall Thickness 18 mm", "Min Septal Thickness", "Major Adverse Events",
                 "Chase Up Genetic Testing", "Page 2 Of 3", "Rich Trabeculation",
                 "Gene Expression Profiling", "Sunny Day", "Van Loading", "Crystal Clear Images",
                 "Joy Division", "Rose Bengal", "Art Line In Situ", "Bill Paid"):
        assert scrub_given_names(kept) == kept


@pytest.mark.parametrize("term", [
    "Known Anderson-Fabry Disease", "Fabry Disease", "Takotsubo Cardiomyopathy",
    "Brugada Syndrome", "Ebstein Anomaly", "Marfan Syndrome", "Noonan Syndrome",
    "Danon Disease; Pompe Disease; Barth Syndrome", "24 Hr Holter Monitor", "Doppler Echo",
    "Modified Simpson's method", "Simpson Method", "Bruce protocol, Bruce Protocol stage 3",
    "Wolff-Parkinson-White Pattern", "Will Rogers phenomenon", "Austin Flint murmur",
    "Graham Steell Murmur", "Emery-Dreifuss Muscular Dystrophy", "Emery Dreifuss Dystrophy",
    "Ross Procedure In 2015, Glenn Shunt In Infancy, Fontan Circulation",
    "Lake Louise Criteria", "Duke Criteria", "Hunter Syndrome", "Timothy Syndrome",
    "Tetralogy Of Fallot", "Siemens Aera, Philips Ingenia, GE Signa Artist, MAGNETOM Vida",
    "St. Jude Medical Valve; Melody Valve", "Guy's And St Thomas' Hospital",
    "Normal Biventricular Size And Function", "Left Ventricle: Normal Size",
    "Summary: Mild LV Dilatation.", "Lucy In The Sky", "Anna Is Well", "Ivan\nPetrov",
])
def test_eponyms_report_words_and_headings_are_no_name(term: str) -> None:
    assert scrub_free_text(term) == term


def test_the_gazetteer_is_fakers_and_its_words_cover_the_names_that_are_words() -> None:
    names, families = given_names(), family_names()
    assert len(names) > 5000 and len(families) > 5000
    assert {"John", "Quinn", "Anna", "Jürgen", "Zoë", "Søren", "Hiroshi", "Wei"} <= names
    assert {"smith", "rossi", "müller", "tanaka", "o'brien"} <= families
    # each of these, alone, is a word: a given name only before a known family name
    for word in ("May", "Will", "Mark", "Grace", "Hope", "Joy", "Faith", "Rose", "Page",
                 "Major", "Sunny", "Lane", "Wade", "Chase", "Bill", "Art", "Gene", "Guy",
                 "Ray", "Dale", "Van", "Rich", "Max", "Min", "June", "April", "August"):
        assert word not in names or word.lower() in words(), word
    assert scrub_given_names(scrub_given_names("with John Smith")) == "with [name]"


def _report_texts(count: int) -> list[str]:
    """Reports and impressions the phantom writes (no real name in them), every diagnosis,
    finding, severity, scar pattern, territory and scanner."""
    rng = np.random.default_rng(11)
    models = [(v.manufacturer.split()[0].title(), m) for v in VENDORS.values() for m in v.models]
    texts = []
    for _ in range(count):
        maker, model = models[int(rng.integers(len(models)))]
        contrast = bool(rng.random() < 0.9)
        technique = (f"CMR on a {model.field_strength_t:.1f} T {maker} {model.name}. Cine SSFP "
                     "imaging in short-axis and long-axis planes."
                     + " Late gadolinium enhancement imaging after gadobutrol." * contrast)
        patterns = rng.choice(list(LGE_PATTERNS), size=int(rng.integers(3)), replace=False)
        facts = ReportFacts(
            list(Diagnosis)[int(rng.integers(len(Diagnosis)))],
            {f: list(Severity)[int(rng.integers(4))] for f in Finding},
            Measurements(*(float(x) for x in rng.uniform(5, 300, 11)), end_systolic_frame=9),
            tuple(str(p) for p in patterns), (None, "lad", "rca", "lcx")[int(rng.integers(4))],
            contrast, technique)
        report = write_report(rng, facts)
        texts += [report.text, report.impression]
    return texts


def test_the_phantoms_reports_are_left_as_they_are() -> None:
    texts = _report_texts(300)
    assert len({t.split("\n")[0] for t in texts}) > 1  # several house styles
    assert [t for t in texts if scrub_given_names(t) != t] == []
    assert [t for t in texts if scrub_free_text(t) != t] == []
