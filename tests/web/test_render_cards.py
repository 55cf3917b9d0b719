"""A result card's measured lines: green only where they bear the hit out."""

from __future__ import annotations

from pathlib import Path

from fakes.studies import engine_of, study
from fastapi.testclient import TestClient

from cmr_search.settings import Settings
from web.app import create_app
from web.render import backs_the_hit

NORMAL_RV = "measured RVEDVi 82.4 ml/m², not above 118.4"
DILATED_RV = "measured RVEDVi 145.6 ml/m², above 133 (moderate)"


def test_only_evidence_that_bears_the_hit_out_is_a_match() -> None:
    """ACDC patient085 (RVEDVi 82.4) came fourth for "RV dilation" with its "not above 118.4"
    in the matches' green, as if it showed the dilation asked for."""
    assert backs_the_hit(f"rv_dilation: {DILATED_RV}", ["rv_dilation (images)"])
    assert not backs_the_hit(f"rv_dilation: {NORMAL_RV}", [])
    assert not backs_the_hit(f"rv_dilation: {NORMAL_RV}", ["rv_dilation (report)"])
    assert backs_the_hit("measured LVEF 25 %, asked < 35 %", [])  # the filter kept the hit
    assert backs_the_hit("note: something", [])


def test_a_card_shows_evidence_against_the_query_unmarked(tmp_path: Path) -> None:
    dilated = study("1.1", values={"rvedvi_ml_per_m2": 145.6},
                    severity={"rv_dilation": "moderate"}, source={"rv_dilation": "measurements"})
    dilated["finding_evidence"] = {"rv_dilation": DILATED_RV}
    normal = study("2.1", values={"rvedvi_ml_per_m2": 82.4},
                   source={"rv_dilation": "measurements"})
    normal["finding_evidence"] = {"rv_dilation": NORMAL_RV}
    app = create_app(Settings(data_dir=tmp_path),
                     engine=engine_of([dilated, normal], "memory", tmp_path), open_access=True)
    html = TestClient(app).get("/", params={"q": "RV dilation", "all": "1"}).text

    def card(uid: str) -> str:
        part = html[html.index(f'data-href="/study/{uid}"'):]
        return part[:part.index("</li>")]

    assert f'<span class="sig ok">RV dilation: {DILATED_RV}</span>' in card("1.1")
    assert f'<span class="sig">RV dilation: {NORMAL_RV}</span>' in card("2.1")


def test_an_undated_study_page_names_its_study(tmp_path: Path) -> None:
    """Every ACDC patient's page was headed "undated · ? y · Unknown", which one unsaid."""
    app = create_app(Settings(data_dir=tmp_path),
                     engine=engine_of([study("acdc-patient008"), study("2.1")], "memory",
                                      tmp_path), open_access=True)
    html = TestClient(app).get("/study/acdc-patient008").text
    heading = html[html.index("<h1>"):html.index("</h1>")]
    assert "undated" in heading and "acdc-patient008" in heading


def test_every_signal_has_a_reader_s_name() -> None:
    """The similar page's chips read "similar images #3 · Measures #1": one signal unnamed."""
    from search.models import Signal
    from web.render import label

    for signal in Signal:
        assert label(signal.value)[0].islower(), signal
