"""The signals of a free-text search: a grade asked lists its own grade first."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.encoder import FakeEncoder

from search.models import Signal
from search.ranking import Weights
from search.signals import measured_part, text_parts
from search.understand import understand
from vectorstore import Filter, MatchAny


@pytest.mark.parametrize(("query", "grades"), [
    ("mildly dilated LV", ["mild", "moderate", "severe"]),
    ("moderately dilated LV", ["moderate", "severe", "mild"]),  # mild: left out by the filter
    ("severely dilated LV", ["severe", "moderate", "mild"]),
    ("dilated LV", []),  # no grade asked: the image order, the model has a prompt for it
    ("mild LV dilation or severe LV dilation", []),  # each side its own grade
    ("regional hypokinesis", ["severe", "moderate", "mild"]),  # no prompt: worst first
])
def test_the_measured_signal_lists_the_grade_asked_first(query: str, grades: list[str]) -> None:
    part = measured_part(np.ones(4, dtype=np.float32) / 2, understand(query), Weights())
    assert part is not None
    assert [t.must[0].values[0] for t in part.tiers] == grades  # type: ignore[union-attr]


def test_the_reports_stating_the_grade_asked_come_first() -> None:
    """"mild LV dysfunction" lets a moderate report through too, and listed a severe report
    first (a severe one is left out: `understand.intent_filter`)."""
    parts = text_parts(FakeEncoder().encode_texts(["mild LV dysfunction"]),
                       understand("mild LV dysfunction"), {}, Weights())
    labels = next(p for p in parts if p.signal is Signal.REPORT_LABELS)
    mild = MatchAny("report_severity.lv_systolic_dysfunction", ("mild",))
    assert labels.tiers == (Filter((mild,)), Filter(must_not=(mild,)))
    ungraded = text_parts(FakeEncoder().encode_texts(["LV dysfunction"]),
                          understand("LV dysfunction"), {}, Weights())
    assert next(p for p in ungraded if p.signal is Signal.REPORT_LABELS).tiers == ()
