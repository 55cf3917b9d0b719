"""What comes before a name: a cue and how surely it names a person, whatever blank or line
end follows it ("Reported by:\r\nPaul Leeson" leaked), and a reference's line, whose guard
turned off every name on a letter's line with "Our ref:" on it."""

from __future__ import annotations

import random

import pytest

from indexer.deidentify import scrub_free_text
from indexer.names import cues
from indexer.names.forms import CUE, CUE_ENDS

_WORDS = ["reported", "by", "with", "discussed", "acquired", "to", "phoned", "cc", "CC", "Dr",
          "DR", "Dr.", "[name]", "and", "&", "/", ",", ";", ":", "(", ".", "mother", "Father",
          "study", "of", "images", "name", "Present", "distribution", "second", "read",
          "reader", "copy", "GP", "consultant", "x", "the", "2019", "e-mailed", "Mx", "MRS"]
# every kind of blank and line end a report holds: CRLF, a bare CR, no-break, thin, narrow
# no-break and ideographic spaces, a vertical tab, a form feed, NEL, a line separator
_BLANKS = [" ", "\t", "\u00a0", "\u2009", "\u202f", "\u3000", "\r", "\r\n", "\n", "", "  ",
           "\x0b", "\x0c", "\x85", "\u2028"]


def test_the_cue_shortcut_agrees_with_the_cue_pattern() -> None:
    """`CUE_ENDS` and the two-word search spare the 40-character search: the answer is still
    the pattern's, after any blank ("cc\r", "distribution:\u2009" disagreed), and so is how
    surely it names a person."""
    rng = random.Random(64)
    for _ in range(5000):
        before = "".join(rng.choice(_WORDS) + rng.choice(_BLANKS)
                         for _ in range(rng.randint(1, 6)))
        text = f"{before}Smith, John"
        found = CUE.search(text, *cues.window(text, len(before)))
        expected = cues.NONE if found is None else (
            cues.WEAK if found.group("weak") else cues.STRONG)
        assert cues.cue(text, len(before)) == expected, before
    assert {"by", "with", "to", "of", "cc", "dr", "gp", "father", "attendees"} <= CUE_ENDS


@pytest.mark.parametrize(("before", "level"), [
    ("reported by: ", cues.STRONG), ("Dr. ", cues.STRONG), ("cc:\n", cues.STRONG),
    ("[name] / ", cues.STRONG), ("second reader: ", cues.STRONG),
    ("Discussed with ", cues.STRONG), ("Results phoned to ", cues.STRONG),
    ("MDT attendees: ", cues.STRONG), ("father (", cues.WEAK),
    ("Mother: ", cues.WEAK), ("the study of ", cues.WEAK),
    ("Present:\n", cues.WEAK), ("Sequence name: ", cues.WEAK),
    ("Acquired with ", cues.WEAK), ("Findings: ", cues.NONE),
    ("the ", cues.NONE), ("Dr.\n\n", cues.NONE), ("x", cues.NONE)])
def test_a_relative_a_label_and_a_technique_are_weak_cues(before: str, level: int) -> None:
    """A relative, "Present:", "Images of", "Acquired with" head clinical text as often as a
    name ("Mother: Long QT", "Present: Kerley B"): weaker than "reported by"."""
    assert cues.cue(f"{before}Smith, John", len(before)) == level


@pytest.mark.parametrize("blank", ["\r\n", "\r", "\u2009", "\u202f", "\u3000", " \r\n"])
def test_a_cue_before_any_blank_or_line_end_is_one(blank: str) -> None:
    """"Reported by:\r\nPaul Leeson" and "Consultant\u2009Anna Zybrowski" were left: only "\n",
    a space, a tab and a no-break space were stripped before the cue's word."""
    for cue, name in (("Reported by:", "Paul Leeson"), ("Discussed with", "Quinn Zybrowski"),
                      ("cc:", "Long, Anna"), ("Consultant", "Anna Zybrowski"),
                      ("cc:", "Brown K"), ("Reported by:", "J. Brown")):
        assert scrub_free_text(f"{cue}{blank}{name}") == f"{cue}{blank}[name]"


LETTERS = [
    ("Re: Smith, John   Our ref: AB/12", "Re: [name]   Our ref: AB/12"),
    ("Okafor, Chukwuemeka   Ref: 4471", "[name]   Ref: 4471"),
    ("MÜLLER, Hans   Ref: CMR/2019/44", "[name]   Ref: CMR/2019/44"),
    ("Clinician: Okafor, Chukwuemeka   Ref: 12", "Clinician: [name]   Ref: 12"),
    ("J. Smith   Ref: 12", "[name]   Ref: 12"),
    ("Re: J. Smith   Our ref: 1", "Re: [name]   Our ref: 1"),
    ("Smith, John (see: previous letter)", "[name] (see: previous letter)"),
    ("Smith, John   Hosp ref: 1234567", "[name]   Hosp ref: [id]"),
    ("Our ref: AB/12   Re: Smith, John", "Our ref: AB/12   Re: [name]"),
]
REFERENCES = [
    "Ref: Hundley WG, Bluemke DA, Finn JP, et al.", "Source: Petersen, S.E. et al.",
    "Refs: (Turner, Louise; Williams, Sarah)", "Reference: B. Hale et al.",
    "Mother: See: Petersen SE, JCMR 2017.", "See: B Frost artefact.",
    "Kramer CM, Barkhausen J, Bucciarelli-Ducci C. J Cardiovasc Magn Reson 2020;22:17.",
]


@pytest.mark.parametrize(("text", "expected"), LETTERS)
def test_a_letters_reference_leaves_the_names_on_its_line(text: str, expected: str) -> None:
    """Any "ref:", "see:" on a line turned off the names at its start and after its colons:
    "Re: Smith, John   Our ref: AB/12" kept the patient's name."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("text", REFERENCES)
def test_a_references_authors_are_left(text: str) -> None:
    assert scrub_free_text(text) == text


def test_an_et_al_about_a_relatives_study_is_no_reference() -> None:
    """"Okafor, Chukwuemeka, et al. (sibling study)" was kept as a reference's authors; a line
    about a relative's study with no journal's year or doi is a family's, and a reference
    with a label, a year or a doi stays one."""
    for text, expected in [
            ("Okafor, Chukwuemeka, et al. (sibling study)", "[name], et al. (sibling study)"),
            ("Family: Okafor, Chukwuemeka, et al. (mother's scan)",
             "Family: [name], et al. (mother's scan)"),
            ("Smith J, et al. (brother's CMR)", "[name], et al. (brother's CMR)")]:
        assert (scrub_free_text(text), scrub_free_text(expected)) == (expected, expected)
    for text in ("Kawel-Boehm N, et al. JCMR 2020",
                 "Kramer CM, et al. Sibling screening in HCM. JCMR 2020;22:17.",
                 "Ref: Okafor, Chukwuemeka, et al. (sibling study)",
                 "Petersen SE, et al. Family study of HCM, 2019."):
        assert scrub_free_text(text) == text
