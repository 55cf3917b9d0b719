"""One list of negation cues (`reader.negation`) that a report and a query both read: a cue
added to one reader only ("none", twice) left the other reading the finding present."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding
from reader.labeler import Mention, label_findings
from reader.negation import AFTER, BEFORE, CUES
from search.understand import understand


def _worded(cue: str) -> list[str]:
    """The cue beside LGE, where it stands: before it ("no LGE"), after it ("LGE absent")."""
    return [*([f"{cue} LGE"] if cue in BEFORE else []),
            *([f"LGE {cue}"] if cue in AFTER else [])]


@pytest.mark.parametrize("text", [t for cue in CUES for t in _worded(cue)])
def test_a_report_and_a_query_both_deny_by_every_cue(text: str) -> None:
    assert label_findings(f"{text}.")[Finding.LGE].mention is Mention.NEGATIVE
    intent = understand(text)
    assert Finding.LGE in intent.ruled_out and Finding.LGE not in intent.wanted


def test_every_cue_stands_somewhere() -> None:
    assert set(CUES) == {*BEFORE, *AFTER}
