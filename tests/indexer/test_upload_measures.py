"""An uploaded study's measurements join the search only where the index was measured by the
same segmentation model; elsewhere the upload says why they were not compared (an index built
with CMR_SEARCH_MEASURE=0, or measured by another model, was compared without a word)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder
from fakes.zips import zipped_study

from catalog import MEASURES
from indexer import upload
from indexer.records import MeasurementRecord
from indexer.upload import UploadedStudy, study_from_upload
from reader.scan import ScanResult

_KEY = "sax-synth-0123456789ab-plain-m20"


class _Model:
    """A segmentation model at the boundary: its key is all the upload asks of it here."""

    key = _KEY

    def load(self) -> Any:
        raise AssertionError("measure_study is faked")


def _measured(study: Any, stacks: Any, fingerprint: str, model: _Model,
              clip_spec: Any) -> MeasurementRecord:
    return MeasurementRecord(study.study_instance_uid, fingerprint, model.key,
                             values={"lvef_pct": 31.0, "lvedv_ml": 240.0, "lvesv_ml": 165.6})


@pytest.fixture
def upload_with(scanned: ScanResult, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(upload, "measure_study", _measured)
    study = next(s for s in scanned.studies if s.has_cine)
    zipped = zipped_study(study.folder)

    def send(segmentation: _Model | None, index_measured_by: str | None) -> UploadedStudy:
        return study_from_upload(io.BytesIO(zipped), "study.zip", FakeEncoder(),
                                 tmp_path / "previews", segmentation=segmentation,
                                 index_measured_by=index_measured_by)
    return send


def test_measurements_join_the_search_where_the_index_has_the_same_models(
        upload_with: Any) -> None:
    study = upload_with(_Model(), _KEY)
    assert MEASURES in study.vectors and study.measurements["lvef_pct"] == 31.0
    assert study.measures_not_compared == ""


def test_an_index_built_without_measuring_is_compared_by_images_and_says_so(
        upload_with: Any) -> None:
    study = upload_with(_Model(), None)
    assert MEASURES not in study.vectors
    assert study.measurements["lvef_pct"] == 31.0  # still shown beside the cine
    assert "the index holds no measurements" in study.measures_not_compared
    assert "CMR_SEARCH_MEASURE=0" in study.measures_not_compared


def test_an_index_measured_by_another_model_is_not_compared_and_says_which(
        upload_with: Any) -> None:
    other = "sax-other-fedcba987654-plain-m19"
    study = upload_with(_Model(), other)
    assert MEASURES not in study.vectors
    said = study.measures_not_compared
    assert other in said and _KEY in said and "cmr-search index" in said and "\n" not in said


def test_a_server_that_does_not_measure_says_so_beside_a_measured_index(
        upload_with: Any) -> None:
    study = upload_with(None, _KEY)
    assert MEASURES not in study.vectors and study.measurements == {}
    assert "this server does not measure" in study.measures_not_compared
    # neither measures: nothing to explain
    assert upload_with(None, None).measures_not_compared == ""


@pytest.mark.parametrize(("index", "said"), [
    # the same network, measured by an older measurement version: no "other model"
    ("sax-synth-0123456789ab-plain-m19",
     "the index was measured by another measurement version (m19), this server measures m20"),
    ("sax-synth-0123456789ab-tta-m20",
     "the index was measured with test-time augmentation, this server measures without it"),
])
def test_an_index_measured_by_the_same_network_says_what_differs(
        upload_with: Any, index: str, said: str) -> None:
    study = upload_with(_Model(), index)
    assert MEASURES not in study.vectors
    assert study.measures_not_compared.startswith(f"{said}: similar cases are found")
    assert "segmentation model" not in study.measures_not_compared


def test_the_fix_names_the_de_identified_re_index(upload_with: Any) -> None:
    # the plain command is refused on a de-identified index: the hint names its option
    said = upload_with(_Model(), "sax-other-fedcba987654-plain-m20").measures_not_compared
    assert "--deidentify" in said
