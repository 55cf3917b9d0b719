"""The search page and the API say what a search did that its results do not show
(`search.notices`): nothing read, a vendor the index lacks, the query's range against the
form's, QC-flagged values left out, a ruled-out finding some studies' images cannot show."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient


def _page(client: TestClient, **params: str) -> str:
    page = client.get("/", params=params)
    assert page.status_code == 200
    return html.unescape(page.text)


def test_a_query_of_which_nothing_was_read_says_so_on_the_page_and_in_the_api(
        client: TestClient) -> None:
    notice = "Nothing in the query was recognised as a finding, diagnosis or measurement"
    assert notice in _page(client, q="asdkjh qwe zzz")
    assert notice not in _page(client, q="dilated LV")
    body = client.get("/api/v1/search", params={"q": "asdkjh qwe zzz"}).json()
    assert [n["kind"] for n in body["notices"]] == ["nothing_read"]
    assert body["notices"][0]["text"].startswith(notice)


def test_conflicting_ranges_name_the_query_and_the_form(client: TestClient) -> None:
    text = _page(client, q="LVEF under 40 %", lvef_min="50")
    assert "No studies match" in text
    assert ("The query's LVEF < 40 % (from 'LVEF under 40 %') and the filters' LVEF from "
            "50 % cannot both hold") in text
    assert "Remove a filter, search images and reports together" not in text  # generic
    assert 'href="/?q=LVEF+under+40+%25">Search without the filter' in text
    body = client.get("/api/v1/search", params={"q": "LVEF under 40 %", "lvef_min": "50"})
    assert body.status_code == 200
    [notice] = body.json()["notices"]
    assert notice["kind"] == "conflicting_ranges" and notice["about"] == ["lvef_min"]


def test_qc_flagged_values_left_out_are_counted(client: TestClient) -> None:
    counted = ("1 more study has a QC-flagged LVEF in this range (LVEF < 35 %): not shown, "
               "as its value is uncertain")
    assert counted in _page(client, q="LVEF below 35 %", mode="images", all="1")
    # one result per patient: counted in patients, as the total is
    assert counted.replace("study", "patient") in _page(client, q="LVEF below 35 %",
                                                        mode="images")
    body = client.get("/api/v1/search", params={"q": "LVEF below 35 %", "mode": "images"})
    assert [(n["kind"], n["count"]) for n in body.json()["notices"]] == [("qc_flagged", 1)]


def test_no_lge_says_which_studies_it_could_not_check(client: TestClient) -> None:
    text = _page(client, q="no LGE", all="1")
    assert ("1 study found has no LGE images and no report that rules LGE out: 'no LGE' "
            "could not be checked for it") in text
    answer = client.get("/api/v1/search", params={"q": "no LGE"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(n["kind"], n["count"], n["about"]) for n in body["notices"]] == \
        [("not_assessed", 1, ["lge"])]


def test_the_status_line_announces_the_notices(client: TestClient) -> None:
    """What the page shows beside the results, a screen reader hears with the count."""
    partial = client.get("/", params={"q": "asdkjh"},
                         headers={"HX-Request": "true", "HX-Target": "main"}).text
    status = partial.split('<div id="search-status" hx-swap-oob="innerHTML">')[1]
    assert status.split("</div>")[0].startswith(
        "7 studies (one per patient). Nothing in the query was recognised")


def test_the_notices_stay_a_list_inside_the_note(client: TestClient) -> None:
    """role="note" on the <ul> itself took its list role: its items were list items outside
    any list to a screen reader (axe's "listitem")."""
    import re

    text = client.get("/", params={"q": "asdkjh qwe zzz"}).text
    assert not re.search(r'<(ul|ol)\b[^>]*\brole=', text)
    note = re.search(r'<div class="notice warning search-notices" role="note" '
                     r'aria-label="About this search">\s*<ul>\s*<li class="notice-nothing_read">',
                     text)
    assert note, text


VENDOR = "no study in the index is from vendor 'zzz'; vendors here: ge, philips, siemens"


def test_an_unknown_vendor_is_a_notice_on_the_page_and_in_the_api(client: TestClient) -> None:
    """It gave 0 results without a word; then a note of the web layer alone, among the
    query's words not read (`cmr-search query --filter vendor=zzz` said nothing)."""
    text = _page(client, q="LV dilation", vendor="zzz")
    assert f'<li class="notice-unknown_vendor">{VENDOR}.</li>' in text
    body = client.get("/api/v1/search", params={"q": "LV dilation", "vendor": "zzz"}).json()
    assert body["total"] == 0 and not body["interpretation"]["not_read"]
    assert [(n["kind"], n["text"]) for n in body["notices"]] == [("unknown_vendor", VENDOR)]
    known = client.get("/api/v1/search", params={"q": "LV dilation", "vendor": "ge"}).json()
    assert not known["notices"]


def test_the_similar_page_and_api_give_their_notices(client: TestClient) -> None:
    """"More like this" carried no notice: a vendor the index lacks, a flagged value the
    form's range left out, went unsaid."""
    assert f"{VENDOR}." in _page_at(client, "/similar/5.1", vendor="zzz")
    assert "1 more study has a QC-flagged LVEF in this range (LVEF ≤ 31 %)" in _page_at(
        client, "/similar/5.1", lvef_max="31", all="1")
    body = client.get("/api/v1/similar/5.1", params={"vendor": "zzz"}).json()
    assert [n["kind"] for n in body["notices"]] == ["unknown_vendor"]


def _page_at(client: TestClient, path: str, **params: str) -> str:
    page = client.get(path, params=params)
    assert page.status_code == 200, page.text
    return html.unescape(page.text)


def test_the_status_line_reads_the_notes_of_what_was_not_read(client: TestClient) -> None:
    """"EF 30": its note replaces the notice that nothing was read, and the status line read
    the notices alone: a screen reader heard "7 studies (one per patient)" and no more."""
    def status(q: str) -> str:
        partial = client.get("/", params={"q": q},
                             headers={"HX-Request": "true", "HX-Target": "main"}).text
        said = partial.split('<div id="search-status" hx-swap-oob="innerHTML">')[1]
        return html.unescape(said.split("</div>")[0])

    assert status("EF 30").startswith(
        "7 studies (one per patient). 'EF 30': searched as words; a number after LVEF")
    both = status("asdkjh siemens")
    assert "Nothing in the query was recognised" in both
    assert both.endswith(". 'siemens': the words do not choose the vendor; set it with the "
                         "filters")
