"""The series worth fetching, chosen before any pixel moves: from metadata the same views the
folder reader finds; from descriptions alone (DIMSE) everything but localizers and maps."""

from __future__ import annotations

from pathlib import Path

from fakes.pacs import FakePacs

from cmr_search.vocab import View
from pacs.client import RemoteSeries
from pacs.select import from_descriptions, from_metadata
from reader.scan import scan_archive


def test_metadata_selects_the_views_the_folder_reader_finds(pacs_archive: Path) -> None:
    pacs = FakePacs(pacs_archive)
    studies = scan_archive(pacs_archive).studies
    assert len(studies) == 4
    for study in studies:
        metadata = pacs.study_metadata(study.study_instance_uid)
        assert metadata is not None
        selection = from_metadata(metadata)
        images = {uid: view for uid, view in selection.wanted.items() if view != "report"}
        expected = {uid: v.value for uid, v in study.views.items() if v is not View.OTHER}
        assert images == expected and not selection.reason
        assert len(images) < len(study.series)  # localizers, scouts, maps stay in the PACS
        has_sr = any(str(ds.Modality) == "SR" for ds in metadata)
        assert ("report" in selection.wanted.values()) == has_sr


def test_without_a_cine_nothing_is_fetched() -> None:
    selection = from_metadata([])
    assert selection.reason.startswith("study has no cine series")


def test_descriptions_leave_out_localizers_and_maps() -> None:
    series = [RemoteSeries("1.1", "MR", 1, "localizer"), RemoteSeries("1.2", "MR", 2, "cine sax"),
              RemoteSeries("1.3", "MR", 3, "MOLLI T1 map"), RemoteSeries("1.4", "MR", 4,
                                                                         "LGE PSIR sax"),
              RemoteSeries("1.5", "SR", 90, "report"), RemoteSeries("1.6", "MR", 7, "series 7"),
              RemoteSeries("1.7", "PR", 99, ""), RemoteSeries("1.8", "MR", 98, "Screen Save"),
              RemoteSeries("1.9", "MR", 97, "PhoenixZIPReport")]
    # a console's screenshot a PACS would not send by C-GET failed the study on every run
    assert from_descriptions(series).wanted == {"1.2": "image", "1.4": "image", "1.5": "report",
                                                "1.6": "image"}
    assert from_descriptions(series[:1]).reason
