"""The handout export from a live audit: built in memory (1,000 cases: 1.2 GB), unbounded in
cases, "(no report)" for a report a viewer may not read, and a HEAD that built and recorded an
export nobody received."""

from __future__ import annotations

import io
import os
import tempfile
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fakes.web import Secured

from accounts import Role
from catalog import PayloadField as F
from db import Case, teaching
from web.teaching import write_handout


def test_the_handout_is_written_case_by_case(tmp_path: Path) -> None:
    """Memory stays at about one case's size, not the handout's."""
    (tmp_path / "sax.webp").write_bytes(os.urandom(300_000))  # incompressible, like a cine
    cases: list[tuple[Case, dict[str, Any]]] = [
        (Case(i, f"1.{i}", f"note {i}", ["lge"], "2026-01-01"),
         {F.PREVIEWS: {"sax": "sax.webp"}, F.AGE: 50}) for i in range(1, 31)]
    with tempfile.TemporaryFile() as file:
        tracemalloc.start()
        try:
            write_handout(file, "Scars", cases, tmp_path, "body{}")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        size = file.seek(0, 2)
        with zipfile.ZipFile(file) as zf:
            page = zf.read("scars/handout.html")
            assert zf.getinfo("scars/handout.html").file_size == len(page) > 12_000_000
    assert page.count(b'<section class="case">') == 30 and page.endswith(b"</body></html>")
    assert size > 9_000_000 and peak < 5_000_000, (size, peak)


def test_the_export_is_streamed_from_a_file_and_a_file_holds_at_most_max_cases(
        secured: Secured, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(teaching, "MAX_CASES", 2)
    client, curator = secured.client, secured.auth(Role.CURATOR)
    for uid in ("1.1", "2.1"):
        added = client.post("/teaching/add", headers=curator, follow_redirects=False,
                            data={"study_instance_uid": uid, "new_name": "Scars"})
        assert added.status_code == 303
    more = client.post("/teaching/add", headers=curator,
                       data={"study_instance_uid": "3.1", "collection_id": "1"})
    assert more.status_code == 400 and "holds 2 cases, the most one may" in more.text
    with client.stream("GET", "/teaching/1/export.zip", headers=curator) as export:
        assert export.headers["content-type"] == "application/zip"
        assert "teaching-file-1.zip" in export.headers["content-disposition"]
        body = b"".join(export.iter_bytes())
    assert int(export.headers["content-length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert zf.read("scars/handout.html").count(b"<h2>Case") == 2


def test_a_viewers_handout_says_the_report_is_not_shown_not_that_there_is_none(
        secured: Secured) -> None:
    files = secured.app.state.teaching
    scars = files.create("curator", "Scars")
    files.add(scars, "curator", "1.1", "", "")  # a study with a report
    files.share(scars, "curator", "viewer", "read")
    export = secured.client.get(f"/teaching/{scars}/export.zip",
                                headers=secured.auth(Role.VIEWER))
    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        page = zf.read("scars/handout.html").decode()
    assert "(report not shown to your role)" in page and "(no report)" not in page
    assert "Transmural" not in page


def test_a_head_builds_no_handout_and_records_no_export(
        secured: Secured, monkeypatch: pytest.MonkeyPatch) -> None:
    """A HEAD built the whole zip and recorded an export, though nothing was sent."""
    files = secured.app.state.teaching
    scars = files.create("curator", "Scars")
    files.add(scars, "curator", "1.1", "", "")

    def built(*args: object, **kwargs: object) -> None:
        raise AssertionError("a HEAD built the handout")

    monkeypatch.setattr("web.teaching_export.handout_file", built)
    head = secured.client.head(f"/teaching/{scars}/export.zip",
                               headers=secured.auth(Role.CURATOR))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "application/zip"
    assert secured.app.state.audit.entries(event_id="110106") == []


def test_a_handout_shows_each_cine_still_and_plays_it_only_when_opened(tmp_path: Path) -> None:
    """The handout has no script: a cine that looped for ever (WCAG 2.2.2) is its first frame,
    and plays inside a `<details>` its reader opens and closes; a still view shows as it is."""
    for name in ("sax.webp", "sax.png", "4ch.webp", "lge.webp", "lge.png"):
        (tmp_path / name).write_bytes(name.encode())
    # the LGE preview is a WebP, of two frames for two images a position: its poster shows
    previews = {"sax": "sax.webp", "sax_poster": "sax.png", "4ch": "4ch.webp",
                "lge_sax": "lge.webp", "lge_sax_poster": "lge.png", "2ch": "gone.webp"}
    with tempfile.TemporaryFile() as file:
        write_handout(file, "Still", [(Case(1, "1.1", "", [], "2026-01-01"),
                                       {F.PREVIEWS: previews, F.AGE: 50})], tmp_path, "")
        with zipfile.ZipFile(file) as zf:
            page = zf.read("still/handout.html").decode()
    views = page.split('<div class="views">')[1].split("</div>")[0]
    figures = views.split("</figure>")[:-1]
    assert len(figures) == 3  # the 2-chamber file is gone: no empty figure
    sax, ch4, lge = figures
    # the still first, outside the disclosure; the cine inside it, closed
    assert sax.index("image/png") < sax.index("<details>") < sax.index("image/webp")
    assert "<details open" not in page and "<summary>Play the Short axis cine</summary>" in sax
    assert "<details>" in ch4 and "image/png" not in ch4  # no poster: the cine, closed
    assert "<details>" not in lge and "image/webp" not in lge and lge.count("image/png") == 1
