"""Indexing from a real Orthanc over DIMSE: C-FIND at study and series level, C-GET of the
wanted series (and C-MOVE to our own storage SCP); the date window asked of the PACS."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fakes.orthanc import OUR_AET, Orthanc
from pydicom import dcmread

from cmr_search.layout import DataLayout
from cmr_search.settings import Settings
from pacs import PacsAddress, PacsError, open_pacs
from pacs.archive import StudyWindow
from reader.scan import scan_archive

pytestmark = pytest.mark.slow  # a real PACS, real studies


@pytest.fixture(scope="module")
def loaded(orthanc: Orthanc, study_files: dict[str, list[Path]]) -> list[str]:
    chosen = list(study_files)[:2]
    for uid in chosen:
        orthanc.upload(study_files[uid])
    return chosen


def _settings(data: Path, **extra: object) -> Settings:
    values: dict[str, object] = {"data_dir": data, "pacs_ae_title": OUR_AET,
                                 "pacs_rate_limit": 0, "pacs_backoff_s": 0.1,
                                 "pacs_retries": 1, "pacs_timeout_s": 10}
    return Settings(**(values | extra))  # type: ignore[arg-type]


def test_c_find_lists_the_studies_with_their_counts(orthanc: Orthanc, loaded: list[str],
                                                    study_files: dict[str, list[Path]],
                                                    tmp_path: Path) -> None:
    archive = open_pacs(PacsAddress.parse(orthanc.dimse), _settings(tmp_path),
                        DataLayout(tmp_path))
    studies = {s.study_instance_uid: s for s in archive.list_studies()}
    assert set(studies) == set(loaded)
    for uid in loaded:
        assert studies[uid].instance_count == len(study_files[uid])
    day = dcmread(study_files[loaded[0]][0], stop_before_pixels=True).StudyDate
    when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    archive.window = StudyWindow(since=when, until=when)
    assert [s.study_instance_uid for s in archive.list_studies()] == [loaded[0]]
    archive.close()


@pytest.mark.parametrize("retrieve", ["get", "move"])
def test_c_get_and_c_move_bring_the_wanted_series(orthanc: Orthanc, loaded: list[str],
                                                  pacs_archive: Path, tmp_path: Path,
                                                  retrieve: str) -> None:
    settings = _settings(tmp_path, pacs_retrieve=retrieve, pacs_store_port=orthanc.store_port)
    archive = open_pacs(PacsAddress.parse(orthanc.dimse), settings, DataLayout(tmp_path))
    truth = {s.study_instance_uid: s for s in scan_archive(pacs_archive).studies}
    try:
        for remote in archive.list_studies():
            study = archive.fetch(remote, archive.fingerprint(remote))
            assert study.view_series == truth[remote.study_instance_uid].view_series
            assert study.origin.startswith(orthanc.dimse)
            archive.release(remote.study_instance_uid)
    finally:
        archive.close()
    assert archive.stats.studies == 2 and archive.stats.bytes > 0
    assert archive.cache.studies_held() == 0


def test_an_unknown_peer_is_one_line(tmp_path: Path) -> None:
    from fakes.orthanc import free_port

    address = PacsAddress.parse(f"dimse://NOBODY@127.0.0.1:{free_port()}")
    archive = open_pacs(address, _settings(tmp_path), DataLayout(tmp_path))
    with pytest.raises(PacsError, match=r"C-FIND studies: .* \(after 2 tries\)"):
        archive.list_studies()


def test_an_ae_title_the_pacs_does_not_allow_is_named(orthanc: Orthanc,
                                                      tmp_path: Path) -> None:
    """Orthanc accepts the association and aborts it at the C-FIND: that was "no response",
    five times, which named neither the cause nor the setting."""
    settings = _settings(tmp_path, pacs_ae_title="STRANGER", pacs_retries=0)
    archive = open_pacs(PacsAddress.parse(orthanc.dimse), settings, DataLayout(tmp_path))
    with pytest.raises(PacsError, match=r"^C-FIND studies: the PACS aborted the association "
                                        r"\(does it allow AE title 'STRANGER' this request\? "
                                        r"CMR_SEARCH_PACS_AE_TITLE\)"):
        archive.list_studies()
    archive.close()


def test_a_series_the_pacs_lacks_says_so(orthanc: Orthanc, tmp_path: Path) -> None:
    """It was "status 0xC000, 0 instances failed"."""
    from fakes.orthanc import AET

    from pacs.dimse import DimsePacs

    pacs = DimsePacs(AET, "127.0.0.1", orthanc.dicom_port, OUR_AET, 10.0, "move",
                     orthanc.store_port)
    try:
        with pytest.raises(PacsError, match=r"^C-MOVE series: status 0xC000 \(the PACS could "
                                            r"not process it: no such series there") as error:
            pacs.fetch_series("1.2.3", "1.2.3.4", tmp_path / "series")
        assert "instances failed" not in str(error.value)
        # Orthanc answers an undeliverable C-MOVE so too: the hint named only the series
        assert f"port {orthanc.store_port})" in str(error.value)
    finally:
        pacs.close()


def test_a_series_the_pacs_holds_as_jpeg_ls_arrives_as_such(
        orthanc: Orthanc, study_files: dict[str, list[Path]], tmp_path: Path) -> None:
    """JPEG-LS was not among the syntaxes C-GET offered: a PACS that cannot transcode it
    (a common archive syntax) had no way to send the series."""
    import numpy as np
    from fakes.orthanc import AET
    from pydicom.uid import JPEGLSLossless, generate_uid

    from pacs.dimse import DimsePacs

    source = next(p for files in study_files.values() for p in files
                  if "PixelData" in (d := dcmread(p)) and int(d.get("NumberOfFrames", 1)) == 1)
    ds = dcmread(source)
    pixels = ds.pixel_array.copy()
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        ds.decompress()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.compress(JPEGLSLossless, encoding_plugin="pyjpegls", generate_instance_uid=False)
    packed = tmp_path / "packed.dcm"
    ds.save_as(packed, enforce_file_format=True)
    orthanc.upload([packed])
    pacs = DimsePacs(AET, "127.0.0.1", orthanc.dicom_port, OUR_AET, 10.0)
    try:
        assert pacs.fetch_series(ds.StudyInstanceUID, ds.SeriesInstanceUID,
                                 tmp_path / "got") > 0
    finally:
        pacs.close()
        orthanc.delete_instance(ds.SOPInstanceUID)  # the module's PACS holds its studies only
    (got,) = (tmp_path / "got").iterdir()
    received = dcmread(got)
    assert received.file_meta.TransferSyntaxUID == JPEGLSLossless
    received.pixel_array_options(decoding_plugin="pylibjpeg")
    assert np.array_equal(received.pixel_array, pixels)


def test_index_over_dimse_then_a_rerun_fetches_nothing(orthanc: Orthanc, loaded: list[str],
                                                       tmp_path: Path) -> None:
    from fakes.encoder import FakeEncoder

    from indexer.pipeline import IndexOptions, run_index
    from indexer.sources import PacsSource
    from vectorstore import Generations

    def run() -> dict[str, int]:
        archive = open_pacs(PacsAddress.parse(orthanc.dimse), _settings(tmp_path),
                            DataLayout(tmp_path))
        try:
            summary = run_index(PacsSource(archive, 2), DataLayout(tmp_path), FakeEncoder(),
                                Generations(tmp_path / "index"), IndexOptions(workers=1))
        finally:
            archive.close()
        assert not summary.skipped, summary.skipped
        return {"indexed": summary.indexed, "series": summary.source["series_fetched"]}

    first = run()
    assert first["indexed"] == 2 and first["series"] > 0
    assert run() == {"indexed": 0, "series": 0}
