"""The memory of studies that hold nothing to index: kept at their fingerprint, for
`MAX_AGE_DAYS`, under the reading rules that found them; a damaged file forgets, never fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from indexer.skips import MAX_AGE_DAYS, SkipMemory, _rules

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def test_a_study_is_remembered_at_its_fingerprint_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "not-indexable.json"
    memory = SkipMemory(path)
    memory.remember("1.2.3", "abc", "study has no cine series", NOW)
    memory.save(NOW)
    again = SkipMemory(path)
    assert len(again) == 1
    assert again.reason("1.2.3", "abc", NOW) == "study has no cine series"
    assert again.reason("1.2.3", "changed", NOW) is None  # a series was added: look again
    assert again.reason("1.2.4", "abc", NOW) is None


def test_an_old_answer_is_looked_at_again(tmp_path: Path) -> None:
    memory = SkipMemory(tmp_path / "m.json")
    memory.remember("1.2.3", "abc", "no cine", NOW)
    later = NOW + timedelta(days=MAX_AGE_DAYS)
    assert memory.reason("1.2.3", "abc", later) == "no cine"
    assert memory.reason("1.2.3", "abc", later + timedelta(days=1)) is None


def test_answers_too_old_to_be_read_leave_the_file(tmp_path: Path) -> None:
    """Every study ever found empty stayed in the file for good."""
    path = tmp_path / "m.json"
    memory = SkipMemory(path)
    memory.remember("1.2.3", "abc", "no cine", NOW - timedelta(days=MAX_AGE_DAYS + 1))
    memory.remember("1.2.4", "abc", "no cine", NOW)
    memory.save(NOW)
    assert len(SkipMemory(path)) == 1 and SkipMemory(path).reason("1.2.4", "abc", NOW)


def test_forget_all_empties_the_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    memory = SkipMemory(path)
    memory.remember("1.2.3", "abc", "no cine", NOW)
    memory.save(NOW)
    memory.forget_all()
    memory.save(NOW)
    assert len(SkipMemory(path)) == 0


@pytest.mark.parametrize("body", ["{not json", '{"rules": "r0/0.0.1", "studies": {}}',
                                  '{"rules": "RULES", "studies": {"1.2": {"fingerprint": 1}}}',
                                  '{"rules": "RULES", "studies": {"1.2": {"fingerprint": "abc", '
                                  '"reason": "no cine", "seen": 5}}}', "[]"])
def test_a_damaged_or_foreign_file_forgets(tmp_path: Path, body: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(body.replace("RULES", _rules()))  # this release's: the entries are read
    memory = SkipMemory(path)
    assert memory.reason("1.2", "abc", NOW) is None
    memory.remember("1.2", "abc", "no cine", NOW)
    memory.save(NOW)  # and is replaced whole
    assert json.loads(path.read_text())["studies"]["1.2"]["reason"] == "no cine"


def test_a_study_the_index_holds_is_never_dropped_by_the_memory(tmp_path: Path) -> None:
    """A study indexed before, fetched again to be measured, and then answered badly was
    remembered, and the next run dropped it from the published index for 90 days."""
    from indexer.pipeline import IndexOptions, _not_remembered
    from indexer.sources import Candidate
    from indexer.summary import IndexSummary

    memory = SkipMemory(tmp_path / "m.json")
    memory.remember("1.2.3", "fp", "study has no cine series")
    memory.remember("1.2.4", "fp", "study has no cine series")
    candidates = [Candidate("1.2.3", "fp", "pacs/1.2.3"), Candidate("1.2.4", "fp", "pacs/1.2.4")]
    fingerprints = {"1.2.3": "fp", "1.2.4": "fp"}
    summary = IndexSummary()
    kept = _not_remembered(candidates, fingerprints, {"1.2.3": "fp"}, memory, IndexOptions(),
                           summary)
    assert [c.study_instance_uid for c in kept] == ["1.2.3"]
    assert fingerprints == {"1.2.3": "fp"} and len(summary.skipped) == 1
