"""Two curators editing one teaching file: a save over another's since the page was opened is
refused with the curator's text kept, a file renamed and its cases reordered, a name the
curator has already said so, and the case cards of the file's page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fakes.web import Secured

from accounts import Role


def _two_curators(secured: Secured) -> tuple[Any, int, dict[str, str], dict[str, str]]:
    """curator's file "LGE" of 1.1 and 1.2, shared with cur2 to edit: the store, its id, and
    each curator's headers."""
    app = secured.app
    files = app.state.teaching
    lge = files.create("curator", "LGE")
    files.add(lge, "curator", "1.1", "first note", "lge")
    files.add(lge, "curator", "1.2", "", "")
    app.state.users.add("cur2", Role.CURATOR)
    files.share(lge, "curator", "cur2", "edit")
    cur2 = {"Authorization": f"Bearer {app.state.tokens.create('cur2', 't')[1]}"}
    return files, lge, secured.auth(Role.CURATOR), cur2


def _form_version(page: str, case_id: int) -> str:
    form = re.search(rf'action="/teaching/\d+/edit/{case_id}">.*?name="version" '
                     r'value="(\d+)"', page, re.S)
    assert form is not None
    return form[1]


def test_the_second_of_two_saves_from_pages_opened_at_once_is_refused_and_kept(
        secured: Secured) -> None:
    """Both opened /teaching/<id>, both saved the same case, both got 303: the first
    curator's note and tags were lost without a word."""
    client = secured.client
    files, lge, cur1, cur2 = _two_curators(secured)
    [case, _] = files.cases(lge)
    opened1 = _form_version(client.get(f"/teaching/{lge}", headers=cur1).text, case.id)
    opened2 = _form_version(client.get(f"/teaching/{lge}", headers=cur2).text, case.id)
    saved = client.post(f"/teaching/{lge}/edit/{case.id}", headers=cur2, follow_redirects=False,
                        data={"note": "cur2's note", "tags": "mi", "version": opened2})
    assert saved.status_code == 303
    stale = client.post(f"/teaching/{lge}/edit/{case.id}", headers=cur1, follow_redirects=False,
                        data={"note": "cur1's note", "tags": "dcm", "version": opened1})
    assert stale.status_code == 409
    page = html.unescape(stale.text)
    assert "Case 1 was changed by cur2 since you opened it: your text is kept below" in page
    assert ">cur1's note</textarea>" in page and 'value="dcm"' in page  # not lost
    assert "cur2's note" in page  # what cur2 saved, to be read before saving again
    [case, _] = files.cases(lge)
    assert (case.note, case.tags) == ("cur2's note", ["mi"])
    # the form shown again carries the version now: a second save is a deliberate one
    again = client.post(f"/teaching/{lge}/edit/{case.id}", headers=cur1, follow_redirects=False,
                        data={"note": "both", "tags": "dcm, mi",
                              "version": _form_version(stale.text, case.id)})
    assert again.status_code == 303 and files.cases(lge)[0].note == "both"
    bad = client.post(f"/teaching/{lge}/edit/{case.id}", headers=cur1,
                      data={"note": "x", "version": "latest"})
    assert bad.status_code == 400 and "not a number" in bad.text


def test_a_case_edited_since_the_page_was_opened_is_not_removed(secured: Secured) -> None:
    client = secured.client
    files, lge, cur1, cur2 = _two_curators(secured)
    [case, _] = files.cases(lge)
    opened = _form_version(client.get(f"/teaching/{lge}", headers=cur1).text, case.id)
    client.post(f"/teaching/{lge}/edit/{case.id}", headers=cur2,
                data={"note": "new finding", "version": opened})
    removed = client.post(f"/teaching/{lge}/remove/{case.id}", headers=cur1,
                          data={"version": opened})
    assert removed.status_code == 409 and "changed by cur2" in removed.text
    assert len(files.cases(lge)) == 2


def test_a_file_is_renamed_by_an_editor_and_its_cases_moved(secured: Secured) -> None:
    client, app = secured.client, secured.app
    files, lge, cur1, cur2 = _two_curators(secured)
    files.create("curator", "Valves")
    renamed = client.post(f"/teaching/{lge}/rename", headers=cur2, follow_redirects=False,
                          data={"name": " Scar  patterns "})
    assert renamed.status_code == 303
    assert files.collection(lge, "curator").name == "Scar patterns"
    for name, status, why in (("Valves", 409, "you have another teaching file named"),
                              ("Cases of Mr John Smith 12/03/2024", 400, "looks like a name"),
                              ("acdc-patient045 cases", 400, "looks like a name"),
                              ("", 400, "1 to 120"), ("a\x1b[2J", 400, "printable")):
        refused = client.post(f"/teaching/{lge}/rename", headers=cur1, data={"name": name})
        assert refused.status_code == status and why in html.unescape(refused.text), name
    [first, second] = files.cases(lge)
    page = client.get(f"/teaching/{lge}", headers=cur1).text
    assert 'aria-label="Move case 2 up"' in page and 'aria-label="Move case 1 down"' in page
    assert 'aria-label="Move case 1 up"' not in page
    moved = client.post(f"/teaching/{lge}/cases/{second.id}/move", headers=cur2,
                        follow_redirects=False, data={"direction": "up"})
    assert moved.status_code == 303 and moved.headers["location"].endswith(f"#case-{second.id}")
    assert [c.id for c in files.cases(lge)] == [second.id, first.id]
    page = client.get(f"/teaching/{lge}", headers=cur1).text
    assert page.index('href="/study/1.2">Case 1<') < page.index('href="/study/1.1">Case 2<')
    edge = client.post(f"/teaching/{lge}/cases/{second.id}/move", headers=cur1,
                       data={"direction": "up"})
    assert edge.status_code == 400 and "case 1 is the first already" in edge.text
    shared = client.post(f"/teaching/{lge}/share", headers=cur2, data={"grantee": "viewer"})
    assert shared.status_code == 403  # named as its page is headed: "teaching file 1" was
    assert "teaching file “Scar patterns”: only its owner may" in html.unescape(shared.text)
    files.share(lge, "curator", "cur2", "read")
    for path, form in (("rename", {"name": "Mine"}),
                       (f"cases/{first.id}/move", {"direction": "up"})):
        refused = client.post(f"/teaching/{lge}/{path}", headers=cur2, data=form)
        assert refused.status_code == 403 and "shared with you to read" in refused.text
    changes = [(e.user_name, e.detail.get("change"), e.study_uids) for e in
               app.state.audit.entries() if e.detail.get("change") in ("rename", "move case")]
    assert changes == [("cur2", "rename", []), ("cur2", "move case", ["1.2"])]


def test_a_name_the_curator_has_already_opens_that_file_and_says_so(
        secured: Secured) -> None:
    """It answered 303 to the old file with no word: the curator thought it new."""
    client = secured.client
    as_curator = secured.auth(Role.CURATOR)
    made = client.post("/teaching", headers=as_curator, data={"name": "Scars"},
                       follow_redirects=False)
    assert "existing" not in made.headers["location"]
    again = client.post("/teaching", headers=as_curator, data={"name": " Scars "},
                        follow_redirects=False)
    assert again.headers["location"] == made.headers["location"] + "?existing=1"
    page = client.get(again.headers["location"], headers=as_curator).text
    assert "You already have a teaching file named “Scars”: opened it." in page
    assert "already have" not in client.get(made.headers["location"], headers=as_curator).text


def test_a_case_card_shows_what_the_study_has_and_names_its_controls(
        secured: Secured, monkeypatch: pytest.MonkeyPatch) -> None:
    """"Case 1 · · ? y Unknown": an empty date and an unknown age and sex were shown as such,
    no UID for a curator, no LVEF; the repeated controls were all named alike; Remove acted
    at once; "its 1 cases", its box above its words."""
    client = secured.client
    files, lge, cur1, _ = _two_curators(secured)
    files.remove(lge, "curator", files.cases(lge)[1].id)
    bare = {"study_instance_uid": "1.1", "study_date": None, "age": None, "sex": "unknown",
            "measurements": {"lvef_pct": 25.0}, "flagged_measurements": []}
    monkeypatch.setattr("web.teaching_pages.with_payloads",
                        lambda request, principal, collection_id: [
                            (c, bare) for c in files.cases(collection_id)])
    page = client.get(f"/teaching/{lge}", headers=cur1).text
    meta = re.search(r'<p class="meta">(<a class="open".*?)</p>', page)
    assert meta is not None and meta[1] == '<a class="open" href="/study/1.1">Case 1</a>'
    assert "Study UID <code>1.1</code>" in page and "LVEF 25" in page
    assert "Edit note and tags<span class=\"sr-only\"> of case 1</span>" in page
    assert "Remove from this file<span class=\"sr-only\"> (case 1)</span></summary>" in page
    assert re.search(r"<details class=\"remove\">.*?<form method=\"post\" action=\"/teaching/"
                     rf"{lge}/remove/\d+\">.*?Remove case 1</button>", page, re.S)
    assert '<label class="check"><input type="checkbox" name="confirm" required> delete ' \
           'this teaching file and its case (the study stays in the index)' in page
    files.share(lge, "curator", "viewer", "read")
    viewer = client.get(f"/teaching/{lge}", headers=secured.auth(Role.VIEWER)).text
    assert "Study UID" not in viewer and "Edit note" not in viewer  # a curator's only
