"""Notices about the whole search over the fake index: nothing read, ranges that exclude each
other, studies a QC flag left out, a ruled-out finding some studies' images cannot show."""

from __future__ import annotations

from fakes.index import CASES

from search import Mode, Page, SearchEngine, SearchFilters, SearchRequest, SearchResponse
from search.models import NoticeKind


def _search(engine: SearchEngine, q: str, mode: Mode = Mode.BOTH,
            **filters: float) -> SearchResponse:
    return engine.search(SearchRequest(q=q, mode=mode, filters=SearchFilters(**filters),
                                       page=Page(limit=50, per_patient=False)))


def _kinds(response: SearchResponse) -> list[NoticeKind]:
    return [n.kind for n in response.notices]


def test_a_query_of_which_nothing_was_read_says_the_words_alone_rank(
        engine: SearchEngine) -> None:
    """"asdkjh qwe zzz" listed every study, ranked, with no chip and no word."""
    response = _search(engine, "asdkjh qwe zzz")
    assert response.total == len(CASES)
    assert _kinds(response) == [NoticeKind.NOTHING_READ]
    text = response.notices[0].text
    assert text.startswith("Nothing in the query was recognised as a finding, diagnosis or "
                           "measurement") and "images and reports" in text
    assert "their images are" in _search(engine, "asdkjh", Mode.IMAGES).notices[0].text
    for read in ("dilated LV", "no LGE", "LVEF below 35 %", "DCM"):
        assert NoticeKind.NOTHING_READ not in _kinds(_search(engine, read)), read


def test_a_query_range_the_form_excludes_names_both(engine: SearchEngine) -> None:
    """"LVEF under 40 %" with the form's LVEF from 50: a bare "No studies match"."""
    response = _search(engine, "LVEF under 40 %", lvef_min=50.0)
    assert response.total == 0
    [notice] = response.notices
    assert notice.kind is NoticeKind.CONFLICTING_RANGES and notice.about == ["lvef_min"]
    assert "query's LVEF < 40 % (from 'LVEF under 40 %')" in notice.text
    assert "the filters' LVEF from 50 %" in notice.text and "cannot both hold" in notice.text
    # overlapping ranges, and an "or" with one side the form allows, are no conflict
    assert NoticeKind.CONFLICTING_RANGES not in _kinds(
        _search(engine, "LVEF under 40 %", lvef_min=20.0))
    either = _search(engine, "LVEF below 35 or above 60", lvef_min=50.0)
    assert NoticeKind.CONFLICTING_RANGES not in _kinds(either)
    assert _kinds(_search(engine, "LVEF below 35 or above 60", lvef_min=50.0, lvef_max=55.0)) \
        == [NoticeKind.CONFLICTING_RANGES]


def test_studies_a_qc_flag_left_out_are_counted(engine: SearchEngine) -> None:
    """4.1 measures LVEF 30 %, QC-flagged: rightly not returned, but not without a word."""
    flagged = {c.uid for c in CASES if c.measured and "lvef_pct" in c.flagged
               and c.measured["lvef_pct"] < 35}
    assert flagged == {"4.1"}
    response = _search(engine, "LVEF below 35 %", Mode.IMAGES)
    assert "4.1" not in {r.study_instance_uid for r in response.results}
    [notice] = response.notices
    assert notice.kind is NoticeKind.QC_FLAGGED and notice.count == 1
    assert notice.text.startswith("1 more study has a QC-flagged LVEF in this range "
                                  "(LVEF < 35 %)")
    # the form's range counts too, and a range the flagged value is outside counts none
    assert _kinds(_search(engine, "LV dilation", Mode.IMAGES, lvef_max=31.0)) == [
        NoticeKind.QC_FLAGGED]
    assert not _search(engine, "LVEF below 25 %", Mode.IMAGES).notices
    # the rest of the query still applies: 4.1's report states LGE, so "no LGE" leaves it out
    assert NoticeKind.QC_FLAGGED not in _kinds(_search(engine, "LVEF below 35 %, no LGE"))


def test_a_ruled_out_finding_the_images_cannot_show_is_said_unchecked(
        engine: SearchEngine) -> None:
    """6.1 has no LGE images and no report: "no LGE" listed it as if free of LGE."""
    unseen = [n for n in _search(engine, "no LGE").notices
              if n.kind is NoticeKind.NOT_ASSESSED]
    assert [n.count for n in unseen] == [1] and unseen[0].about == ["lge"]
    assert unseen[0].text.startswith("1 study found has no LGE images and no report that "
                                     "rules LGE out: 'no LGE' could not be checked for it")
    images = _search(engine, "no LGE", Mode.IMAGES).notices
    assert [n.count for n in images if n.kind is NoticeKind.NOT_ASSESSED] == [1]
    assert not _search(engine, "no LGE", Mode.REPORTS).notices  # the reports decide there
    assert not _search(engine, "LGE").notices  # wanted: its studies are ranked, not vouched


def test_the_qc_count_is_of_the_studies_the_mode_searches() -> None:
    """Reports mode finds no report-less study: "LVEF below 35 %" there counted one whose
    flagged LVEF would never have let it be found by its report."""
    from fakes.encoder import FakeEncoder
    from fakes.index import Case, build

    from vectorstore import MemoryStore

    unreported = Case("8.1", "p8", "2022-02-02", None, measured={"lvef_pct": 28.0},
                      flagged=("lvef_pct",))
    engine = SearchEngine(build(MemoryStore(), [*CASES, unreported]), FakeEncoder())
    counts = {mode: [n.count for n in _search(engine, "LVEF below 35 %", mode).notices
                     if n.kind is NoticeKind.QC_FLAGGED] for mode in Mode}
    assert counts == {Mode.IMAGES: [2], Mode.BOTH: [2], Mode.REPORTS: [1]}  # 4.1 has one


def _flagged_counts(response: SearchResponse) -> list[tuple[int | None, list[str]]]:
    return [(n.count, n.about) for n in response.notices if n.kind is NoticeKind.QC_FLAGGED]


def test_the_qc_count_is_in_patients_where_the_total_is() -> None:
    """One result per patient: "2 studies (one per patient)" beside "4 more studies have a
    QC-flagged LVEF", three of them one patient's and one a patient already shown."""
    from fakes.encoder import FakeEncoder
    from fakes.index import Case, build

    from vectorstore import MemoryStore

    flagged = [Case("9.1", "p9", "2022-01-01", None, measured={"lvef_pct": 28.0},
                    flagged=("lvef_pct",)),
               Case("9.2", "p9", "2023-01-01", None, measured={"lvef_pct": 29.0},
                    flagged=("lvef_pct",)),
               Case("1.3", "p1", "2024-01-01", None, measured={"lvef_pct": 27.0},
                    flagged=("lvef_pct",))]  # p1's 1.2 (LVEF 25 %) is found
    engine = SearchEngine(build(MemoryStore(), [*CASES, *flagged]), FakeEncoder())
    request = SearchRequest(q="LVEF below 35 %", mode=Mode.IMAGES)  # one per patient
    grouped = engine.search(request)
    assert grouped.total == 2  # p1 (1.2) and p6 (6.1)
    [notice] = grouped.notices
    assert notice.count == 2  # p4 (4.1) and p9
    assert notice.text.startswith("2 more patients have a QC-flagged LVEF in this range")
    every = engine.search(request.model_copy(update={"page": Page(per_patient=False)}))
    assert _flagged_counts(every) == [(4, ["lvef_max"])]
    assert every.notices[0].text.startswith("4 more studies have a QC-flagged LVEF")


def test_an_or_of_ranges_counts_the_qc_flagged_studies(engine: SearchEngine) -> None:
    """"LVEF below 35 or above 60" left out 4.1 (LVEF 30 %, flagged) without a word."""
    response = _search(engine, "LVEF below 35 or above 60", Mode.IMAGES)
    assert "4.1" not in {r.study_instance_uid for r in response.results}
    assert _flagged_counts(response) == [(1, ["lvef_max", "lvef_min"])]
    assert response.notices[0].text.startswith(
        "1 more study has a QC-flagged LVEF in one of these ranges (LVEF < 35 % or LVEF > "
        "60 %)")
    # the form's range within one side: only that side's flagged values count
    assert _flagged_counts(_search(engine, "LVEF below 35 or above 60", Mode.IMAGES,
                                   lvef_min=31.0)) == []
    assert _flagged_counts(_search(engine, "LVEF below 25 or above 60", Mode.IMAGES)) == []


def test_a_number_not_read_is_said_once(engine: SearchEngine) -> None:
    """"EF 30": its note ("searched as words; write 'LVEF below 30' ...") and the notice
    that nothing was read said it twice."""
    response = _search(engine, "EF 30")
    assert response.interpretation is not None
    assert len(response.interpretation.not_read) == 1
    assert "searched as words" in response.interpretation.not_read[0]
    assert response.notices == []


SAID = "no study in the index is from vendor 'zzz'; vendors here: ge, philips, siemens"


def test_a_vendor_the_index_lacks_is_a_notice(engine: SearchEngine) -> None:
    """`--filter vendor=zzz` gave 0 results; the note was the web layer's alone (not the
    CLI's), among the query's words not read."""
    response = _search(engine, "LV dilation", vendor=["zzz"])  # type: ignore[arg-type]
    assert response.total == 0
    assert [(n.kind, n.text, n.about) for n in response.notices] == [
        (NoticeKind.UNKNOWN_VENDOR, SAID, ["vendor"])]
    assert response.interpretation is not None and not response.interpretation.not_read
    assert not _search(engine, "LV dilation", vendor=["ge"]).notices  # type: ignore[arg-type]


def test_searches_by_example_give_their_notices(engine: SearchEngine) -> None:
    """"More like this" and an uploaded study's search gave no notice at all: a vendor the
    index lacks, or a flagged value the form's range left out, went unsaid."""
    from catalog import STUDY, point_id
    from search import SimilarRequest

    def similar(**filters: object) -> SearchResponse:
        return engine.similar(SimilarRequest(positive=["5.1"], filters=SearchFilters(
            **filters), page=Page(per_patient=False)))  # type: ignore[arg-type]

    assert [n.kind for n in similar(vendor=["zzz"]).notices] == [NoticeKind.UNKNOWN_VENDOR]
    assert _flagged_counts(similar(lvef_max=31.0)) == [(1, ["lvef_max"])]  # 4.1
    assert not similar(lvef_max=20.0).notices
    [example] = engine.store.retrieve([point_id("5.1")], [STUDY])

    def near(**filters: object) -> SearchResponse:
        return engine.near_vectors(example.vectors, SearchFilters(**filters),  # type: ignore[arg-type]
                                   Page(per_patient=False), study_instance_uid="5.1")

    assert [n.kind for n in near(vendor=["zzz"]).notices] == [NoticeKind.UNKNOWN_VENDOR]
    assert _flagged_counts(near(lvef_max=31.0)) == [(1, ["lvef_max"])]


def test_only_a_number_searched_as_words_stands_for_nothing_read(engine: SearchEngine) -> None:
    """Any note of the query not read hid the notice that nothing was read: a filter word's
    ("'siemens': the words do not choose the vendor") or a tissue word's say nothing of the
    ranking, and "asdkjh siemens" or "female" got no notice at all."""
    for q in ("asdkjh siemens", "female", "reduced T1 values"):
        response = _search(engine, q)
        assert response.interpretation is not None and response.interpretation.not_read, q
        assert _kinds(response) == [NoticeKind.NOTHING_READ], q
    assert not _search(engine, "asdf EF 30").notices  # its note says: searched as words


def test_a_vendor_notice_counts_no_studies(engine: SearchEngine) -> None:
    """The vendor's notice said count 0; a notice that counts nothing has no count (None),
    as the one of nothing read."""
    [notice] = _search(engine, "LV dilation", vendor=["zzz"]).notices  # type: ignore[arg-type]
    assert notice.kind is NoticeKind.UNKNOWN_VENDOR and notice.count is None
    assert notice.model_dump()["count"] is None


def test_a_search_by_example_counts_only_the_studies_it_can_find() -> None:
    """"More like this" by LGE finds no study without LGE images, and in reports mode none
    without a report: both counted them among the studies a QC flag left out (3, not 2 and
    1), and asked of one per patient whether such a study's patient was shown."""
    import dataclasses

    from fakes.encoder import FakeEncoder
    from fakes.index import Case, build

    from catalog import STUDY, point_id
    from search import SimilarRequest
    from vectorstore import MemoryStore

    # 6.1: no LGE images, no report; 9.1: LGE images, no report; 4.1: both; all LVEF flagged
    cases = [dataclasses.replace(c, flagged=("lvef_pct",)) if c.uid == "6.1" else c
             for c in CASES]
    cases.append(Case("9.1", "p9", "2022-01-01", None, measured={"lvef_pct": 28.0},
                      flagged=("lvef_pct",)))
    engine = SearchEngine(build(MemoryStore(), cases), FakeEncoder())

    def counts(mode: Mode = Mode.BOTH, view: str | None = None) -> list[int | None]:
        response = engine.similar(SimilarRequest(
            positive=["1.2"], filters=SearchFilters(lvef_max=35.0), mode=mode, view=view,
            page=Page(per_patient=False)))
        return [n.count for n in response.notices if n.kind is NoticeKind.QC_FLAGGED]

    assert counts() == [3]
    assert counts(view="lge_sax") == [2]  # 4.1 and 9.1
    assert counts(view="sax_mid") == [3]  # every study has a short-axis cine
    assert counts(Mode.REPORTS) == [1]  # 4.1
    [example] = engine.store.retrieve([point_id("1.2")], [STUDY, "view_lge_sax"])
    near = engine.near_vectors(example.vectors, SearchFilters(lvef_max=35.0),
                               Page(per_patient=False), view="lge_sax",
                               study_instance_uid="1.2")
    assert [n.count for n in near.notices] == [2]
