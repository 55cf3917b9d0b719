"""The engine over a small index with known payloads: negation, severity, grouping, similar."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES

from catalog import INDEX_VERSION
from search import (
    Mode,
    NotFoundError,
    NotReadyError,
    Page,
    QueryError,
    SearchEngine,
    SearchFilters,
    SearchRequest,
    SimilarRequest,
    Sort,
)
from search.models import Signal
from vectorstore import EdgeStore, StorePoint, StoreSchema, VectorStore


def uids(engine: SearchEngine, q: str, mode: Mode = Mode.BOTH, **page: object) -> list[str]:
    response = engine.search(SearchRequest(q=q, mode=mode, page=Page(limit=50, **page)))
    return [r.study_instance_uid for r in response.results]


def test_a_ruled_out_finding_never_returns_studies_that_show_it(engine: SearchEngine) -> None:
    for q in ("no LGE", "without late gadolinium enhancement", "dilated LV, no LGE"):
        found = uids(engine, q, per_patient=False)
        stated = {c.uid for c in CASES if "lge" in c.report_findings}
        imaged_without_report = {c.uid for c in CASES if c.report is None
                                 and "lge" in c.image_findings}
        assert found and not set(found) & (stated | imaged_without_report), q
        assert "6.1" in found or q.startswith("dilated")  # no report, images show no LGE


def test_images_mode_ignores_what_reports_say(engine: SearchEngine) -> None:
    found = set(uids(engine, "no LGE", Mode.IMAGES, per_patient=False))
    assert found == {c.uid for c in CASES if "lge" not in c.image_findings}
    assert "4.1" in found  # its report states LGE, its images do not


def test_a_wanted_finding_skips_reports_that_rule_it_out(engine: SearchEngine) -> None:
    found = uids(engine, "LGE", per_patient=False)
    assert found and not set(found) & {c.uid for c in CASES if "lge" in c.report_negated}


def test_a_grade_asked_takes_itself_and_the_next_worse(engine: SearchEngine) -> None:
    """"severe" is severe only and "mild" never severe, by report and by measurements."""
    severe = uids(engine, "severe LV systolic dysfunction", per_patient=False)
    assert "3.1" not in severe and {"1.2", "4.1"} <= set(severe)
    mild = uids(engine, "mild LV systolic dysfunction", per_patient=False)
    assert "3.1" in mild and not {"1.2", "4.1"} & set(mild)
    # 6.1 has no report and measures an LVEF of 33 % (moderate)
    assert "6.1" not in uids(engine, "severe LV systolic dysfunction", Mode.IMAGES)
    assert "6.1" in uids(engine, "moderate LV systolic dysfunction", Mode.IMAGES)
    assert "6.1" in uids(engine, "mild LV systolic dysfunction", Mode.IMAGES)


def test_one_result_per_patient_with_the_others_listed(engine: SearchEngine) -> None:
    response = engine.search(SearchRequest(q="LGE dilated LV", page=Page(limit=50)))
    keys = [r.patient_key for r in response.results]
    assert len(keys) == len(set(keys))
    first = next(r for r in response.results if r.patient_key == "key-p1")
    assert [o.study_instance_uid for o in first.other_studies] == \
        [u for u in ("1.2", "1.1") if u != first.study_instance_uid]
    every = uids(engine, "LGE dilated LV", per_patient=False)
    assert {"1.1", "1.2"} <= set(every)


def test_sort_by_date_and_pages_that_do_not_overlap(engine: SearchEngine) -> None:
    by_date = engine.search(SearchRequest(q="LV", page=Page(limit=50, sort=Sort.DATE,
                                                           per_patient=False)))
    dates = [r.study_date for r in by_date.results]
    assert dates == sorted(dates, reverse=True)
    pages = [engine.search(SearchRequest(q="LV", page=Page(limit=2, page=n,
                                                           per_patient=False)))
             for n in (1, 2, 3)]
    seen = [r.study_instance_uid for p in pages for r in p.results]
    assert len(seen) == len(set(seen)) == 6 and pages[0].has_more
    assert pages[0].total == by_date.total


def test_filters_and_facets(engine: SearchEngine) -> None:
    filters = SearchFilters(vendor=["philips"], age_max=40)
    response = engine.search(SearchRequest(q="LV", filters=filters, page=Page(limit=50)))
    assert [r.study_instance_uid for r in response.results] == ["7.1"]
    facets = engine.facets(SearchFilters(report="present"))
    assert facets.total == 6 and facets.facets["vendor"] == {"siemens": 3, "philips": 2, "ge": 1}
    assert facets.facets["report_findings"]["lge"] == 3
    # the reports that do not state LGE (a study without one is not a reports-mode result)
    assert engine.facets(SearchFilters(), q="no LGE", mode=Mode.REPORTS).total == 3
    dated = SearchFilters(study_date_from="2021-01-01", study_date_to="2022-12-31")
    assert sorted(uids_of(engine, dated)) == ["1.1", "4.1"]


def uids_of(engine: SearchEngine, filters: SearchFilters) -> list[str]:
    response = engine.search(SearchRequest(q="LV", filters=filters,
                                           page=Page(limit=50, per_patient=False)))
    return [r.study_instance_uid for r in response.results]


def test_explanations_name_signals_views_and_sentences(engine: SearchEngine) -> None:
    response = engine.search(SearchRequest(q="transmural LGE", page=Page(per_patient=False)))
    top = next(r for r in response.results if r.study_instance_uid == "1.1")
    signals = {s.signal for s in top.explanation.signals}
    assert {Signal.IMAGES, Signal.REPORTS, Signal.KEYWORDS} <= signals
    assert all(s.rank >= 1 for s in top.explanation.signals)
    assert top.explanation.best_view in top.explanation.view_scores
    sentence = top.explanation.sentences[0]
    assert "Transmural" in sentence.terms and "LGE" in sentence.terms
    assert "lge (report)" in top.explanation.findings_matched
    assert response.versions.model == FakeEncoder.key
    assert response.versions.index == INDEX_VERSION


def test_modes_use_their_own_signals(engine: SearchEngine) -> None:
    images = engine.search(SearchRequest(q="dilated LV", mode=Mode.IMAGES))
    # the images mode: the video vector, and the studies whose measurements show a dilated LV
    assert {s.signal for r in images.results for s in r.explanation.signals} \
        == {Signal.IMAGES, Signal.MEASURED_FINDINGS}
    reports = engine.search(SearchRequest(q="dilated LV", mode=Mode.REPORTS))
    assert all(r.has_report for r in reports.results)


def test_similar_excludes_the_patient_and_follows_negatives(engine: SearchEngine) -> None:
    response = engine.similar(SimilarRequest(positive=["1.1"], page=Page(limit=50)))
    found = [r.study_instance_uid for r in response.results]
    assert found and not {"1.1", "1.2"} & set(found)
    unlike = engine.similar(SimilarRequest(positive=["1.1"], negative=[found[0]],
                                           page=Page(limit=50)))
    assert found[0] not in [r.study_instance_uid for r in unlike.results[:1]]
    per_view = engine.similar(SimilarRequest(positive=["2.1"], view="lge_sax",
                                             page=Page(limit=50)))
    assert "6.1" not in [r.study_instance_uid for r in per_view.results]  # it has no LGE
    with pytest.raises(QueryError, match="no lge_sax"):
        engine.similar(SimilarRequest(positive=["6.1"], view="lge_sax"))
    with pytest.raises(QueryError, match="unknown view"):
        engine.similar(SimilarRequest(positive=["2.1"], view="5ch"))
    with pytest.raises(NotFoundError, match=r"9\.9"):
        engine.similar(SimilarRequest(positive=["9.9"]))


class _WholeStudyEncoder(FakeEncoder):
    per_view = False  # like the released CMR-CLIP: one video per study


def test_a_model_without_per_view_vectors_says_so_for_a_view(store: VectorStore) -> None:
    engine = SearchEngine(store, _WholeStudyEncoder())
    assert engine.similar(SimilarRequest(positive=["1.1"])).results
    with pytest.raises(QueryError, match=r"\(fake\) sees each study as one video"):
        engine.similar(SimilarRequest(positive=["2.1"], view="lge_sax"))
    with pytest.raises(QueryError, match="compare whole studies"):
        engine.near_vectors({}, SearchFilters(), Page(), view="4ch")


def test_study_detail_lists_the_same_patient(engine: SearchEngine) -> None:
    detail = engine.study("1.1")
    assert detail.payload["report_findings"] == ["lge", "lv_dilation"]
    assert [o.study_instance_uid for o in detail.same_patient] == ["1.2"]
    with pytest.raises(NotFoundError):
        engine.study("nope")


def test_an_index_from_another_model_is_refused(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "other")
    store.ensure(StoreSchema(dense={"study": 4}), {"model": {"architecture": "other"},
                                                   "index_version": INDEX_VERSION})
    with pytest.raises(NotReadyError, match="--rebuild"):
        SearchEngine(store, FakeEncoder()).search(SearchRequest(q="LGE"))
    with pytest.raises(NotReadyError, match="no index"):
        SearchEngine(EdgeStore(tmp_path / "none"), FakeEncoder()).search(SearchRequest(q="x"))


def test_pages_past_the_ranking_depth_are_refused(engine: SearchEngine) -> None:
    with pytest.raises(QueryError, match="first 1000"):
        engine.search(SearchRequest(q="LV", page=Page(limit=100, page=11)))


def test_less_like_this_drops_the_study_and_moves_the_query_away(engine: SearchEngine) -> None:
    before = uids(engine, "LGE dilated LV", per_patient=False)
    after = engine.search(SearchRequest(q="LGE dilated LV", unlike=[before[0]],
                                        page=Page(limit=50, per_patient=False)))
    found = [r.study_instance_uid for r in after.results]
    assert before[0] not in found and set(found) <= set(before)
    with pytest.raises(NotFoundError):
        engine.search(SearchRequest(q="LGE", unlike=["9.9"]))


def test_a_point_whose_payload_does_not_read_is_left_out(caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    from fakes.index import build

    from catalog import point_id
    from vectorstore import MemoryStore

    store = build(MemoryStore(), CASES)
    (hit,) = store.retrieve([point_id("1.1")], ["study", "report"])
    broken = {**hit.payload, "report_findings": ["not_a_finding"]}
    store.upsert([StorePoint(hit.id, hit.vectors, {}, broken)])
    found = uids(SearchEngine(store, FakeEncoder()), "dilated LV", per_patient=False)
    assert found and "1.1" not in found
    assert "left out" in caplog.text


def test_an_upload_that_was_measured_finds_hearts_that_measure_alike(
        engine: SearchEngine) -> None:
    from fakes.encoder import unit

    from catalog import MEASURES, STUDY, measurement_vector
    from cmr_search.vocab import Measure

    six = next(c for c in CASES if c.uid == "6.1")
    assert six.measured is not None
    measures = measurement_vector({Measure(k): v for k, v in six.measured.items()}, six.sex)
    assert measures is not None
    vectors = {STUDY: unit("an upload like no indexed study"), MEASURES: measures}
    found = engine.near_vectors(vectors, SearchFilters(), Page(limit=3, per_patient=False))
    top = found.results[0]
    assert top.study_instance_uid == "6.1"  # the images alone know nothing of it
    assert any(s.signal == Signal.MEASURES and s.rank == 1 for s in top.explanation.signals)
    images_only = engine.near_vectors({STUDY: vectors[STUDY]}, SearchFilters(),
                                      Page(limit=3, per_patient=False))
    assert all(s.signal != Signal.MEASURES for r in images_only.results
               for s in r.explanation.signals)
