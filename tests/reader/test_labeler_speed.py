"""The labeler reads a report in time about linear in its length, whatever its content: a
subject searched as `LV.*function` read on from every "LV" of a long run (a 48 kB report of
"LV " took minutes), and a long list or word was read again from each of its items."""

from __future__ import annotations

import time

import pytest

from cmr_search.vocab import Finding
from reader.labeler import Mention, label_diagnoses, label_findings
from reader.phrasing import tissue_phrases, without_tissue

# far more than any report (the old code took minutes at this size); 2 s leaves room for a
# loaded 2-core machine, where a linear pass over 50 kB takes about 0.3 s
_SIZE = 50_000
_BOUND_S = 2.0


def _repeated(unit: str) -> str:
    return (unit * (_SIZE // len(unit) + 1))[:_SIZE]


@pytest.mark.parametrize("unit", [
    "LV ", "RV ", "the left ventricle is ", "function ", "hypokinesis ", "normal ",
    "T1, ", "ECV/", "T2 and ",  # a tissue list said nothing of
    "inferior and ",  # a list of walls no RV part follows
    " ", "no ", "possible ", "LVEF 45 % ", "LV\n",
    "LV impaired, ",  # a sentence's number looked for again from each graded clause
])
def test_a_long_report_is_labelled_in_linear_time(unit: str) -> None:
    text = _repeated(unit)
    for label in (label_findings, label_diagnoses):
        start = time.perf_counter()
        label("", text)
        assert time.perf_counter() - start < _BOUND_S, unit


def test_a_long_run_keeps_its_labels() -> None:
    labels = label_findings("LV " * 3000 + "and aortic")
    assert {f for f, label in labels.items() if label.mention is not Mention.NOT_MENTIONED} \
        == set()
    dilated = label_findings("LV " * 3000 + "is dilated")[Finding.LV_DILATION]
    assert dilated.mention is Mention.POSITIVE


def test_a_tissue_list_said_nothing_of_is_kept() -> None:
    text = "T1, T2 and ECV mapping performed; T1 values are elevated"
    assert tissue_phrases(text) == ["T1 values are elevated"]
    assert without_tissue(text).startswith("T1, T2 and ECV mapping performed;")
    assert len(without_tissue(text)) == len(text)
