"""Search by numbers over the fake index: ranges from the query and the filters, QC flags."""

from __future__ import annotations

from fakes.index import CASES

from search import (
    Mode,
    Page,
    SearchEngine,
    SearchFilters,
    SearchRequest,
    SearchResponse,
    SimilarRequest,
    Weights,
)
from search.filters import parse_filters
from search.models import Signal


def _measured_below(limit: float) -> set[str]:
    return {c.uid for c in CASES if c.measured and c.measured.get("lvef_pct", 100) < limit
            and "lvef_pct" not in c.flagged}


def test_lvef_below_35_returns_exactly_the_clean_measured_studies(engine: SearchEngine) -> None:
    response = engine.search(SearchRequest(q="LVEF below 35 %", mode=Mode.IMAGES,
                                           page=Page(limit=50, per_patient=False)))
    found = {r.study_instance_uid for r in response.results}
    assert found == _measured_below(35) == {"1.2", "6.1"}  # 4.1 measures 30, QC-flagged
    assert response.interpretation is not None
    assert response.interpretation.measurement_filters == {"lvef_max": 34.95}
    assert response.interpretation.measurements[0].startswith("LVEF < 35 %")
    lines = {r.study_instance_uid: r.explanation.measured for r in response.results}
    assert lines["1.2"] == ["measured LVEF 25 %, asked < 35 %"]


def _measured_above(limit: float) -> set[str]:
    return {c.uid for c in CASES if c.measured and c.measured.get("lvef_pct", -1) > limit
            and "lvef_pct" not in c.flagged}


def test_either_range_of_an_or_returns_the_studies_of_both(engine: SearchEngine) -> None:
    """"LVEF below 35 or above 60": read as one range, it was refused as no LVEF is both."""
    response = engine.search(SearchRequest(q="LVEF below 35 or above 60", mode=Mode.IMAGES,
                                           page=Page(limit=50, per_patient=False)))
    found = {r.study_instance_uid for r in response.results}
    assert _measured_below(35) and _measured_above(60)
    assert found == _measured_below(35) | _measured_above(60)
    assert response.interpretation is not None
    assert response.interpretation.measurement_any_of == [[{"lvef_max": 34.95},
                                                           {"lvef_min": 60.05}]]
    assert response.interpretation.measurements[0].startswith("LVEF < 35 % or LVEF > 60 %")
    lines = {r.study_instance_uid: r.explanation.measured for r in response.results}
    assert lines["1.2"] == ["measured LVEF 25 %, asked < 35 %"]  # only the range it meets


def test_absolute_volumes_are_searched_as_written(engine: SearchEngine) -> None:
    """"LVEDV > 200 ml" was read as nothing: only the indexed volumes were filterable."""
    for query, field in (("RVEDV over 100 ml", "rv_edv_min"), ("LVEDV below 150 ml", "lv_edv_max")):
        response = engine.search(SearchRequest(q=query, mode=Mode.IMAGES,
                                               page=Page(limit=50, per_patient=False)))
        assert {r.study_instance_uid for r in response.results} == {"5.1"}, query
        assert response.interpretation is not None
        assert list(response.interpretation.measurement_filters) == [field]


def test_the_cli_filter_is_the_same_range(engine: SearchEngine) -> None:
    filters = parse_filters(["lvef=..35", "lv_mass=150.."])
    response = engine.search(SearchRequest(q="heart", mode=Mode.IMAGES, filters=filters,
                                           page=Page(limit=50, per_patient=False)))
    assert {r.study_instance_uid for r in response.results} == {"1.2", "6.1"}


def test_a_flagged_value_never_passes_and_an_unmeasured_study_neither(
        engine: SearchEngine) -> None:
    filters = parse_filters(["lvef=0..100"])
    response = engine.search(SearchRequest(q="heart", mode=Mode.IMAGES, filters=filters,
                                           page=Page(limit=50, per_patient=False)))
    found = {r.study_instance_uid for r in response.results}
    assert found == {c.uid for c in CASES if c.measured and "lvef_pct" not in c.flagged}


def test_similar_fuses_the_measurement_vector_when_the_example_was_measured(
        engine: SearchEngine) -> None:
    response = engine.similar(SimilarRequest(positive=["6.1"], page=Page(limit=10)))
    signals = {s.signal for r in response.results for s in r.explanation.signals}
    assert Signal.MEASURES in signals
    best = [r for r in response.results
            if any(s.signal is Signal.MEASURES and s.rank == 1 for s in r.explanation.signals)]
    assert best and best[0].study_instance_uid == "1.2"  # LVEF 25 vs 33, both dilated
    unmeasured = engine.similar(SimilarRequest(positive=["2.1"], page=Page(limit=10)))
    assert all(s.signal is not Signal.MEASURES for r in unmeasured.results
               for s in r.explanation.signals)


def test_study_to_study_weighs_the_images_apart_from_text_search(engine: SearchEngine) -> None:
    """`examples` is the video's weight in "more like this"; text search's `images` is not."""

    def signals(weights: Weights) -> set[Signal]:
        other = SearchEngine(engine.store, engine.encoder, weights)
        response = other.similar(SimilarRequest(positive=["6.1"], page=Page(limit=10)))
        return {s.signal for r in response.results for s in r.explanation.signals}

    assert signals(Weights(images=0.0)) == {Signal.EXAMPLES, Signal.MEASURES}
    assert signals(Weights(examples=0.0)) == {Signal.MEASURES}
    assert signals(Weights(measures=0.0)) == {Signal.EXAMPLES}


def test_facets_count_clean_values_per_band(engine: SearchEngine) -> None:
    facets = engine.facets(SearchFilters()).facets
    assert facets["lvef"] == {"<30": 1, "30 to <41": 1, ">=50": 1}  # 4.1's 30 % is flagged
    assert facets["lv_mass"] == {"100 to <150": 2, ">=150": 2}
    # every filter the issue names has bands: the indexed volumes, mass and scar too
    assert facets["lv_edv_index"] == {"<100": 1, "100 to <130": 1, ">=130": 1}
    assert {"rv_edv_index", "lv_mass_index", "scar"} <= facets.keys()


def _measured_signal(response: SearchResponse) -> list[str]:
    """The studies the measured-findings signal brought, in its own order."""
    ranks = {r.study_instance_uid: s.rank for r in response.results
             for s in r.explanation.signals if s.signal is Signal.MEASURED_FINDINGS}
    return sorted(ranks, key=ranks.__getitem__)


def test_a_diagnosis_brings_the_studies_whose_measurements_show_it(
        engine: SearchEngine) -> None:
    response = engine.search(SearchRequest(q="dilated cardiomyopathy", mode=Mode.IMAGES,
                                           page=Page(limit=50, per_patient=False)))
    # 1.2 and 6.1 measure a dilated, poorly contracting LV; 4.1's low LVEF is QC-flagged
    assert set(_measured_signal(response)) == {"1.2", "6.1"}
    assert {r.study_instance_uid for r in response.results[:2]} == {"1.2", "6.1"}
    hypertrophy = engine.search(SearchRequest(q="hypertrophic cardiomyopathy", mode=Mode.IMAGES,
                                              page=Page(limit=50, per_patient=False)))
    assert _measured_signal(hypertrophy) == []  # no wall measured thick


def test_a_normal_heart_is_one_measured_clean_with_no_finding(engine: SearchEngine) -> None:
    response = engine.search(SearchRequest(q="normal heart", mode=Mode.IMAGES,
                                           page=Page(limit=50, per_patient=False)))
    # 4.1 has no finding graded only because its LVEF is doubted: never "normal"
    assert _measured_signal(response) == ["5.1"]
    assert response.results[0].study_instance_uid == "5.1"
    reports = engine.search(SearchRequest(q="normal heart", mode=Mode.REPORTS,
                                          page=Page(limit=50, per_patient=False)))
    assert _measured_signal(reports) == []  # the reports mode does not look at images


def test_a_prior_infarct_is_a_wall_measured_still_while_the_rest_contracts(
        engine: SearchEngine) -> None:
    response = engine.search(SearchRequest(q="prior myocardial infarction", mode=Mode.IMAGES,
                                           page=Page(limit=50, per_patient=False)))
    # 6.1's wall is 35 % hypokinetic; 1.2 contracts poorly too but evenly, as far as measured
    assert _measured_signal(response) == ["6.1"]
    assert response.results[0].study_instance_uid == "6.1"


def test_a_finding_only_the_measurements_grade_is_read_from_report_wording(
        engine: SearchEngine) -> None:
    for query in ("regional hypokinesis", "inferior wall is hypokinetic"):
        response = engine.search(SearchRequest(q=query, mode=Mode.IMAGES,
                                               page=Page(limit=50, per_patient=False)))
        assert _measured_signal(response) == ["6.1"]  # by its measured grade, tier by tier
        assert response.results[0].study_instance_uid == "6.1"


def test_a_ruled_out_diagnosis_excludes_report_less_studies_that_measure_it(
        engine: SearchEngine) -> None:
    """"not DCM" excluded nothing among studies without a report, and brought the DCM
    hearts first (the text steers the images towards what it names)."""
    page = Page(limit=50, per_patient=False)
    both = {r.study_instance_uid
            for r in engine.search(SearchRequest(q="heart, not DCM", page=page)).results}
    assert "6.1" not in both  # no report; measures a dilated, poorly contracting LV
    assert {"5.1", "1.2"} <= both  # 5.1 measures normal; 1.2's report decides (no diagnosis)
    images = {r.study_instance_uid for r in engine.search(
        SearchRequest(q="heart, not DCM", mode=Mode.IMAGES, page=page)).results}
    assert "6.1" not in images and "1.2" not in images and "5.1" in images
    assert "4.1" in images  # its low LVEF is QC-flagged: it is not known to meet DCM
    counted = engine.facets(SearchFilters(), q="heart, not DCM", mode=Mode.IMAGES)
    assert counted.total == len(images)


def test_the_image_findings_filter_is_what_the_index_decided(engine: SearchEngine) -> None:
    """The filter read the model's probability while the facet counted the decided
    findings: 9 counted, 0 returned, for regional wall motion (which no model scores)."""
    page = Page(limit=50, per_patient=False)
    filters = SearchFilters(image_findings=["lge"])
    found = {r.study_instance_uid for r in engine.search(
        SearchRequest(q="heart", mode=Mode.IMAGES, filters=filters, page=page)).results}
    counted = engine.facets(SearchFilters(), mode=Mode.IMAGES).facets["image_findings"]["lge"]
    assert found == {"1.1", "1.2", "5.1"} and counted == len(found)
    lower = SearchFilters(image_findings=["lge"], image_score_min=0.05)  # the model's say
    found = {r.study_instance_uid for r in engine.search(
        SearchRequest(q="heart", mode=Mode.IMAGES, filters=lower, page=page)).results}
    assert found == {c.uid for c in CASES if c.uid != "6.1"}


def test_reports_mode_facets_count_the_studies_with_a_report(engine: SearchEngine) -> None:
    counted = engine.facets(SearchFilters(), mode=Mode.REPORTS)
    assert counted.total == sum(c.report is not None for c in CASES)


def test_a_unitless_wall_thickness_in_cm_and_a_number_in_words_are_searched(
        engine: SearchEngine) -> None:
    """"max wall thickness >= 0.95" searched 0.95 mm (every measured wall passed);
    "LVEF under thirty-five" searched the words and no range."""
    for query, expected, read in (
            ("max wall thickness >= 0.95", {"1.2"}, "0.95 read as cm: 9.5 mm"),
            ("LVEF under thirty-five", {"1.2", "6.1"}, "LVEF < 35 %")):
        response = engine.search(SearchRequest(q=query, mode=Mode.IMAGES,
                                               page=Page(limit=50, per_patient=False)))
        assert {r.study_instance_uid for r in response.results} == expected, query
        assert response.interpretation is not None
        assert read in response.interpretation.measurements[0]


def test_a_range_no_heart_meets_says_so_beside_its_empty_list(engine: SearchEngine) -> None:
    """"wall thickness over 15 cm" returned nothing, and nothing said why."""
    response = engine.search(SearchRequest(q="wall thickness over 15 cm", mode=Mode.IMAGES,
                                           page=Page(limit=50, per_patient=False)))
    assert response.results == [] and response.interpretation is not None
    assert response.interpretation.not_read == [
        "'wall thickness over 15 cm': max wall thickness > 150 mm is outside the physiological "
        "range of max wall thickness (3-60 mm); no study can match"]
