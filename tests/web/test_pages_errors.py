"""Each input that used to be a 500 on the pages is now a 4xx page with a one-line reason; and
what held (escaping, no traversal) is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakes.web import csrf_of
from fastapi.testclient import TestClient


@pytest.mark.parametrize(("params", "reason"), [
    ({"q": "lge", "limit": "101"}, "limit must be a whole number from 1 to 100"),
    ({"q": "lge", "limit": "99999999999999999999"}, "limit must be a whole number"),
    ({"q": "lge", "page": "-1"}, "page must be a whole number"),
    ({"q": "x" * 501}, "over 500 characters"),
    ({"q": "lge", "unlike": [f"9.{i}" for i in range(21)]}, "unlike: at most 20"),
    ({"q": "lge", "limit": "\u00b2"}, "limit must be a whole number"),  # '²'.isdigit(): a 500
    ({"q": "lge", "page": "\u2460"}, "page must be a whole number"),
    # alone it was ignored: every study came back
    ({"q": "lge", "image_score_min": "0.99"}, "image_score_min needs image_findings"),
])
def test_bad_search_pages(client: TestClient, params: dict[str, object], reason: str) -> None:
    response = client.get("/", params=params)  # type: ignore[arg-type]
    assert response.status_code == 400 and reason in response.text


def test_bad_similar_pages(client: TestClient) -> None:
    many = client.get("/similar/1.1", params={"also": [f"9.{i}" for i in range(20)]})
    assert many.status_code == 400 and "also: at most 19" in many.text
    unlike = client.get("/similar/1.1", params={"unlike": [f"9.{i}" for i in range(21)]})
    assert unlike.status_code == 400
    # liked and unliked at once: 200 with every score negative, the order noise
    both = client.get("/similar/1.1", params={"unlike": "1.1"})
    assert both.status_code == 400 and "both &#39;more like&#39;" in both.text
    api = client.get("/api/v1/similar/1.1", params={"negative": "1.1"})
    assert api.status_code == 400 and "both 'more like'" in api.json()["detail"]


@pytest.mark.parametrize("path", ["/study/%00", "/study/" + "9" * 600, "/similar/9%00",
                                  "/compare?a=1.1&b=%00", "/api/v1/studies/%00"])
def test_a_uid_in_the_path_is_checked_as_any_other(client: TestClient, path: str) -> None:
    """A NUL went into the page as it was; 600 characters came back in a 404."""
    response = client.get(path)
    assert response.status_code == 400 and "\x00" not in response.text
    assert "9" * 100 not in response.text


@pytest.mark.parametrize(("params", "said"), [
    ({"page": "50"}, "Past the last page of similar studies"),
    ({"age_min": "119"}, "No other patient's study matches the filters"),
])
def test_an_empty_similar_page_says_why(client: TestClient, params: dict[str, str],
                                        said: str) -> None:
    """Each said "No other patient's study has this view.\""""
    response = client.get("/similar/1.1", params={**params, "view": "4ch"})
    assert response.status_code == 200 and said in response.text
    if "page" in params:  # back to the first page, with the view and filters kept
        assert 'href="/similar/1.1?view=4ch">back to the first' in response.text


def test_two_empty_studies_to_compare_are_no_uids(client: TestClient) -> None:
    """It said "a and b are the same study"."""
    response = client.get("/compare", params={"a": "", "b": ""})
    assert response.status_code == 400 and "study UID: 1 to 64 characters" in response.text


def test_a_filter_change_that_fails_is_shown_where_the_results_were(
        client: TestClient) -> None:
    """htmx swapped no 4xx: the old results stayed beside the new, impossible filter."""
    htmx = {"HX-Request": "true", "HX-Target": "main"}
    backwards = client.get("/", params={"q": "LV", "lvef_min": "50", "lvef_max": "40"},
                           headers=htmx)
    assert backwards.status_code == 400 and "<html" not in backwards.text
    assert "lvef_min" in backwards.text
    unknown = client.get("/", params={"q": "LV", "unlike": "nosuch"}, headers=htmx)
    assert unknown.status_code == 404 and "<html" not in unknown.text
    assert "nosuch is not in the index" in unknown.text
    nul = client.get("/", params={"q": "HCM\x00"}, headers=htmx)  # a whole page, swapped in
    assert nul.status_code == 400 and "<html" not in nul.text
    assert "q: not valid text" in nul.text and "Value error" not in nul.text
    page = client.get("/").text
    assert '"code": "4..", "swap": true' in page  # htmx is told to swap them in


@pytest.mark.parametrize("number", [str(2**63), str(2**31), "0", "-5"])
def test_teaching_ids_out_of_range(client: TestClient, number: str) -> None:
    for path in (f"/teaching/{number}", f"/teaching/{number}/export.zip"):
        response = client.get(path)
        # it said "path.collection_id: Input should be greater than or equal to 1"
        assert response.status_code == 400 and \
            f"teaching file {number}: not a teaching file number" in response.text
    token = csrf_of(client)
    removed = client.post(f"/teaching/1/remove/{number}", data={"csrf_token": token})
    assert removed.status_code == 400
    added = client.post("/teaching/add", data={"study_instance_uid": "1.1",
                                               "collection_id": number, "csrf_token": token})
    assert added.status_code == 400


@pytest.mark.parametrize("uid", ["..", ".", "%2E%2E", "a..b", "x" * 81])
def test_the_sprite_route_takes_only_uids(client: TestClient, uid: str) -> None:
    assert client.get(f"/media/sprite/{uid}/sax.png").status_code == 404


@pytest.mark.parametrize("path", ["/media/previews/../db/cmr-search.sqlite3",
                                  "/media/previews/%2e%2e/secrets/secret_key",
                                  "/static/../../pyproject.toml"])
def test_no_path_leaves_its_folder(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_reflected_and_stored_text_is_escaped(client: TestClient) -> None:
    page = client.get("/", params={"q": '<script>alert(1)</script> lge'})
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text


def test_stored_text_is_escaped(client: TestClient) -> None:
    token = csrf_of(client)
    client.post("/teaching/add", data={"study_instance_uid": "1.1", "csrf_token": token,
                                       "new_name": "<img src=x onerror=alert(1)>",
                                       "note": "<script>alert(2)</script>"})
    listing, detail = client.get("/teaching").text, client.get("/teaching/1").text
    assert "<img src=x" not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing
    assert "<script>alert(2)" not in detail and "&lt;script&gt;alert(2)" in detail


def test_a_cine_strip_before_any_index_is_not_ready_not_a_500(tmp_path: Path) -> None:
    from cmr_search.settings import Settings
    from web.app import create_app

    app = create_app(Settings(data_dir=tmp_path), open_access=True)
    answer = TestClient(app, raise_server_exceptions=False).get("/media/sprite/1.2.3/4ch.png")
    assert answer.status_code == 503 and "index" in answer.text


@pytest.mark.parametrize("path", ["/study/1.1", "/similar/1.1", "/compare?a=1.1&b=2.1",
                                  "/healthz"])
def test_head_is_answered_as_get_without_a_body(client: TestClient, path: str) -> None:
    """Link checkers and uptime monitors got 405."""
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


def test_a_head_on_a_study_page_is_no_view_in_the_trail(client: TestClient) -> None:
    """A link checker's HEAD on a study page was recorded as the study seen."""
    audit = client.app.state.audit  # type: ignore[attr-defined]
    before = len(audit.entries(event_id="110103"))
    assert client.head("/study/1.1").status_code == 200
    assert len(audit.entries(event_id="110103")) == before
    client.get("/study/1.1")
    assert len(audit.entries(event_id="110103")) == before + 1


def test_a_teaching_file_before_any_index_is_not_ready_not_a_500(tmp_path: Path) -> None:
    """Opening, exporting and adding to a teaching file before the first index run were bare
    500s with a traceback."""
    from cmr_search.settings import Settings
    from web.app import create_app

    client = TestClient(create_app(Settings(data_dir=tmp_path), open_access=True),
                        raise_server_exceptions=False)
    made = client.app.state.teaching.create("local", "Before the index")  # type: ignore[attr-defined]
    client.app.state.teaching.add(made, "local", "1.2.3", "", "")  # type: ignore[attr-defined]
    for path in (f"/teaching/{made}", f"/teaching/{made}/export.zip"):
        answer = client.get(path)
        assert answer.status_code == 503 and "index" in answer.text, path


def test_a_database_that_stops_answering_is_503_and_not_ready(
        secured: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With PostgreSQL down every signed-in page was a bare 500 with a traceback in the log,
    and /readyz said ready."""
    from sqlalchemy.exc import OperationalError

    from accounts import Role

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    app = secured.app
    monkeypatch.setattr(type(app.state.tokens), "_lookup", down)
    answer = secured.client.get("/api/v1/studies/1.1", headers=secured.auth(Role.VIEWER))
    assert answer.status_code == 503
    assert answer.json()["detail"] == "the database does not answer; try again in a minute"
    monkeypatch.setattr("web.app.readiness", lambda *args: (True, {"ready": True}))
    assert secured.client.get("/readyz").status_code == 200
    monkeypatch.setattr(app.state.database, "answers", lambda: False)
    ready = secured.client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["reason"] == "the database does not answer"


@pytest.mark.parametrize("path", ["/similar/1.1?view=4ch&view=lge_sax",
                                  "/similar/1.1?limit=1&limit=100",
                                  "/?q=lge&mode=images&mode=reports"])
def test_one_value_given_twice_is_refused(client: TestClient, path: str) -> None:
    """The last was taken without a word."""
    response = client.get(path)
    assert response.status_code == 400 and "is given 2 times: give it once" in response.text



@pytest.mark.parametrize(("method", "path", "allow"), [
    ("POST", "/study/1.1", "GET, HEAD"), ("OPTIONS", "/compare?a=1.1&b=2.1", "GET, HEAD"),
    ("DELETE", "/media/sprite/1.1/sax.png", "GET, HEAD"),
    ("PUT", "/media/previews/00/x.webp", "GET, HEAD"),
    ("PATCH", "/api/v1/search", "GET, HEAD, POST"), ("POST", "/static/app.js", "GET, HEAD"),
])
def test_a_405_names_the_methods_the_path_answers(client: TestClient, method: str, path: str,
                                                  allow: str) -> None:
    """Media routes said `Allow:` (empty), pages sent none: they are not in the schema."""
    answer = client.request(method, path)
    assert answer.status_code == 405 and answer.headers["allow"] == allow


def test_no_redirect_goes_to_the_host_a_request_names(client: TestClient) -> None:
    """A slash redirect took the request's Host header: a link to another site."""
    for path in ("/media/previews", "/teaching/", "/admin/users/"):
        answer = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
        assert "evil.example" not in answer.headers.get("location", ""), path
