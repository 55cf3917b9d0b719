"""Teaching-file forms from a curator's QA pass: a refused add keeps what was typed, an add
answers with a redirect, names are checked as tags are, a viewer is told what they can do,
and result cards add a case and come back to the results."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fakes.web import Secured, csrf_of
from fastapi.testclient import TestClient

from accounts import Role

NOTE = "Classic case: mid-wall LGE, septal"


@pytest.mark.parametrize(("tags", "why"), [
    ("dcm, Dr Smith", "looks like a name, an ID or a date"),
    ("x" * 41, "tag"),
    (",".join(f"t{i}" for i in range(21)), "at most 20 per case")])
def test_a_refused_add_shows_the_study_page_again_with_what_was_typed(
        client: TestClient, tags: str, why: str) -> None:
    """The note went with a bare error page ("Back to search")."""
    refused = client.post("/teaching/add", data={
        "study_instance_uid": "1.1", "new_name": "Scars", "note": NOTE, "tags": tags,
        "csrf_token": csrf_of(client)})
    assert refused.status_code == 400 and "Back to search" not in refused.text
    form = refused.text[refused.text.index('<section id="teach"'):]
    assert re.search(r'role="alert" id="teach-error" tabindex="-1">Cannot add the case: '
                     r"[^<]*" + why, form)
    assert f">{NOTE}</textarea>" in form and 'value="Scars"' in form
    assert re.sub(r"\s+", " ", tags.replace(",", ", ")).split(", ")[0] in form
    assert client.get("/teaching").text.count('href="/teaching/') == 0  # no file was made


def test_a_refused_add_to_a_file_keeps_the_file_chosen(secured: Secured) -> None:
    client, files = secured.client, secured.app.state.teaching
    first, second = files.create("curator", "LGE"), files.create("curator", "DCM")
    refused = client.post("/teaching/add", headers=secured.auth(Role.CURATOR), data={
        "study_instance_uid": "1.1", "collection_id": str(second), "tags": "MRN 12345678"})
    assert refused.status_code == 400
    assert f'<option value="{second}" selected>' in refused.text
    assert f'<option value="{first}">' in refused.text


def test_an_add_of_a_study_not_indexed_is_still_an_error_page(client: TestClient) -> None:
    refused = client.post("/teaching/add", data={
        "study_instance_uid": "9.9", "new_name": "x", "csrf_token": csrf_of(client)})
    assert refused.status_code == 400 and "is not in the index" in refused.text


@pytest.mark.parametrize("name", ["Cases of Mr John Smith 12/03/2024", "MRN 12345678"])
def test_a_teaching_file_named_for_a_patient_is_refused_and_the_name_kept(
        client: TestClient, name: str) -> None:
    """Accepted without a word, though a tag of the same text was refused."""
    token = csrf_of(client)
    created = client.post("/teaching", data={"name": name, "csrf_token": token})
    assert created.status_code == 400
    line = re.search(r'id="list-error">([^<]*)<', created.text)
    assert line is not None and "looks like a name, an ID or a date" in line[1]
    assert "\n" not in line[1] and f'value="{name}"' in created.text.replace("&#39;", "'")
    added = client.post("/teaching/add", data={"study_instance_uid": "1.1", "new_name": name,
                                               "note": NOTE, "csrf_token": token})
    assert added.status_code == 400 and "looks like a name, an ID or a date" in added.text
    assert f">{NOTE}</textarea>" in added.text
    assert client.post("/teaching", data={"name": "Cardiomyopathies 2026", "csrf_token": token},
                       follow_redirects=False).status_code == 303


def test_a_viewer_without_files_is_told_what_they_can_do(secured: Secured) -> None:
    """A viewer read "Create one here, or add a case from its study page" with no form."""
    viewer = secured.client.get("/teaching", headers=secured.auth(Role.VIEWER)).text
    assert "Create one here" not in viewer and "shared with you" in viewer
    curator = secured.client.get("/teaching", headers=secured.auth(Role.CURATOR)).text
    assert "Create one here" in curator


def _card(html: str, uid: str) -> str:
    part = html[html.index(f'data-href="/study/{uid}"'):]
    return part[:part.index("\n</li>")]  # the card's own end: its sentences are items


@pytest.mark.parametrize(("results", "uid"), [("/?q=dilated+LV", "1.2"),
                                              ("/similar/2.1", "1.1")])
def test_a_curator_adds_a_result_to_a_teaching_file_and_comes_back(
        secured: Secured, results: str, uid: str) -> None:
    """Only the study page added a case: a search's results and "more like this" did not."""
    client, files = secured.client, secured.app.state.teaching
    as_curator = secured.auth(Role.CURATOR)
    collection_id = files.create("curator", "LGE")
    page = client.get(results, headers=as_curator).text
    card = _card(page, uid)
    button = re.search(r'<button type="submit" form="card-teach" name="study_instance_uid" '
                       rf'value="{uid}" formaction="([^"]+)">LGE<', card)
    assert button is not None and '<form id="card-teach" method="post"' in page
    action = button[1].replace("&amp;", "&")
    assert action == f"/teaching/add?collection_id={collection_id}&back={quote(results, safe='/')}"
    added = client.post(action, headers=as_curator, data={"study_instance_uid": uid},
                        follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == results
    back = client.get(results, headers=as_curator).text
    assert 'role="status">Added to teaching file “LGE”.' in back
    assert f'<a href="/teaching/{collection_id}">Open the teaching file</a>' in back
    assert "Added to teaching file" not in client.get(results, headers=as_curator).text  # once
    again = client.post(action, headers=as_curator, data={"study_instance_uid": uid})
    assert "Already in teaching file “LGE”: kept as it was." in again.text
    assert [c.study_instance_uid for c in files.cases(collection_id)] == [uid]
    for role in (Role.VIEWER, Role.CLINICIAN):  # the study page's form is for curators too
        shown = client.get(results, headers=secured.auth(role)).text
        assert 'form="card-teach"' not in shown and 'id="card-teach"' not in shown


def test_a_card_add_goes_back_only_to_this_site(secured: Secured) -> None:
    files = secured.app.state.teaching
    collection_id = files.create("curator", "LGE")
    added = secured.client.post(
        f"/teaching/add?collection_id={collection_id}&back=//evil.example/",
        headers=secured.auth(Role.CURATOR), data={"study_instance_uid": "1.1"},
        follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"/teaching/{collection_id}"


def test_a_curator_without_files_is_sent_to_the_study_page_form(secured: Secured) -> None:
    card = _card(secured.client.get("/?q=dilated+LV", headers=secured.auth(Role.CURATOR)).text,
                 "1.2")
    assert '<a href="/study/1.2#teach">Add to a teaching file' in card


def test_result_and_similar_links_name_their_case(client: TestClient) -> None:
    """Each read "undated" or "2021-03-01" alone, the UID outside the link; "Compare" six
    times on the study page, with no word of which."""
    page = client.get("/?q=dilated+LV").text
    assert re.search(r'<a class="open" href="/study/1.2">2023-05-01<span class="sr-only">, '
                     r"study 1.2</span></a>", page)
    study = client.get("/study/1.1").text
    strip = study[study.index('<ol class="mini">'):study.index("</ol>", study.index(
        '<ol class="mini">'))]
    names = re.findall(r'>Compare<span class="sr-only"> with ([^<]+)</span></a>', strip)
    assert names and len(set(names)) == len(names)
    similar = client.get("/similar/2.1").text
    assert re.search(r'>Compare<span class="sr-only"> with 20\d\d-\d\d-\d\d</span>', similar)
