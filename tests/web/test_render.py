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
