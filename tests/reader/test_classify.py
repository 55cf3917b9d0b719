"""View classification from geometry alone, for exports that lost their series names."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cmr_search.vocab import View
from reader.classify import classify_study
from reader.scan import ScanResult
from reader.series import Series


def _unnamed(series: Series) -> Series:
    frames = [[replace(f, series_description=f"series {series.series_number}")
               for f in s.frames] for s in series.slices]
    renamed = Series(series.series_instance_uid, series.series_number,
                     f"series {series.series_number}", series.image_type, series.normal,
                     series.single_orientation)
    renamed.slices = [type(s)(s.position_mm, f) for s, f in zip(series.slices, frames,
                                                                  strict=True)]
    return renamed


def test_geometry_alone_classifies_cine_and_lge(
        scanned: ScanResult, ground_truth: list[dict[str, Any]]) -> None:
    truth = {uid: view for r in ground_truth for uid, view in r["series"].items()}
    right = total = 0
    for study in scanned.studies:
        unnamed = [_unnamed(s) for s in study.series]
        views = classify_study(unnamed)
        for s in unnamed:
            expected = truth[s.series_instance_uid]
            if expected == View.OTHER.value:
                continue  # localizers, TI scouts and maps keep their structural tells
            total += 1
            right += views[s.series_instance_uid].value == expected
    assert total > 30 and right / total >= 0.95
