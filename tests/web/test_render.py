"""Query highlighting marks words in the text, never inside an HTML entity."""

from __future__ import annotations

from web.render import highlight


def test_marks_land_outside_entities() -> None:
    out = str(highlight("a < b & LGE <lt> gt", ["lt", "gt", "lge"]))
    assert "&<mark>" not in out and "<mark>lt</mark>;" not in out
    assert out == "a &lt; b &amp; <mark>LGE</mark> &lt;<mark>lt</mark>&gt; <mark>gt</mark>"


def test_text_without_terms_is_only_escaped() -> None:
    assert str(highlight("<b>", [])) == "&lt;b&gt;"


def test_a_finding_the_studys_views_cannot_show_says_which_view_is_missing() -> None:
    from web.render import not_seen

    assert not_seen("lge", ["sax_cine"]) == "no LGE images"
    assert not_seen("aortic_dilation", ["sax_cine", "4ch_cine"]) == "no 3-chamber or LVOT cine"
    assert not_seen("lge", ["lge_sax", "4ch_cine"]) == "no short-axis cine"
    assert not_seen("rv_dilation", ["4ch_cine"]) == "no short-axis cine"
    assert not_seen("rv_dilation", ["sax_cine"]) is None
    assert not_seen("pericardial_effusion", []) is None  # not modelled: no view helps


def test_a_short_study_uid_is_shown_whole() -> None:
    """"…c-patient006" saved two characters of "acdc-patient006" and hid its first word."""
    from web.render import short_uid

    assert short_uid("acdc-patient006") == "acdc-patient006"
    dicom = "1.2.826.0.1.3680043.8.498.10293847561029384756"
    assert short_uid(dicom) == "…" + dicom[-12:]


def test_an_explanation_line_names_its_finding_as_a_reader_does() -> None:
    """Result cards showed the API's "lv_dilation: measured LVEDVi ..." as a chip."""
    from web.render import finding_line

    assert finding_line("lv_dilation: measured LVEDVi 167.2 ml/m², above 134 (severe)") == \
        "LV dilation: measured LVEDVi 167.2 ml/m², above 134 (severe)"
    assert finding_line("measured LVEF 25 %, asked < 35 %") == "measured LVEF 25 %, asked < 35 %"
    assert finding_line("note: lv_dilation") == "note: lv_dilation"
