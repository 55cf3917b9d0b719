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


def test_no_short_axis_cine_is_an_error_naming_the_study(scanned: ScanResult) -> None:
    study = scanned.studies[0]
    crippled: Any = type(study)(study.info, study.folder, study.series,
                                {uid: View.OTHER for uid in study.views})
    with pytest.raises(PixelError, match=f"{study.folder}: no short-axis cine"):
        load_study_stacks(crippled)


def test_a_long_axis_view_that_cannot_be_decoded_is_left_out_with_its_name(
        scanned: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    """The study page listed the view and showed no player, and nothing said why."""
    import reader.views

    study = scanned.studies[0]
    lax = next(v for v in LAX_VIEWS if study.series_for(v))
    loader = reader.views._timed_load

    def broken(series: Any, timings: dict[str, float]) -> Any:
        if series in study.series_for(lax):
            raise PixelError("/archive/x/1.dcm: pixel data cannot be decoded (AttributeError)")
        return loader(series, timings)

    monkeypatch.setattr(reader.views, "_timed_load", broken)
    stacks = load_study_stacks(study)
    assert lax not in stacks.views
    assert stacks.notes == [f"{lax.value}: /archive/x/1.dcm: pixel data cannot be decoded "
                            "(AttributeError)"]
