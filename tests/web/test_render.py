"""Query highlighting marks words in the text, never inside an HTML entity."""

from __future__ import annotations

from web.render import highlight


def test_marks_land_outside_entities() -> None:
    out = str(highlight("a < b & LGE <lt> gt", ["lt", "gt", "lge"]))
    assert "&<mark>" not in out and "<mark>lt</mark>;" not in out
    assert out == "a &lt; b &amp; <mark>LGE</mark> &lt;<mark>lt</mark>&gt; <mark>gt</mark>"


def test_text_without_terms_is_only_escaped() -> None:
    assert str(highlight("<b>", [])) == "&lt;b&gt;"
