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
