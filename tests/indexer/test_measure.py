"""The measure stage: a research (ACDC-style NIfTI) archive indexed with its measurements.

The segmentation model is a fake that reads the synthetic hearts' cavities back, so the
plumbing (read, segment every phase, measure, record, payload, vector, search) is under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes.encoder import FakeEncoder
from fakes.segment import acdc_folder, heart_slice

from catalog import MEASURE_VERSION, MEASURES, StudyPayload, point_id
from cmr_search.layout import DataLayout
from indexer.pipeline import IndexOptions, run_index
from search import Mode, Page, SearchEngine, SearchRequest
from vectorstore import Generations, LiveEdgeStore
from vectorstore.server import ServerStore

pytestmark = pytest.mark.slow  # indexes an archive (about 30 s)


class _Segmenter:
    """Each slice's LV cavity from the bright pixels, drawn back as the fake heart."""

    def segment_phases(self, volumes: list[np.ndarray], spacing_mm: tuple[float, float],
                       diastole: int | None = None) -> list[np.ndarray]:
        return self.finish(self.network_labels(volumes, spacing_mm), volumes, spacing_mm,
                           diastole)

    def finish(self, raw: list[np.ndarray], volumes: list[np.ndarray],
               spacing_mm: tuple[float, float], diastole: int | None = None) -> list[np.ndarray]:
        return [r.copy() for r in raw]

    def network_labels(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        out = []
        for volume in volumes:
            slices = []
            for image in volume:
                radius = float(np.sqrt((image > 200).sum() / np.pi))
                slices.append(heart_slice(image.shape, radius, 6, rv=10))
            out.append(np.stack(slices))
        return out


class _Model:
    key = "fake-segmenter"

    def load(self) -> _Segmenter:
        return _Segmenter()


def test_a_research_archive_is_indexed_with_its_measurements(tmp_path: Path) -> None:
    archive = tmp_path / "acdc"
    for patient in ("patient901", "patient902", "patient903"):
        acdc_folder(archive, patient)
    # a weight no patient has (a typing error): measured, without indexed values
    (archive / "patient903" / "Info.cfg").write_text("ED: 1\nES: 5\nGroup: NOR\n"
                                                     "Height: 170\nNbFrame: 20\nWeight: inf\n")
    data = tmp_path / "data"
    summary = run_index(archive, DataLayout(data), FakeEncoder(), Generations(data / "index"),
                        IndexOptions(segmentation=_Model()))
    assert (summary.indexed, summary.measured, summary.measure_failed) == (3, 3, 0)
    store = LiveEdgeStore(data / "index")
    typo = StudyPayload.model_validate(store.retrieve([point_id("acdc-patient903")],
                                                      [MEASURES])[0].payload)
    assert typo.measurements.get("bsa_m2") is None and "no_body_size" in typo.qc_flags
    assert typo.measurements.get("lvedvi_ml_per_m2") is None
    hit = store.retrieve([point_id("acdc-patient901")], [MEASURES])[0]
    payload = StudyPayload.model_validate(hit.payload)
    assert payload.report_status == "missing" and payload.measurement_status == "measured"
    assert 40 < payload.measurements["lvef_pct"] < 80  # cavity radius 14 px at ED, 9 at ES
    assert payload.measurements["bsa_m2"] > 1.5  # Info.cfg height and weight
    assert payload.volume_curves is not None and len(payload.volume_curves.lv_ml) == 2
    assert MEASURES in hit.vectors
    assert "Group" not in str(hit.payload) and "NOR" not in str(hit.payload.get("impression"))
    # the synthetic heart is a cylinder: QC finds no apex, so every value is doubted
    assert "incomplete_apical_coverage" in payload.qc_flags
    assert "lvef_pct" in payload.flagged_measurements
    engine = SearchEngine(store, FakeEncoder())
    page = Page(limit=10, per_patient=False)
    by_images = engine.search(SearchRequest(q="dilated LV", mode=Mode.IMAGES, page=page))
    assert {r.study_instance_uid for r in by_images.results} == {
        "acdc-patient901", "acdc-patient902", "acdc-patient903"}
    by_numbers = engine.search(SearchRequest(q="LVEF over 40 %", mode=Mode.IMAGES, page=page))
    assert by_numbers.results == []  # a flagged value never passes a filter
    store.close()


class _NextVersion(_Model):
    key = f"fake-segmenter-next-{MEASURE_VERSION}"


def test_studies_kept_from_another_archive_unmeasured_by_the_new_model_are_counted(
        tmp_path: Path) -> None:
    from catalog import measurement_warnings

    first, second, data = tmp_path / "a", tmp_path / "b", tmp_path / "data"
    acdc_folder(first, "patient901")
    acdc_folder(second, "patient902")
    generations = Generations(data / "index")
    run_index(first, DataLayout(data), FakeEncoder(), generations,
              IndexOptions(segmentation=_Model()))
    # a new segmentation model or measurement version, then only the second archive re-indexed
    run_index(second, DataLayout(data), FakeEncoder(), generations,
              IndexOptions(segmentation=_NextVersion()))
    store = LiveEdgeStore(data / "index")
    metadata = store.metadata() or {}
    kept = store.retrieve([point_id("acdc-patient901")], [])[0]
    store.close()
    assert metadata["segmentation_model"] == _NextVersion.key
    assert metadata["unmeasured_studies"] == 1
    assert kept.payload.get("measurement_status") != "measured"
    [warning] = measurement_warnings(metadata)
    assert warning.startswith("1 of the index's studies were not measured")


class _Versioned(_Model):
    def __init__(self, version: str) -> None:
        self.key = f"sax-synth-0123456789ab-plain-{version}"  # as a checkpoint names its records


def test_a_server_point_is_stored_again_when_the_measurement_version_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes.server import memory_server

    from indexer.records import MeasurementStore

    archive, data, server = tmp_path / "acdc", tmp_path / "data", memory_server("studies")
    acdc_folder(archive, "patient901")
    run_index(archive, DataLayout(data), FakeEncoder(), server,
              IndexOptions(segmentation=_Versioned("m5")))
    listings = []  # a hospital's store holds a file per study: each listing walks them all
    listed = MeasurementStore.fingerprints
    monkeypatch.setattr(MeasurementStore, "fingerprints",
                        lambda self: listings.append(1) or listed(self))
    summary = run_index(archive, DataLayout(data), FakeEncoder(), server,
                        IndexOptions(segmentation=_Versioned("m6")))
    assert len(listings) == 2  # what to measure, before; what was measured, to publish
    assert summary.published["points"] == 1  # only the measurement version differs
    [point] = server.retrieve([point_id("acdc-patient901")], [])
    assert point.payload["segmentation_model"].endswith("-m6")
    metadata = server.metadata() or {}  # the collection says so too, not only its points
    assert metadata["segmentation_model"].endswith("-m6") and metadata["unmeasured_studies"] == 0


def _statuses(store: LiveEdgeStore | ServerStore, *patients: str) -> dict[str, object]:
    uids = [f"acdc-{p}" for p in patients]
    points = store.retrieve([point_id(uid) for uid in uids], [])
    return {p.payload["study_instance_uid"]: p.payload.get("measurement_status") for p in points}


def test_a_run_that_does_not_measure_keeps_the_measurements_earlier_runs_made(
        tmp_path: Path) -> None:
    """A run with CMR_SEARCH_MEASURE=false published every study without its measurements
    (kept in the data folder all the while), and `stats` said "measured by -"."""
    archive, data = tmp_path / "acdc", tmp_path / "data"
    acdc_folder(archive, "patient901")
    acdc_folder(archive, "patient902")
    generations = Generations(data / "index")
    run_index(archive, DataLayout(data), FakeEncoder(), generations,
              IndexOptions(segmentation=_Model()))
    acdc_folder(archive, "patient903")  # a new study, indexed by a run that does not measure
    summary = run_index(archive, DataLayout(data), FakeEncoder(), generations, IndexOptions())
    assert (summary.indexed, summary.measured) == (1, 0)
    store = LiveEdgeStore(data / "index")
    metadata, statuses = store.metadata() or {}, _statuses(store, "patient901", "patient903")
    store.close()
    assert statuses == {"acdc-patient901": "measured", "acdc-patient903": "missing"}
    assert metadata["segmentation_model"] == _Model.key
    assert metadata["unmeasured_studies"] == 1  # said, with its model, by `stats`


def test_a_server_run_that_does_not_measure_keeps_them_or_says_it_has_none(
        tmp_path: Path) -> None:
    """On a Qdrant server every point was stored again without its measurements, while the
    collection still named the model that had measured them."""
    import shutil

    from fakes.server import memory_server

    archive, data, server = tmp_path / "acdc", tmp_path / "data", memory_server("studies")
    acdc_folder(archive, "patient901")
    run_index(archive, DataLayout(data), FakeEncoder(), server,
              IndexOptions(segmentation=_Model()))
    kept = run_index(archive, DataLayout(data), FakeEncoder(), server, IndexOptions())
    assert kept.published["points"] == 0  # nothing to store again
    assert _statuses(server, "patient901") == {"acdc-patient901": "measured"}
    assert (server.metadata() or {})["segmentation_model"] == _Model.key
    shutil.rmtree(DataLayout(data).measurements / _Model.key)  # its records deleted
    run_index(archive, DataLayout(data), FakeEncoder(), server, IndexOptions())
    assert _statuses(server, "patient901") == {"acdc-patient901": "missing"}
    assert (server.metadata() or {}).get("segmentation_model") is None


class _Walls:
    """A short-axis ring as LV myocardium on every slice (the LGE stack's segmentation)."""

    def segment_phases(self, volumes: list[np.ndarray],
                       spacing_mm: tuple[float, float]) -> list[np.ndarray]:
        r, c = np.mgrid[:64, :64] - 32
        ring = (np.hypot(r, c) > 12) & (np.hypot(r, c) < 18)
        labels = np.zeros(volumes[0].shape, dtype=np.uint8)
        labels[:, ring] = 2  # Structure.LV_MYOCARDIUM
        return [labels]


def test_a_study_with_an_lge_stack_gets_its_scar_burden() -> None:
    from cmr_search.vocab import Measure, View
    from indexer.measure import _scar
    from indexer.records import MeasurementRecord
    from reader.stack import Stack
    from reader.views import StudyStacks, ViewStacks

    rng = np.random.default_rng(0)
    images = rng.normal(0.1, 0.02, (6, 1, 64, 64)).astype(np.float32)
    images[:, 0, 32:50, 32:50] = 0.9  # one bright corner of the ring: a quarter of it
    lge = Stack(images, np.array([[0, 0, 8.0 * k] for k in range(6)]), np.array([1.0, 0, 0]),
                np.array([0, 1.0, 0]), (1.5, 1.5), np.zeros(1), 1000.0)
    stacks = StudyStacks("1.2.3", lge, np.zeros(3), [], {View.LGE_SAX: ViewStacks(
        [lge], np.zeros(3), [])})

    class _Walled:
        key = "walls"

        def load(self) -> _Walls:
            return _Walls()

    record = MeasurementRecord("1.2.3", "f1", "walls")
    _scar(record, stacks, _Walled(), None)
    assert 15.0 < (record.values[Measure.SCAR.value] or 0) < 35.0
    without = MeasurementRecord("1.2.3", "f1", "walls")
    _scar(without, StudyStacks("1.2.3", lge, np.zeros(3), []), _Walled(), None)
    assert Measure.SCAR.value not in without.values  # no LGE stack: nothing said of scar


def test_the_records_key_follows_the_weights_calibration_and_grid(tmp_path: Path) -> None:
    import json

    from fakes.segment import tiny_checkpoint

    from catalog import MEASURE_VERSION
    from indexer.measure import CheckpointSegmentation

    folder = tiny_checkpoint(tmp_path / "ck")
    before = CheckpointSegmentation(folder).key
    card = json.loads((folder / "model_card.json").read_text())
    card["calibration"] = {"log_prior_offsets": {"lv_myocardium": 0.5}}
    (folder / "model_card.json").write_text(json.dumps(card))
    after = CheckpointSegmentation(folder).key
    assert before != after and after.startswith("ck-")
    assert after.endswith(f"-plain-{MEASURE_VERSION}")
    card["inference"] = {"spacing_mm": 1.2}
    (folder / "model_card.json").write_text(json.dumps(card))
    assert CheckpointSegmentation(folder).key not in (before, after)  # the grid moves borders


def test_a_missing_checkpoint_is_named_before_any_study_is_read(tmp_path: Path) -> None:
    from fakes.segment import tiny_checkpoint

    from catalog import MEASURE_VERSION
    from indexer.measure import SegmentationUnavailableError, checked_segmentation

    with pytest.raises(SegmentationUnavailableError, match="nowhere: not a segmentation"):
        checked_segmentation(tmp_path / "nowhere", tta=False)
    model = checked_segmentation(tiny_checkpoint(tmp_path / "ck"), tta=True)
    assert model.tta and model.key.endswith(f"-tta-{MEASURE_VERSION}")
