"""The study page's measurements: reference ranges by sex, flags, QC, the volume curves."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from web.measurements import card_values, curve_points, measurement_rows, whole


def test_each_value_gets_its_range_for_the_sex_and_a_flag() -> None:
    rows = measurement_rows({"sex": "M", "measurements": {"lvef_pct": 28.0, "lv_mass_g": 120.0},
                             "measurement_flags": {"lv_mass_g": ["mass_out_of_range"]}})
    by_label = {r.label: r for r in rows}
    assert by_label["LVEF"].flag == "low" and by_label["LVEF"].reference == "52.2–71.8"
    assert by_label["LV mass"].flag == "normal"
    assert by_label["LV mass"].qc == "mass out of range"
    unknown = measurement_rows({"sex": "unknown", "measurements": {"lvef_pct": 55.0}})
    assert unknown[0].reference == "52.2–74.8"  # either sex: the union of both ranges


def test_curves_share_one_volume_axis() -> None:
    points = curve_points({"lv_ml": [150.0, 60.0], "rv_ml": [160.0, 80.0]})
    assert points["lv_ml"].startswith("0.0,") and points["top_ml"] == "176"
    assert curve_points({"lv_ml": [150.0], "rv_ml": []}) == {}
    assert curve_points(None) == {}
    # ED and ES marked where they were measured: ED at phase 22 read "ED to ES and on"
    marked = curve_points({"lv_ml": [90.0, 60.0, 120.0], "rv_ml": [], "ed": 2, "es": 1})
    assert (marked["ed_x"], marked["es_x"]) == ("320.0", "160.0")
    assert "ed_x" not in curve_points({"lv_ml": [90.0, 60.0], "rv_ml": [], "ed": 5})


def test_the_study_page_shows_the_table(client: TestClient) -> None:
    page = client.get("/study/1.2")
    assert page.status_code == 200
    assert '<text x="320.0" y="-2" font-size="10" text-anchor="middle">ED</text>' in page.text
    assert '<text x="160.0" y="-2" font-size="10" text-anchor="middle">ES</text>' in page.text
    assert "Measurements" in page.text and "Kawel-Boehm" in page.text
    assert "25 %" in page.text
    flagged = client.get("/study/4.1")
    assert "doubted: EF out of range" in flagged.text
    assert "Not measured." in client.get("/study/2.1").text


def test_a_card_rounds_halves_up_as_the_badge_beside_it_reads() -> None:
    """LVEF 18.5 showed as "LVEF 18 %" (Python rounds a half to even) beside the badge
    "measured LVEF 18.5 %"."""
    shown = {v.label: v.value for v in card_values(
        {"lvef_pct": 18.5, "lvedv_ml": 212.5, "rvef_pct": 39.8, "lv_mass_g": 100.4}, [])}
    assert shown == {"LVEF": "19 %", "LVEDV": "213 ml", "RVEF": "40 %", "LV mass": "100 g"}
    assert [whole(x) for x in (0.5, 2.5, 18.49, -8.5, 176.00000000000003)] == [
        "1", "3", "18", "-9", "176"]
    assert curve_points({"lv_ml": [150.0, 60.0], "rv_ml": [147.5, 80.0]})["top_ml"] == "165"


def _impossible_client(tmp_path: Path) -> TestClient:
    """The fake index and a study whose RVEF is one no heart has (ACDC patient083 read
    -8.4 %: its RV drawn larger at end-systole), QC-flagged as the indexer flags it."""
    from fakes.encoder import FakeEncoder
    from fakes.index import CASES, Case, build

    from cmr_search.settings import Settings
    from search import SearchEngine
    from vectorstore import MemoryStore
    from web.app import create_app

    odd = Case("8.1", "p8", "2020-02-02", None, age=30, measured={
        "lvef_pct": 44.5, "rvef_pct": -8.4, "rvedv_ml": 74.9}, flagged=("rvef_pct",))
    engine = SearchEngine(build(MemoryStore(), [*CASES, odd]), FakeEncoder())
    return TestClient(create_app(Settings(data_dir=tmp_path), engine=engine, open_access=True))


def test_a_value_no_heart_has_is_not_measurable_on_the_page_and_null_in_the_api(
        tmp_path: Path) -> None:
    """"RVEF -8.4 %", flagged "low" with a doubt beside it, read as a severe finding: the page
    says "not measurable" and why. The API gave -8.4 as a number beside a flag a client may
    not read: null, with the flag and QC's reasons (`search.results.given_measurements`)."""
    client = _impossible_client(tmp_path)
    page = client.get("/study/8.1").text
    table = page[page.index('<table class="findings measurements">'):]
    table = table[:table.index("</table>")]
    assert "-8.4" not in table and "not measurable" in table
    assert "why: EF out of range" in table and "44.5 %" in table  # the possible ones stay
    detail = client.get("/api/v1/studies/8.1").json()["payload"]
    assert detail["measurements"]["rvef_pct"] is None
    assert detail["measurements"]["lvef_pct"] == 44.5
    assert detail["measurement_flags"]["rvef_pct"] == ["ef_out_of_range"]
    assert "rvef_pct" in detail["flagged_measurements"]
    # never let through by a filter that its number would pass
    found = client.get("/api/v1/search", params={"q": "RV", "rvef_max": "40",
                                                  "per_patient": "false"}).json()
    assert "8.1" not in [r["study_instance_uid"] for r in found["results"]]
    listed = client.get("/api/v1/search", params={"q": "RV", "per_patient": "false",
                                                   "limit": "100"}).json()["results"]
    (odd,) = [r for r in listed if r["study_instance_uid"] == "8.1"]
    assert odd["measurements"]["rvef_pct"] is None and "rvef_pct" in odd["flagged_measurements"]
    card = client.get("/", params={"q": "RV dysfunction", "all": "1"}).text
    assert "RVEF not measurable" in card and "RVEF -8" not in card


def test_impossible_rows_and_card_values_carry_no_number_and_no_grade() -> None:
    rows = {r.label: r for r in measurement_rows({"sex": "F", "measurements": {
        "rvef_pct": -8.4, "lvef_pct": 104.0, "lv_mass_g": -3.0, "max_wall_thickness_mm": 9.0},
        "measurement_flags": {"rvef_pct": ["rv_ed_es_unclear", "ef_out_of_range"]}})}
    assert (rows["RVEF"].value, rows["RVEF"].flag, rows["RVEF"].measurable) == (
        "not measurable", "", False)
    assert rows["RVEF"].qc == "RV ED ES unclear, EF out of range"
    assert rows["LVEF"].value == "not measurable" and rows["LV mass"].value == "not measurable"
    assert rows["LV mass"].qc == "no heart has this value"  # unflagged: still said why
    assert rows["max wall thickness"].value == "9" and rows["max wall thickness"].measurable
    shown = {v.label: (v.value, v.measurable) for v in card_values(
        {"lvef_pct": 44.5, "rvef_pct": -8.4}, ["rvef_pct"])}
    assert shown == {"LVEF": ("45 %", True), "RVEF": ("not measurable", False)}


def test_a_null_value_is_measured_and_not_measurable_on_a_row_and_a_card() -> None:
    """What a search gives out for a value no heart has (`given_measurements`): null. A row
    or a card that dropped it would say nothing was measured."""
    rows = {r.label: r for r in measurement_rows({"sex": "M", "measurements": {
        "rvef_pct": None, "lvef_pct": 50.0}, "measurement_flags": {"rvef_pct": ["no_rv"]}})}
    assert (rows["RVEF"].value, rows["RVEF"].measurable, rows["RVEF"].qc) == (
        "not measurable", False, "no RV")
    shown = {v.label: (v.value, v.measurable) for v in card_values(
        {"lvef_pct": 50.0, "rvef_pct": None}, ["rvef_pct"])}
    assert shown["RVEF"] == ("not measurable", False)


def test_qc_flags_write_the_chambers_as_a_report_does() -> None:
    """The QC pills read "lv not closed"."""
    from cmr_search.qc import qc_words

    assert qc_words("lv_not_closed") == "LV not closed"
    assert qc_words("rv_ed_es_unclear") == "RV ED ES unclear"
    assert qc_words("no_lge_myocardium") == "no LGE myocardium"
    assert qc_words("slice_disagreement") == "slice disagreement"


def test_a_finding_graded_by_a_value_the_study_lacks_is_not_measurable_there(
        client: TestClient) -> None:
    """8 of 50 ACDC studies read "Regional wall motion abnormality: not modelled": their
    hypokinetic wall share could not be measured (no wall contracts). It is modelled."""
    from web.measurements import unmeasured

    def row(page: str, name: str) -> str:
        found = page[page.index(f'<th scope="row">{name}</th>'):]
        return found[:found.index("</tr>")]

    rwma = row(client.get("/study/1.2").text, "Regional wall motion abnormality")
    assert "not measurable for this study" in rwma and "not modelled" not in rwma
    assert "hypokinetic LV wall: regional motion cannot be told" in rwma
    unmeasured_page = client.get("/study/2.1").text  # never measured
    assert "not measured for this study" in row(unmeasured_page,
                                                "Regional wall motion abnormality")
    assert "not modelled" in row(unmeasured_page, "Pericardial effusion")  # it is not
    flagged = {"measurement_status": "measured", "measurements": {"lvef_pct": 50.0,
               "lv_hypokinetic_wall_pct": None},
               "measurement_flags": {"lv_hypokinetic_wall_pct": ["es_not_smallest"]}}
    assert unmeasured("regional_wall_motion_abnormality", flagged) == (
        "not measurable for this study", "hypokinetic LV wall: ES not smallest")
    graded = {**flagged, "measurements": {"lv_hypokinetic_wall_pct": 12.0}}
    assert unmeasured("regional_wall_motion_abnormality", graded) is None
    assert unmeasured("pericardial_effusion", flagged) is None


def test_the_measurements_stand_under_the_cine_not_in_the_report_column(
        client: TestClient) -> None:
    """In the report's column the table's values wrapped ("272.9 / ml") and its QC pills took
    three lines, while the half below the cine stood empty."""
    page = client.get("/study/1.2").text
    report = page[page.index('<section class="report"'):]
    report = report[:report.index("</section>")]
    assert 'id="measurements"' not in report
    measured = page[page.index('<section class="measured"'):]
    assert measured.index('id="measurements"') < measured.index("</section>")
    assert measured.index('<table class="findings measurements">') < measured.index(
        "</section>")
    css = (Path(__file__).resolve().parents[2] / "web" / "static" / "app.css").read_text()
    assert '"views report" "measured report"' in css and "grid-area: measured" in css


def test_an_older_index_finding_evidence_shows_its_qc_flags_as_the_page_does(
        tmp_path: Path) -> None:
    """The indexer stored "RVEF not measurable (ef out of range)" while the page said "EF out
    of range" beside it: an index built before says it as a new one does."""
    from fakes.encoder import FakeEncoder
    from fakes.index import CASES, build

    from catalog import STUDY, point_id
    from cmr_search.settings import Settings
    from search import SearchEngine
    from vectorstore import MemoryStore, StorePoint
    from web.app import create_app

    store = build(MemoryStore(), CASES)
    (hit,) = store.retrieve([point_id("1.2")], vectors=(STUDY,))
    old = "model probability 0.20; RVEF not measurable (rv ed es unclear, ef out of range)"
    payload = {**hit.payload, "finding_evidence": {"rv_systolic_dysfunction": old}}
    store.upsert([StorePoint(hit.id, hit.vectors, {}, payload)])
    client = TestClient(create_app(Settings(data_dir=tmp_path), open_access=True,
                                   engine=SearchEngine(store, FakeEncoder())))
    page = client.get("/study/1.2").text
    assert "RVEF not measurable (RV ED ES unclear, EF out of range)" in page
    assert "ef out of range" not in page
