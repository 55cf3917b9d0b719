"""What a patient is given is no name: a medicine by its WHO stem or the curated list, a
contrast agent, a device or kit, and a word a dose follows ("Nurse: Midazolam", "Physician:
Regadenoson", "Nurse: Venflon"). No name faker knows reads as one."""

from __future__ import annotations

import pytest

from indexer.names.gazetteer import family_names, given_names
from indexer.names.medicines import dosed, is_medicine

_GIVEN = ["Midazolam", "Lorazepam", "Bisoprolol", "METOPROLOL", "Apixaban", "Warfarin",
          "Hydrocortisone", "Ivabradine", "Adenosine", "Regadenoson", "Dobutamine", "Atropine",
          "Gadovist", "Dotarem", "Gadobutrol", "Buscopan", "Cannula", "Venflon", "Earplugs",
          "MITRACLIP", "WATCHMAN", "Ramipril", "Dabigatran", "Sildenafil", "Prednisolone"]


@pytest.mark.parametrize("word", _GIVEN)
def test_a_medicine_an_agent_or_kit_is_one_by_its_stem_or_the_list(word: str) -> None:
    assert is_medicine(word)


@pytest.mark.parametrize("word", ["Volkov", "Okafor", "Nakamura", "Kowalski", "Petrova",
                                  "Dmitri", "April", "Gesine", "Yassine", "Aristide",
                                  "Carosone", "Israfil", "Lamine", "Smith"])
def test_a_name_that_ends_as_a_stem_does_is_no_medicine(word: str) -> None:
    """"April" ends "-pril", "Gesine" "-sine", "Carosone" "-sone": a stem wants three letters
    before it, and the stems names share are lengthened."""
    assert not is_medicine(word)


def test_no_name_faker_knows_is_a_medicine() -> None:
    """The stems keep faker's given and family names (the scrubber's lists) a name."""
    named = {n.lower() for n in given_names()} | family_names()
    assert sorted(n for n in named if is_medicine(n)) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Stemetil 12.50 mg", True), ("Cannula 20G L ACF", True), ("Heparin IV", True),
    ("Gadovist 0.1 mmol/kg", True), ("Adenosine 140 mcg/kg/min", True),
    ("Volkov, 2 mg", False), ("Volkov (2 mg)", False), ("Volkov\n2 mg", False),
    ("Volkov 10:30", False), ("Volkov 2 weeks ago", False), ("Volkov IVC", False)])
def test_a_dose_a_size_or_a_route_follows_a_word_after_a_blank(
        text: str, expected: bool) -> None:
    """After the word itself: "Volkov, 2 mg" is a list or a note going on, "IVC" no route."""
    word_end = len(text.split(None, 1)[0].rstrip(",("))
    assert dosed(text, word_end) is expected


@pytest.mark.parametrize("word", ["Gadomski", "Gadotti", "Gadoury", "Gadowski", "Bartolone"])
def test_a_surname_faker_lacks_that_starts_or_ends_as_a_stem_is_no_medicine(word: str) -> None:
    """Polish, Italian and French surnames start "gado-" or end "-olone" as an agent or a
    steroid does: "Radiographer: Gadomski" was kept as it was."""
    assert not is_medicine(word)


@pytest.mark.parametrize("word", ["Gadobutrol", "Gadoterate", "Gadobenate", "Gadoxetate",
                                  "Gadoteridol", "Gadopiclenol", "Gadolinium", "Gadodiamide",
                                  "Methylprednisolone", "Triamcinolone"])
def test_a_gadolinium_agent_or_a_steroid_is_still_one(word: str) -> None:
    assert is_medicine(word)


@pytest.mark.parametrize(("text", "expected"), [
    ("Volkov 20G cannula", False), ("Volkov 18 gauge Venflon", False),
    ("Volkov IV access", False), ("Volkov IV line", False), ("Volkov 6 Fr sheath", False),
    ("Stemetil 20G", True), ("Stemetil IV", True), ("Stemetil IV bolus", True),
    ("Stemetil 12.5 mg IV", True)])
def test_a_size_or_a_route_for_the_access_after_it_is_no_dose_of_the_word_before(
        text: str, expected: bool) -> None:
    """"Nurse: Adeyemi 20G cannula" and "Nurse: Okonkwo IV access" were kept: the gauge is
    the cannula's and the route the line's, not a medicine's written before them."""
    assert dosed(text, len(text.split(None, 1)[0])) is expected


@pytest.mark.parametrize(("word", "expected"), [
    ("Atenolol", True), ("BISOPROLOL", True), ("Venflon", True), ("Xolol", False),
    ("April", False), ("Volkov", False)])
def test_a_stem_needs_three_letters_before_it(word: str, expected: bool) -> None:
    """The lookup kept for each word (a stem found in one call) answers as the loop did."""
    assert is_medicine(word) is expected
