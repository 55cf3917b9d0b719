"""Which series of a study to fetch: those the model and the previews need (cine and LGE),
never localizers, scouts or maps. Decided before any pixel is fetched."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.dataset import Dataset

from cmr_search.vocab import View
from pacs.client import RemoteSeries
from reader.classify import classify_study, named_other
from reader.discover import Skipped
from reader.headers import FrameHeader, headers_from_dataset, tolerant_reading
from reader.series import assemble_series, deduplicate, stray_orientations

_SR_MODALITY = "SR"


@dataclass
class Selection:
    """The series to fetch, and what each was taken for (SeriesInstanceUID -> view name, or
    "report" for a structured report)."""

    wanted: dict[str, str] = field(default_factory=dict)
    series_total: int = 0  # how many series the study has
    # instances each series holds, as the PACS listed them: a fetch that brings fewer is cut
    expected: dict[str, int] = field(default_factory=dict)
    reason: str = ""  # why the study is not worth fetching, when `wanted` holds no cine


def from_metadata(datasets: list[Dataset]) -> Selection:
    """Views classified from WADO-RS metadata alone, as the folder reader classifies headers
    (descriptions checked against slices, phases, inversion times and geometry)."""
    frames: dict[str, list[FrameHeader]] = defaultdict(list)
    selection = Selection()
    with tolerant_reading():
        for ds in datasets:
            series_uid = str(ds.get("SeriesInstanceUID", ""))
            read = headers_from_dataset(ds, Path(series_uid) / str(ds.get("SOPInstanceUID", "")))
            if isinstance(read, Skipped):
                continue
            if read.sr is not None:
                selection.wanted[series_uid] = "report"
            frames[series_uid].extend(read.frames)
    selection.series_total = len({str(ds.get("SeriesInstanceUID", "")) for ds in datasets})
    sops: dict[str, set[str]] = defaultdict(set)
    for ds in datasets:
        sops[str(ds.get("SeriesInstanceUID", ""))].add(str(ds.get("SOPInstanceUID", "")))
    selection.expected = {uid: len(found) for uid, found in sops.items()}
    series = [assemble_series(stray_orientations(deduplicate(f)[0])[0])
              for f in frames.values() if f]
    views = classify_study(series)
    selection.wanted.update({uid: view.value for uid, view in views.items()
                             if view is not View.OTHER})
    if not any(v.endswith("_cine") for v in selection.wanted.values()):
        selection.reason = "study has no cine series (from the PACS metadata)"
    return selection


def from_descriptions(series: list[RemoteSeries]) -> Selection:
    """Without metadata (DIMSE): every MR series whose description does not name it as a
    localizer, scout, map or flow series, and the structured reports; the views are then
    classified from the fetched headers."""
    selection = Selection(series_total=len(series))
    selection.expected = {s.series_instance_uid: s.instance_count for s in series
                          if s.instance_count}
    for s in series:
        if s.modality == _SR_MODALITY:
            selection.wanted[s.series_instance_uid] = "report"
        elif s.modality == "MR" and not named_other(s.series_description):
            selection.wanted[s.series_instance_uid] = "image"
    if not any(v == "image" for v in selection.wanted.values()):
        selection.reason = "study has no MR series that could be a cine"
    return selection
