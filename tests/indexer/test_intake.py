"""The studies of one run as every engine takes them: keyed by pseudonym when de-identifying,
skipped with their reason and location, released under the UID the source knows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from indexer.deidentify import Deidentifier
from indexer.intake import Intake
from indexer.pipeline import IndexOptions
from indexer.prepare import Prepared
from indexer.sources import Candidate, Discovery, Unavailable
from indexer.summary import IndexSummary
from reader.scan import ScanResult, Study


class ListSource:
    """A source that brings the studies it was given, and remembers what it let go of."""

    def __init__(self, items: list[Study | Unavailable]) -> None:
        self.items = items
        self.released: list[str] = []

    @property
    def location(self) -> str:
        return "list"

    def discover(self, workers: int, progress: Any) -> Discovery:
        return Discovery()

    def studies(self, todo: list[Candidate]) -> Iterator[Study | Unavailable]:
        yield from self.items

    def release(self, study_instance_uid: str) -> None:
        self.released.append(study_instance_uid)

    def report(self) -> dict[str, Any]:
        return {}


def _intake(items: list[Study | Unavailable], options: IndexOptions,
            ) -> tuple[Intake, ListSource]:
    source = ListSource(items)
    todo = [Candidate(i.study_instance_uid, "fp", f"folder/{n}") for n, i in enumerate(items)]
    fingerprints = {options.key(c.study_instance_uid): "fp" for c in todo}
    return Intake(todo, source, fingerprints, options, IndexSummary()), source


def test_a_study_the_source_cannot_bring_is_skipped_and_released() -> None:
    intake, source = _intake([Unavailable("1.2.3", "fetch failed: timeout")], IndexOptions())
    [item] = list(intake.studies())
    assert isinstance(item, Unavailable) and item.study_instance_uid == "1.2.3"
    intake.skip(item.study_instance_uid, item.reason)
    assert intake.summary.skipped == [{"path": "folder/0", "study": "1.2.3",
                                       "reason": "fetch failed: timeout"}]
    assert intake.fingerprints == {} and source.released == ["1.2.3"]


def test_deidentified_studies_come_under_pseudonyms_and_release_the_original(
        scanned: ScanResult) -> None:
    study = scanned.studies[0]
    options = IndexOptions(deidentifier=Deidentifier("seed"))
    intake, source = _intake([study, Unavailable("9.9", "gone")], options)
    kept, gone = list(intake.studies())
    key = options.key(study.study_instance_uid)
    assert isinstance(kept, Study) and kept.study_instance_uid == key != study.study_instance_uid
    assert gone.study_instance_uid == options.key("9.9") and "deidentify" in intake.summary.stages
    assert set(intake.fingerprints) == {key, options.key("9.9")}
    intake.release(key)
    assert source.released == [study.study_instance_uid]


def test_jobs_say_what_each_study_needs_and_a_failed_measure_only_study_stays_indexed(
        scanned: ScanResult) -> None:
    first, second = scanned.studies[:2]
    source = ListSource([first, second])
    todo = [Candidate(s.study_instance_uid, "fp", f"folder/{n}")
            for n, s in enumerate((first, second))]
    fingerprints = {c.study_instance_uid: "fp" for c in todo}
    needs = ({first.study_instance_uid}, {first.study_instance_uid, second.study_instance_uid})
    intake = Intake(todo, source, fingerprints, IndexOptions(), IndexSummary(), needs)
    jobs = list(intake.jobs())
    assert [(j.embed, j.measure) for j in jobs if not isinstance(j, Unavailable)] == \
        [(True, True), (False, True)]
    assert set(intake.kept) == {first.study_instance_uid, second.study_instance_uid}
    # only to be measured, and that failed: skipped with its reason, its point kept
    failed = Prepared(second.study_instance_uid, None, {}, "no short-axis cine", embed=False)
    assert not intake.done(failed)
    assert second.study_instance_uid in intake.fingerprints
    assert intake.summary.skipped == [{"path": "folder/1", "study": second.study_instance_uid,
                                       "reason": "no short-axis cine"}]
    # judged where the clips were (a Ray node): usable although none came back
    assert intake.done(Prepared(first.study_instance_uid, None, {}), usable=True)


def test_only_notes_that_name_a_view_are_views_left_out() -> None:
    from indexer.prepare import views_left_out

    assert views_left_out([
        "3ch_cine: CINE/MR.30.dcm: pixel data cannot be decoded",
        "ACDC NIfTI: no orientation; slices in file order (base first)",
        "sax_cine: SAX/1.dcm: pixel data cannot be decoded"]) == [
        "3ch_cine: CINE/MR.30.dcm: pixel data cannot be decoded",
        "sax_cine: SAX/1.dcm: pixel data cannot be decoded"]
