"""The text preparation both readers share (`reader.phrasing`): a query and a report that say
the same thing are worded alike before either is read."""

from __future__ import annotations

import time

import pytest

from reader.phrasing import as_reported, tissue_phrases, without_tissue


@pytest.mark.parametrize(("text", "reworded"), [
    # "excluded" was a negation cue: each ruled its finding out
    ("LGE cannot be excluded", "LGE possible"), ("LGE can't be excluded", "LGE possible"),
    ("LGE cannot be ruled out", "LGE possible"),
    ("LGE cannot be completely excluded", "LGE possible"),
    ("cannot exclude myocarditis", "possible myocarditis"),
    ("LGE excluded", "LGE excluded"),
    # a second ejection fraction with its own judgement or value takes none from the first
    ("normal LVEF, RVEF reduced", "normal LVEF, RVEF reduced"),
    ("preserved LVEF and RVEF reduced", "preserved LVEF and RVEF reduced"),
    ("reduced LVEF and RVEF 55 %", "reduced LVEF and RVEF 55 %"),
    ("Low LVEF and RVEF", "Low LVEF and Low RVEF"),
    # "are", "were", "both" between the pair and its judgement were read as nothing
    ("LVEF and RVEF are normal", "LVEF is normal and RVEF is normal"),
    ("LVEF and RVEF both reduced", "LVEF reduced and RVEF reduced"),
    ("LVEF and RVEF were preserved", "LVEF was preserved and RVEF was preserved"),
    ("LVEF and RVEF are both normal", "LVEF is normal and RVEF is normal"),
    # the walls listed after the papillary muscles are one list, not a clause each
    ("Hypertrophy of the papillary muscles, septum and lateral wall",
     "Hypertrophy of the papillary muscles and septum and lateral wall"),
    ("Hypertrophied papillary muscles, normal LV function",
     "Hypertrophied papillary muscles, normal LV function"),
])
def test_as_reported(text: str, reworded: str) -> None:
    assert as_reported(text) == reworded


def test_the_tissue_words_are_blanked_in_place() -> None:
    text = "Normal LV function and reduced T1 values."
    assert tissue_phrases(text) == ["reduced T1 values"]
    blanked = without_tissue(text)
    assert len(blanked) == len(text) and " ".join(blanked.split()) == "Normal LV function and ."


@pytest.mark.parametrize(("text", "said"), [
    # "septal" at the end of a wall's name starts no tissue list: read from there, the list
    # left its judgement unread
    ("inferoseptal native T1 reduced", ["native T1 reduced"]),
    ("anteroseptal T2 raised", ["T2 raised"]),
    ("intramyocardial signal is high", ["signal is high"]),
])
def test_a_tissue_phrase_after_a_wall_is_read(text: str, said: list[str]) -> None:
    assert tissue_phrases(text) == said
    assert without_tissue(text).split() == text.split()[:-len(said[0].split())]


@pytest.mark.parametrize("text", [
    "can not " * 6000, "low LVEF and " * 4000, "LVEF and RVEF " * 4000 + "x",
    "papillary muscles, septum " * 2000, "reduced T1 " * 5000, "low " * 12000,
])
def test_adversarial_text_is_read_in_time(text: str) -> None:
    started = time.perf_counter()
    without_tissue(as_reported(text))
    assert time.perf_counter() - started < 0.5
