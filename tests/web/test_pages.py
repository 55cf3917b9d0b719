"""Server-rendered pages over the fake-encoder index: search, partials, errors, teaching files."""

from __future__ import annotations

import io
import zipfile

from fakes.web import csrf_of
from fastapi.testclient import TestClient


def test_search_page_works_without_javascript(client: TestClient) -> None:
    page = client.get("/", params={"q": "transmural LGE", "all": "1"})
    assert page.status_code == 200
    html = page.text
    assert '<input id="q" name="q" type="search" value="transmural LGE"' in html
    assert html.count('<li class="card"') >= 3
    assert "<mark>Transmural</mark> <mark>LGE</mark>" in html  # the words that matched
    assert 'href="/similar/1.1"' in html and "unlike=" in html  # more / less like this
    assert 'name="vendor" value="siemens"' in html  # facets with counts beside the results
    assert "/static/vendor/htmx-2.0.11.min.js" in html


def test_filter_changes_get_only_the_results_part(client: TestClient) -> None:
    partial = client.get("/", params={"q": "LV", "vendor": "philips"},
                         headers={"HX-Request": "true", "HX-Target": "main"})
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<div class="layout">')
    assert "<html" not in partial.text and "7.1" in partial.text


def test_empty_results_and_bad_queries_have_clear_pages(client: TestClient) -> None:
    empty = client.get("/", params={"q": "LGE", "vendor": "canon"})
    assert empty.status_code == 200 and "No studies match" in empty.text
    # from an audit: a page past the last said "No studies match" of a query that matched;
    # filters without words said "N studies in the archive" of the N matching
    past = client.get("/", params={"q": "LGE", "page": "9", "all": "1"})
    assert "Page 9 is past the last page" in past.text and "No studies match" not in past.text
    only_filters = client.get("/", params={"vendor": "siemens"})
    assert "studies match the filters: type what to look for" in only_filters.text
    bad = client.get("/", params={"q": "LGE", "age_min": "90", "age_max": "10"})
    assert bad.status_code == 400 and "Age from 90 years is above Age to 10 years" in bad.text
    assert client.get("/study/nope").status_code == 404
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "no such page" in missing.text
    assert client.get("/api/v1/nothing").json()["detail"] == "Not Found"


def test_study_compare_similar_and_upload_pages(client: TestClient) -> None:
    study = client.get("/study/1.1")
    assert study.status_code == 200
    assert "Transmural LGE in the LAD territory" in study.text
    assert 'href="/study/1.2"' in study.text  # the same patient's other exam
    assert "no LGE images" not in study.text
    assert "no LGE images" in client.get("/study/6.1").text  # a study without an LGE series
    assert client.get("/compare", params={"a": "1.1", "b": "2.1"}).status_code == 200
    for params, why in (({"a": "1.1", "b": "1.1"}, "a and b are the same study"),
                        ({"a": "1.1", "b": ["2.1", "3.1"]}, "b is given 2 times"),
                        ({"a": "1.1", "b": "2.1", "c": "3.1"}, "unknown parameter &#39;c&#39;")):
        refused = client.get("/compare", params=params)  # type: ignore[arg-type]
        assert refused.status_code == 400 and why in refused.text, params
    similar = client.get("/similar/1.1", params={"view": "lge_sax"})
    assert similar.status_code == 200 and "LGE short axis only" in similar.text
    # only the views it has are offered (6.1 has no LGE: its LGE link was a 400)
    offered = client.get("/similar/6.1", params={"limit": "3", "sort": "date", "all": "1"})
    assert offered.status_code == 200
    assert "view=4ch" in offered.text and "view=lge_sax" not in offered.text
    assert client.get("/upload").status_code == 200
    bad = client.post("/upload", files={"file": ("x.zip", b"not a zip")},
                      data={"csrf_token": csrf_of(client)})
    assert bad.status_code == 400 and "not a zip file" in bad.text


def test_teaching_file_round_trip_without_identifiers(client: TestClient) -> None:
    token = csrf_of(client)
    added = client.post("/teaching/add", data={"study_instance_uid": "1.1", "new_name": "LGE",
                                               "note": "Transmural scar", "tags": "lge, mi",
                                               "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303
    page = client.get(added.headers["location"])
    assert "Transmural scar" in page.text and "mi" in page.text
    listing = client.get("/teaching")
    assert "LGE" in listing.text and "handout (zip)" in listing.text
    export = client.get(added.headers["location"] + "/export.zip")
    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        html = zf.read("lge/handout.html").decode()
    assert "Case 1" in html and "Transmural scar" in html
    assert "1.1" not in html.replace("1.1em", "") and "key-p1" not in html
    assert "Read it before sharing" in html and "No patient identifiers" not in html
    assert client.post("/teaching/add", data={"study_instance_uid": "9.9", "new_name": "x",
                                              "csrf_token": token}).status_code == 400
    assert client.post("/teaching", data={"name": "   ", "csrf_token": token}).status_code == 400


def test_the_page_filters_on_every_measurement_the_api_does(client: TestClient) -> None:
    """The API's measurement ranges (catalog.FILTERABLE) all have inputs on the page."""
    from catalog import FILTERABLE

    html = client.get("/", params={"q": "LV"}).text
    for name in FILTERABLE:
        assert f'name="{name}_min"' in html and f'name="{name}_max"' in html, name
    assert '<details class="facet-more">' in html  # the rarer ones folded away
    chosen = client.get("/", params={"q": "LV", "lv_mass_index_min": "80"}).text
    assert '<details class="facet-more" open>' in chosen and 'value="80"' in chosen
    # as typed: "80.0" in the box was sent as typed, and quoted so by the next refusal
    assert 'value="80.0"' not in chosen


def test_the_page_says_how_it_read_numbers_and_diagnoses(client: TestClient) -> None:
    """Only findings were shown: "LVEF below 35" said nothing of the range it filtered on."""
    html = client.get("/", params={"q": "DCM with LVEF below 35 %, no HCM"}).text
    read_as = html[html.index('class="read-as"'):]
    read_as = read_as[:read_as.index('<label class="sort">')]
    assert '">LVEF &lt; 35 %</span>' in read_as and "QC-flagged ones never pass" in read_as
    assert '<span class="pill yes">DCM</span>' in read_as
    assert '<span class="pill no">no HCM</span>' in read_as
    either = client.get("/", params={"q": "DCM or HCM with or without LGE"}).text
    assert '"pill yes">DCM</span> or <span class="pill yes">HCM' in either
    bare = client.get("/", params={"q": "dilated LV, LVEF 30 %"}).text  # no range: words
    assert "&#39;LVEF 30&#39;: searched as words" in bare and "LVEF below 30" in bare
    assert '"pill maybe">LGE either way</span>' in either


def test_the_page_says_how_it_read_a_grade(client: TestClient) -> None:
    """The page said "severe LV dilation" and left the grades it takes to guess."""
    html = client.get("/", params={"q": "severely dilated LV"}).text
    assert ('<span class="read-as grades small muted">severe LV dilation: severe only; a study '
            "graded mild or moderate by its report, or normal, mild or moderate by its QC-clean "
            "measurements (where it has no report), is left out; a QC-flagged or missing "
            "measurement leaves a study in, ranked by the other signals</span>") in html


def test_a_result_card_shows_the_heart_in_numbers_and_why_it_matched(
        client: TestClient) -> None:
    """Cards of studies without a report read "undated · ? y · Unknown" and nothing else; the
    measured line ("measured LVEF 25 %, asked < 35 %") was in the JSON only."""
    html = client.get("/", params={"q": "LVEF below 35 %", "all": "1"}).text
    card = html[html.index('data-href="/study/1.2"'):]
    card = card[:card.index("</li>")]
    assert "LVEF 25 %" in card and "LVEDVi 130 ml/m²" in card and "LV mass 180 g" in card
    assert '<span class="sig ok">measured LVEF 25 %, asked &lt; 35 %</span>' in card
    flagged = client.get("/", params={"q": "LV dysfunction", "all": "1"}).text
    card = flagged[flagged.index('data-href="/study/4.1"'):]
    card = card[:card.index("</li>")]
    assert 'class="uncertain" title="QC-flagged: uncertain' in card and "LVEF 30 %?" in card
    # the study page's strip of similar cases too: six "undated · ? y Unknown · No report"
    strip = client.get("/study/5.1").text
    strip = strip[strip.index('<ol class="mini">'):]
    strip = strip[:strip.index("</ol>")]
    assert 'class="numbers small"' in strip and "LVEF" in strip


def test_a_share_names_an_account_and_a_failed_add_makes_no_collection(
        client: TestClient) -> None:
    """A grant to a name no account had was listed and took effect for whoever took the name
    later; "BOB" was not bob; a refused add had made its new collection already."""
    from accounts import Role

    client.app.state.users.add("bob", Role.VIEWER)  # type: ignore[attr-defined]
    token = csrf_of(client)
    added = client.post("/teaching/add", data={"study_instance_uid": "1.1", "new_name": "Mine",
                                               "csrf_token": token}, follow_redirects=False)
    where = added.headers["location"]
    for grantee, why in (("nosuchuser", "no account named &#39;nosuchuser&#39;"),
                         ("", "share with: a user name")):
        refused = client.post(f"{where}/share", data={"grantee": grantee, "access": "read",
                                                      "csrf_token": token})
        assert refused.status_code == 400 and why in refused.text, grantee
    shared = client.post(f"{where}/share", data={"grantee": "BOB", "access": "read",
                                                 "csrf_token": token}, follow_redirects=False)
    assert shared.status_code == 303 and "bob may read" in client.get(where).text
    orphan = client.post("/teaching/add", data={"study_instance_uid": "1.1",
                                                "new_name": "Orphan", "note": "n" * 5000,
                                                "csrf_token": token})
    assert orphan.status_code == 400 and "Orphan" not in client.get("/teaching").text


def test_a_refused_filter_keeps_the_form_and_says_it_in_the_forms_words(
        client: TestClient) -> None:
    """"Cannot search: filter lvef_min (90.0) is after lvef_max (10.0)", the LVEF boxes
    emptied: the user's values stay, the message speaks the form's labels; the API's names
    its parameters still."""
    page = client.get("/", params={"q": "heart", "lvef_min": "90", "lvef_max": "10",
                                   "sex": "F", "age_min": "40"})
    assert page.status_code == 400
    notice = page.text[page.text.index('class="notice error"'):]
    notice = notice[:notice.index("</div>")]
    assert "LVEF from 90 % is above LVEF to 10 %" in notice and "lvef_" not in notice
    for field, value in (("lvef_min", "90"), ("lvef_max", "10"), ("age_min", "40")):
        assert f'name="{field}" min="0"' in page.text
        box = page.text[page.text.index(f'id="f-{field}"'):]
        assert f'value="{value}"' in box[:box.index(">")], field
    partial = client.get("/", params={"q": "heart", "lvef_min": "90", "lvef_max": "10"},
                         headers={"HX-Request": "true", "HX-Target": "main"})
    assert "Cannot search: LVEF from 90 % is above LVEF to 10 %" in partial.text
    api = client.get("/api/v1/search", params={"q": "heart", "lvef_min": "90",
                                                "lvef_max": "10"})
    assert api.status_code == 400 and "lvef_min (90.0) is after lvef_max" in api.json()["detail"]


def test_the_similar_page_says_its_filters_and_every_link_keeps_them(
        client: TestClient) -> None:
    """/similar/...?lvef_min=50 filtered without a word of it; "whole study" dropped the
    filter that "less like this" kept."""
    import re
    from html import unescape

    page = client.get("/similar/5.1", params={"lvef_max": "40", "all": "1",
                                              "unlike": "4.1"}).text
    assert re.search(r"Filtered: <span class=\"pill\">LVEF up to 40 %</span>", page)
    links = [unescape(h) for h in re.findall(r'href="(/similar/[^"]*)"', page)]
    clear = unescape(re.search(r'id="clear-filters" href="([^"]*)"', page).group(1))
    assert clear == "/similar/5.1?all=1&unlike=4.1"
    kept = [h for h in links if h != clear]  # "reset" (less like) too
    assert len(kept) > 3 and all("lvef_max=40" in h for h in kept), links
    for what in ("whole study", "SAX mid", "More like this", "Less like this"):
        assert re.search(rf'href="/similar/[^"]*lvef_max=40[^"]*"[^>]*>{what}<', page), what
    # unfiltered, nothing is said
    assert "Filtered:" not in client.get("/similar/5.1").text
