"""A study's payload: its views are the ones whose pixels were read, not the ones its header
lists (a short-axis series that could not be decoded was still scored as seen)."""

from __future__ import annotations

from cmr_search.vocab import CINE_SLOTS, LAX_VIEWS, SAX_SLOTS, View
from cmrclip.clips import ClipSpec, empty_clips
from indexer.payload import study_payload
from indexer.points import seen_scores
from indexer.records import EmbeddingRecord
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
