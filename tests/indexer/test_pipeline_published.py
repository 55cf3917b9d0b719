"""The released CMR-CLIP (scaled down, random weights) through the product: load, encode, index,
search; one vector per study, no per-view vectors; the index refuses another model's weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes.published import write_release

from catalog import IMPRESSION, STUDY, VIEW_VECTORS, point_id
from cmr_search.layout import DataLayout
from cmrclip.checkpoint import convert_release
from cmrclip.inference import Encoder
from indexer.pipeline import IndexOptions, run_index
from indexer.summary import IndexSummary
from reader.scan import scan_archive
from search import NotReadyError, QueryError, SearchEngine, SearchRequest, SimilarRequest
from vectorstore import Generations, LiveEdgeStore

pytestmark = pytest.mark.slow  # indexes a real (synthetic) archive


@pytest.fixture(scope="module")
def encoder(mini_release: Path) -> Encoder:
    return Encoder.from_checkpoint(mini_release, device="cpu")


@pytest.fixture(scope="module")
def indexed(archive: Path, encoder: Encoder,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IndexSummary]:
    data = tmp_path_factory.mktemp("published")
    summary = run_index(archive, DataLayout(data), encoder, Generations(data / "index"),
                        IndexOptions(workers=2, batch_size=4))
    return data, summary


def test_every_study_gets_one_study_vector_and_no_view_vectors(
        archive: Path, indexed: tuple[Path, IndexSummary], encoder: Encoder) -> None:
    data, summary = indexed
    studies = scan_archive(archive).studies
    assert summary.indexed == len(studies) == summary.studies_in_index
    store = LiveEdgeStore(data / "index")
    names = [STUDY, IMPRESSION, *VIEW_VECTORS.values()]
    for study in studies:
        hit = store.retrieve([point_id(study.study_instance_uid)], names)[0]
        assert set(hit.vectors) <= {STUDY, IMPRESSION}
        assert np.isclose(np.linalg.norm(hit.vectors[STUDY]), 1.0, atol=1e-4)
        assert len(hit.vectors[STUDY]) == encoder.joint_dim == 16
        scores, views = hit.payload["image_scores"], set(hit.payload["views"])
        assert "lv_dilation" in scores  # LGE is scored only with LGE images
        assert ("lge" in scores) == bool(views & {"lge_sax", "lge_lax"})


def test_search_and_whole_study_similar_work_and_per_view_says_why_not(
        indexed: tuple[Path, IndexSummary], encoder: Encoder) -> None:
    data, _ = indexed
    engine = SearchEngine(LiveEdgeStore(data / "index"), encoder)
    found = engine.search(SearchRequest(q="dilated left ventricle with late enhancement"))
    assert found.results
    anchor = found.results[0].study_instance_uid
    assert engine.similar(SimilarRequest(positive=[anchor])).total >= 0
    with pytest.raises(QueryError, match="keeps no per-view vectors; compare whole studies"):
        engine.similar(SimilarRequest(positive=[anchor], view="4ch"))


def test_the_index_refuses_other_weights_and_serves_the_converted_copy(
        indexed: tuple[Path, IndexSummary], mini_release: Path, tmp_path: Path) -> None:
    data, _ = indexed
    store = LiveEdgeStore(data / "index")
    other = tmp_path / "other"
    write_release(other, seed=1)
    with pytest.raises(NotReadyError, match="index was built with model cmrclip-published-mini"):
        SearchEngine(store, Encoder.from_checkpoint(other, "cpu")).check_ready()
    convert_release(mini_release, tmp_path / "converted")
    copy = Encoder.from_checkpoint(tmp_path / "converted", "cpu")
    assert SearchEngine(store, copy).search(SearchRequest(q="normal study")).results
