"""The Ray engine on a local Ray (2 CPUs, no dashboard): the same records and the same index as
the local engine, incremental re-runs, skipped studies reported the same way, de-identified
on this machine before the cluster sees a study."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fakes.encoder import FakeEncoder

from cmr_search.layout import DataLayout
from indexer.deidentify import Deidentifier
from indexer.pipeline import IndexOptions, run_index
from indexer.ray_engine import RayEngine, RayOptions
from indexer.records import RecordStore
from indexer.summary import IndexSummary
from reader.scan import scan_archive
from vectorstore import Generations, LiveEdgeStore

pytestmark = pytest.mark.slow  # starts Ray and indexes a real archive

TESTS = Path(__file__).resolve().parents[1]


def _engine(whole_study_actors: bool | None = None) -> RayEngine:
    # the workers import the fake encoder from tests/, as a cluster's nodes import the product
    env = {"env_vars": {"PYTHONPATH": f"{TESTS}:{TESTS.parent}"}}
    return RayEngine(FakeEncoder, RayOptions(num_cpus=2, object_store_mb=128, runtime_env=env,
                                             whole_study_actors=whole_study_actors))


def _index(archive: Path, data: Path, engine: RayEngine | None,
           options: IndexOptions | None = None) -> IndexSummary:
    return run_index(archive, DataLayout(data), FakeEncoder(), Generations(data / "index"),
                     options or IndexOptions(workers=2), engine=engine)


def _same_records(mine: Path, theirs: Path) -> None:
    a_store = RecordStore(DataLayout(mine).embeddings, FakeEncoder.key)
    b_store = RecordStore(DataLayout(theirs).embeddings, FakeEncoder.key)
    assert a_store.fingerprints() == b_store.fingerprints()
    for a, b in zip(a_store.all(), b_store.all(), strict=True):
        assert a.payload == b.payload and a.raw_scores == b.raw_scores
        assert a.vectors.keys() == b.vectors.keys()
        assert all(np.allclose(a.vectors[k], b.vectors[k], atol=1e-6) for k in a.vectors)


def _points(data: Path) -> dict[str, dict[str, object]]:
    store = LiveEdgeStore(data / "index")
    try:
        return {h.id: h.payload for h in store.scroll()}
    finally:
        store.close()


# None: this CPU-only Ray gets whole-study actors; False: CPU tasks, then encoder actors (the
# layout of a cluster with GPUs)
@pytest.mark.parametrize("whole_study_actors", [None, False], ids=["whole-study", "two-stage"])
def test_ray_writes_the_same_records_and_index_as_the_local_engine(
        archive: Path, tmp_path: Path, whole_study_actors: bool | None) -> None:
    local = _index(archive, tmp_path / "local", None)
    ray = _index(archive, tmp_path / "ray", _engine(whole_study_actors))
    assert ray.indexed == local.indexed > 0 and ray.studies_in_index == local.studies_in_index
    assert sorted(s["reason"] for s in ray.skipped) == sorted(s["reason"] for s in local.skipped)
    assert set(ray.stages) == set(local.stages) >= {"pixel_decode", "encode", "record"}
    _same_records(tmp_path / "ray", tmp_path / "local")
    assert _points(tmp_path / "ray") == _points(tmp_path / "local")

    again = _index(archive, tmp_path / "ray", _engine())  # incremental: nothing to embed
    assert again.indexed == 0 and again.unchanged == local.indexed
    assert not again.published["changed"]


def test_ray_deidentifies_as_the_local_engine_does(archive: Path, tmp_path: Path) -> None:
    options = IndexOptions(workers=2, patient_key_secret="k", deidentifier=Deidentifier("seed"))
    local = _index(archive, tmp_path / "local", None, options)
    ray = _index(archive, tmp_path / "ray", _engine(), options)
    assert ray.indexed == local.indexed > 0 and "deidentify" in ray.stages
    assert sorted(s["reason"] for s in ray.skipped) == sorted(s["reason"] for s in local.skipped)
    _same_records(tmp_path / "ray", tmp_path / "local")
    points = _points(tmp_path / "ray")
    assert points == _points(tmp_path / "local")
    dump = json.dumps(list(points.values()))
    for study in scan_archive(archive).studies:  # no identifier reached the cluster's records
        info = study.info
        assert info.study_instance_uid not in dump and info.patient_id not in dump
        assert not info.accession_number or info.accession_number not in dump


@pytest.mark.parametrize(("address", "why"), [
    ("garbage", "expected HOST:PORT, ray://HOST:PORT or auto"),
    ("127.0.0.1:9", "Ray at 127.0.0.1:9: not reachable"),
    ("ray://127.0.0.1:9", "Ray at ray://127.0.0.1:9: not reachable"),
])
def test_a_ray_address_nothing_answers_is_one_line_before_anything_runs(
        address: str, why: str) -> None:
    """A head that was not there hung for ten minutes, or ended in a 170-line traceback."""
    from indexer.ray_engine import check_address

    with pytest.raises(ValueError, match=why.replace(".", r"\.")):
        check_address(address, timeout_s=2)
    check_address(None)
    check_address("auto")
