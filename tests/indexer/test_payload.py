"""A study's payload: its views are the ones whose pixels were read, not the ones its header
lists (a short-axis series that could not be decoded was still scored as seen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalog import StudyPayload
from cmr_search.vocab import CINE_SLOTS, LAX_VIEWS, SAX_SLOTS, View
from cmrclip.clips import ClipSpec, empty_clips
from indexer.payload import study_payload
from indexer.points import seen_scores
from indexer.records import EmbeddingRecord, RecordStore
from reader.scan import ScanResult


def test_views_read_are_the_slots_that_hold_pixels() -> None:
    clips = empty_clips("1.1", ClipSpec())
    assert clips.views_read() == frozenset()
    clips.cine_present[CINE_SLOTS.index(SAX_SLOTS[1])] = True
    clips.cine_present[CINE_SLOTS.index(LAX_VIEWS[View.CH4_CINE][0])] = True
    clips.stills_present[0] = True
    assert clips.views_read() == {View.SAX_CINE, View.CH4_CINE, View.LGE_SAX}


def test_a_short_axis_series_that_cannot_be_decoded_is_not_a_view_nor_scored(
        scanned: ScanResult) -> None:
    study = next(s for s in scanned.studies
                 if s.series_for(View.SAX_CINE) and s.series_for(View.CH4_CINE))
    clips = empty_clips(study.study_instance_uid, ClipSpec())
    clips.frame_interval_ms = 40.0
    clips.cine_present[CINE_SLOTS.index(LAX_VIEWS[View.CH4_CINE][0])] = True  # SAX unread
    payload = study_payload(study, "f" * 32, {}, clips, "secret")
    assert View.SAX_CINE.value in study.view_series  # the header lists it
    assert View.SAX_CINE not in payload.views and View.CH4_CINE in payload.views
    assert payload.series[View.SAX_CINE.value]  # which series it was stays on record
    record = EmbeddingRecord(study.study_instance_uid, "f" * 32, {}, payload,
                             {"lv_dilation": 0.4, "rv_dilation": 0.3})
    assert seen_scores(record) == {}  # nothing the model read around a short axis it lacked
    clips.cine_present[CINE_SLOTS.index(SAX_SLOTS[1])] = True
    read = study_payload(study, "f" * 32, {}, clips, "secret")
    assert View.SAX_CINE in read.views and read.frame_interval_ms == 40.0


def _stored(tmp_path: Path, text: str) -> RecordStore:
    """A record store holding one study whose report an earlier version ("0ld") read."""
    records = RecordStore(tmp_path, "model")
    payload = StudyPayload(study_instance_uid="2.25.1", fingerprint="f" * 32, has_report=True,
                           impression=text, report=text, report_version="0ld")
    records.put(EmbeddingRecord("2.25.1", "f" * 32, {"study": np.full(4, 0.5, np.float32)},
                                payload))
    return records


def test_a_de_identified_report_is_scrubbed_by_the_new_rules_when_read_again(
        tmp_path: Path) -> None:
    """A scrubber's new rule (ages over 89) reached only studies indexed after it."""
    from indexer.payload import relabel_stale, report_version

    text = "IMPRESSION: A 93-year-old with dilated LV."
    (kept,) = relabel_stale(_stored(tmp_path, text), {"2.25.1": "f" * 32}, deidentified=True)
    assert kept.payload.report == "IMPRESSION: A [age over 89] with dilated LV."
    assert "lv_dilation" in kept.payload.report_findings
    assert kept.payload.report_version == report_version()
    again = _stored(tmp_path / "identified", text)  # an identified index keeps them as written
    (kept,) = relabel_stale(again, {"2.25.1": "f" * 32}, deidentified=False)
    assert kept.payload.report == text and kept.payload.report_version == report_version()


def test_a_faker_upgrade_that_keeps_its_names_reads_no_report_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The report version held faker's version string: each upgrade re-read every report."""
    from indexer.names import given
    from indexer.payload import report_version

    version = report_version()
    monkeypatch.setattr("importlib.metadata.version", lambda name: "999.0")
    assert report_version.__wrapped__() == version
    more = given.family_names() | {"zyxwv"}
    monkeypatch.setattr(given, "family_names", lambda: more)
    monkeypatch.setattr(given, "gazetteer_version", given.gazetteer_version.__wrapped__)
    assert report_version.__wrapped__() != version


def test_a_report_that_cannot_be_read_again_keeps_its_labels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """One report the new labeler fails on stopped every publish from then on."""
    import indexer.payload
    from indexer.payload import relabel_stale

    def broken(impression: str, text: str) -> dict[str, object]:
        raise ValueError(f"cannot read {text}")

    monkeypatch.setattr(indexer.payload, "_labels", broken)
    records = _stored(tmp_path, "IMPRESSION: DOE JANE has a dilated LV.")
    (kept,) = relabel_stale(records, {"2.25.1": "f" * 32}, deidentified=False)
    assert kept.payload.report_version == "0ld"
    assert "could not be read again (ValueError)" in caplog.text and "DOE" not in caplog.text


def test_the_report_version_reads_every_module_the_labeler_reads_reports_by(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The labeler's wording moved to a module of its own (`reader.wording`): left out of the
    digest, a change there would leave every stored report labelled by the old words."""
    import ast
    import importlib

    from indexer.payload import report_version
    from reader import labeler

    tree = ast.parse(Path(labeler.__file__).read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.module and node.module.startswith(("reader.", "cmr_search."))}
    assert {"reader.wording", "cmr_search.normals"} <= modules
    version, real = report_version(), Path.read_bytes
    for name in modules:
        changed = Path(importlib.import_module(name).__file__ or "")
        monkeypatch.setattr(Path, "read_bytes",
                            lambda self, at=changed: real(self) + b"#" * (self == at))
        assert report_version.__wrapped__() != version, name
