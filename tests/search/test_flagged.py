"""The studies a QC-flagged value left out (`search.flagged`), over the fake index with a few
studies added: flagged on two measurements at once, and an "or" whose side the form rules
out."""

from __future__ import annotations

from fakes.encoder import FakeEncoder
from fakes.index import CASES, Case, build

from search import Mode, Page, SearchEngine, SearchFilters, SearchRequest, SearchResponse
from search.models import NoticeKind
from vectorstore import MemoryStore


def _engine(*extra: Case) -> SearchEngine:
    return SearchEngine(build(MemoryStore(), [*CASES, *extra]), FakeEncoder())


def _flagged(engine: SearchEngine, q: str, **filters: float) -> list[tuple[int | None, str]]:
    response: SearchResponse = engine.search(SearchRequest(
        q=q, mode=Mode.IMAGES, filters=SearchFilters(**filters),
        page=Page(limit=50, per_patient=False)))
    return [(n.count, n.text) for n in response.notices if n.kind is NoticeKind.QC_FLAGGED]


def test_a_study_flagged_on_two_bounded_measurements_is_counted() -> None:
    """Each measurement's count asked every other bounded value clean: a study flagged on
    both LVEF and LVEDVi fell into no notice (4 ACDC patients for this query)."""
    both = Case("8.1", "p8", "2022-01-01", None, measured={"lvef_pct": 30.0,
                "lvedvi_ml_per_m2": 130.0}, flagged=("lvef_pct", "lvedvi_ml_per_m2"))
    engine = _engine(both)
    [(count, text)] = _flagged(engine, "LVEF below 35 % and LVEDVi above 100")
    assert count == 1
    assert text == ("1 more study has QC-flagged values of both LVEF and LVEDVi in these "
                    "ranges (LVEF < 35 % and LVEDVi > 100 ml/m²): not shown, as its values "
                    "are uncertain")
    # a range of the form is a bounded measurement too; one outside its range counts none
    assert [c for c, _ in _flagged(engine, "LVEF below 35 %", lv_edv_index_min=100.0)] == [1]
    assert not _flagged(engine, "LVEF below 35 % and LVEDVi above 140")
    # flagged on one of the two: its measurement's own notice, not this one as well
    one = Case("8.1", "p8", "2022-01-01", None, measured={"lvef_pct": 30.0,
               "lvedvi_ml_per_m2": 130.0}, flagged=("lvef_pct",))
    [(count, text)] = _flagged(_engine(one), "LVEF below 35 % and LVEDVi above 100")
    assert count == 1 and text.startswith("1 more study has a QC-flagged LVEF in this range")


def test_the_form_range_of_an_or_side_it_rules_out_still_holds() -> None:
    """"LVEF below 35 or LVEDVi above 100" with the form's LVEF from 50: the form drops the
    LVEF side, and its range was dropped with it, so a study of LVEF 30 % (clean) and a
    flagged LVEDVi was said left out for the flag (0 results, "1 more study has ...")."""
    clean_ef = Case("8.2", "p8", "2022-01-01", None, measured={"lvef_pct": 30.0,
                    "lvedvi_ml_per_m2": 130.0}, flagged=("lvedvi_ml_per_m2",))
    assert not _flagged(_engine(clean_ef), "LVEF below 35 or LVEDVi above 100", lvef_min=50.0)
    # its LVEF within the form's range: left out by the flag alone, the one range left named
    kept_ef = Case("8.2", "p8", "2022-01-01", None, measured={"lvef_pct": 55.0,
                   "lvedvi_ml_per_m2": 130.0}, flagged=("lvedvi_ml_per_m2",))
    assert _flagged(_engine(kept_ef), "LVEF below 35 or LVEDVi above 100", lvef_min=50.0) == [
        (1, "1 more study has a QC-flagged LVEDVi in this range (LVEDVi > 100 ml/m²): not "
            "shown, as its value is uncertain")]
