"""A study's views decoded once, with the heart located in each."""

from __future__ import annotations

from typing import Any

import pytest

from cmr_search.vocab import LAX_VIEWS, LGE_VIEWS, View
from reader.scan import ScanResult
from reader.stack import PixelError
from reader.views import load_study_stacks


def test_every_view_the_study_has_is_decoded_once(scanned: ScanResult) -> None:
    study = scanned.studies[0]
    timings: dict[str, float] = {}
    stacks = load_study_stacks(study, timings)
    has = set(study.views.values())
    assert set(stacks.views) == {v for v in (*LAX_VIEWS, *LGE_VIEWS) if v in has}
    assert stacks.sax.images.shape[0] >= 8 and timings["pixel_decode"] > 0
    for view, found in stacks.views.items():
        assert len(found.stacks) == (len(study.series_for(view)) if view in LGE_VIEWS else 1)
        assert found.center.shape == (3,) and found.source_uids
    # base to apex: the first slice is the one furthest from the apex
    assert stacks.sax.base_to_apex() is stacks.sax


def test_no_cine_is_an_error_naming_the_study(scanned: ScanResult) -> None:
    study = scanned.studies[0]
    crippled: Any = type(study)(study.info, study.folder, study.series,
                                {uid: View.OTHER for uid in study.views})
    with pytest.raises(PixelError, match=f"{study.folder}: no short-axis or long-axis cine"):
        load_study_stacks(crippled)


def test_a_study_without_a_short_axis_cine_is_read_by_its_long_axis_cines(
        scanned: ScanResult) -> None:
    """It was skipped whole ("no short-axis cine"): an aorta or valve study, or one whose
    short-axis series was a single phase, could not be found by its report or its images."""
    from cmr_search.vocab import CINE_SLOTS, SAX_SLOTS
    from cmrclip.clips import ClipSpec
    from cmrclip.preprocess import clips_from_stacks

    study = scanned.studies[0]
    views = {uid: (View.OTHER if v is View.SAX_CINE else v) for uid, v in study.views.items()}
    lax_only: Any = type(study)(study.info, study.folder, study.series, views)
    stacks = load_study_stacks(lax_only)
    assert stacks.sax is None and stacks.sax_source_uids == []
    assert set(LAX_VIEWS) & set(stacks.views) and stacks.sax_center.shape == (3,)
    clips = clips_from_stacks(stacks, ClipSpec())
    assert not any(clips.cine_present[CINE_SLOTS.index(s)] for s in SAX_SLOTS)
    assert clips.cine_present.any() and clips.frame_interval_ms > 0


def _with_a_broken_view(study: Any, file: str, monkeypatch: pytest.MonkeyPatch) -> View:
    """The study's first long-axis view, made to fail decoding at `file` inside the study."""
    import reader.views

    lax = next(v for v in LAX_VIEWS if study.series_for(v))
    loader = reader.views._timed_load

    def broken(series: Any, timings: dict[str, float]) -> Any:
        if series in study.series_for(lax):
            raise PixelError(f"{study.folder}/{file}: pixel data cannot be decoded "
                             "(AttributeError)")
        return loader(series, timings)

    monkeypatch.setattr(reader.views, "_timed_load", broken)
    return lax


def test_a_long_axis_view_that_cannot_be_decoded_is_left_out_with_its_name(
        scanned: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    """The study page listed the view and showed no player, and nothing said why."""
    study = scanned.studies[0]
    lax = _with_a_broken_view(study, "LVOT/1.dcm", monkeypatch)
    stacks = load_study_stacks(study)
    assert lax not in stacks.views
    assert stacks.notes == [f"{lax.value}: LVOT/1.dcm: pixel data cannot be decoded "
                            "(AttributeError)"]  # named inside the study: no archive folder


def test_a_note_names_no_uid(scanned: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PACS's files are named by their UIDs: a de-identified index showed the original
    series and SOP Instance UIDs on the study page."""
    study = scanned.studies[0]
    lax = _with_a_broken_view(study, "1.2.826.0.1.3680043.8.498.11/"
                              "1.2.826.0.1.3680043.8.498.12.dcm", monkeypatch)
    assert load_study_stacks(study).notes == [
        f"{lax.value}: [uid]/[uid].dcm: pixel data cannot be decoded (AttributeError)"]


def test_a_note_names_its_view_or_none() -> None:
    from reader.views import split_note

    assert split_note("3ch_cine: CINE/1.dcm: pixel data cannot be decoded") == (
        "3ch_cine", "CINE/1.dcm: pixel data cannot be decoded")
    assert split_note("ACDC NIfTI: no orientation") == ("", "ACDC NIfTI: no orientation")
    assert split_note("no colon at all") == ("", "no colon at all")


def test_no_readable_cine_says_what_each_view_lost_after_a_colon(
        scanned: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    """In brackets, an index run's count of skips (by what comes before the first colon) cut
    the reason at the first view's name: "...cine that can be read (sax_cine"."""
    import reader.views

    study = scanned.studies[0]

    def broken(series: Any, timings: dict[str, float]) -> Any:
        raise PixelError(f"{study.folder}/SAX/1.dcm: truncated pixel data")

    monkeypatch.setattr(reader.views, "_timed_load", broken)
    with pytest.raises(PixelError) as raised:
        load_study_stacks(study)
    why = str(raised.value).removeprefix(f"{study.folder}: ")
    assert why.startswith("no short-axis or long-axis cine that can be read: sax_cine: SAX/1.dcm: "
                          "truncated pixel data; ")
