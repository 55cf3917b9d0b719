"""The study page's measurements: reference ranges by sex, flags, QC, the volume curves."""

from __future__ import annotations

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
    assert "doubted: ef out of range" in flagged.text
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
