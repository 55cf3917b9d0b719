"""Refusals in plain words (web.plain_errors): the parameter and what is allowed, not
pydantic's jargon; the API keeps its {"detail": ...} shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from web.plain_errors import plain_line


@pytest.mark.parametrize(("path", "said"), [
    ("/?q=LV&report=maybe", "Report: &#39;maybe&#39; is not one of present, missing"),
    ("/compare?a=1.1", "compare needs two studies: b is missing"),
    ("/compare", "compare needs two studies: a and b are missing"),
    ("/teaching/abc", "teaching file &#39;abc&#39;: not a number"),
    # "path.collection_id: Input should be greater than or equal to 1"
    ("/teaching/0", "teaching file 0: not a teaching file number"),
])
def test_a_page_says_what_is_wrong_in_plain_words(client: TestClient, path: str,
                                                  said: str) -> None:
    response = client.get(path)
    assert response.status_code == 400 and said in response.text
    assert "should" not in response.text and "Field required" not in response.text


@pytest.mark.parametrize(("params", "status", "said"), [
    ({"q": "LV", "report": "maybe"}, 400,
     "filter report: 'maybe' is not one of present, missing"),
    ({"q": "LV", "limit": "abc"}, 422, "limit 'abc': not a number"),
    ({}, 422, "q is missing"),
])
def test_the_api_says_it_in_its_detail(client: TestClient, params: dict[str, str],
                                       status: int, said: str) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == status and response.json() == {"detail": said}


@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/similar"])
def test_a_body_field_is_named_by_its_whole_path(client: TestClient, path: str) -> None:
    """It said "report: ...", which names no field of the body: filters.report does."""
    sent = {"positive": ["1.1"]} if path.endswith("similar") else {"q": "LV"}
    response = client.post(path, json={**sent, "filters": {"report": "maybe"}})
    assert response.json() == {
        "detail": "filters.report: 'maybe' is not one of present, missing"}


@pytest.mark.parametrize(("params", "said"), [
    # "query.limit: Input should be less than or equal to 100"
    ({"q": "LV", "limit": "500"}, "limit: at most 100, not 500"),
    ({"q": "LV", "limit": "0"}, "limit: at least 1, not 0"),
    # "query.q: String should have at most 500 characters": the body's and the CLI's words
    ({"q": "x" * 501}, "q: the query is over 500 characters"),
    ({"q": "LV", "mode": "x"}, "mode: one of 'images', 'reports' or 'both', not 'x'"),
])
def test_a_query_string_field_is_named_as_sent_in_plain_words(
        client: TestClient, params: dict[str, str], said: str) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 422 and response.json() == {"detail": said}


@pytest.mark.parametrize(("body", "said"), [
    ({"q": "LV", "unlike": ["a", 3]}, "unlike[1]: must be text, not 3"),  # "unlike.1: Input..."
    ({"q": "LV", "unlike": ["a"] * 21}, "unlike: at most 20 items, not 21"),
    ({"q": "LV", "page": {"limit": 500}}, "page.limit: at most 100, not 500"),
    ({"q": "LV", "page": 3}, "page: must be a JSON object"),
    ({"q": "LV", "filters": {"page": 1}}, "filters.page: no such field"),
    ([1, 2], "request body: must be a JSON object"),
])
def test_a_body_field_is_named_by_its_whole_path_in_plain_words(
        client: TestClient, body: object, said: str) -> None:
    response = client.post("/api/v1/search", json=body)
    assert response.status_code == 422 and response.json() == {"detail": said}


def test_what_is_not_worded_here_keeps_pydantics_words_under_its_path() -> None:
    errors = [{"type": "url_parsing", "loc": ("body", "links", 0),
               "msg": "Input should be a valid URL", "input": "x"}]
    assert plain_line(errors, {}) == "links[0]: Input should be a valid URL"


def test_a_value_shown_is_short_and_printable() -> None:
    errors = [{"type": "int_parsing", "loc": ("query", "limit"), "input": "\ud800" + "x" * 99}]
    said = plain_line(errors, {})
    assert said == "limit '\\ud800" + "x" * 29 + "': not a number" and said.isascii()


def test_a_readable_value_is_shown_as_sent() -> None:
    """Arabic-Indic digits were shown as "limit '??': not a number", not as the value sent."""
    errors = [{"type": "int_parsing", "loc": ("query", "limit"), "input": "\u0661\u0662"}]
    assert plain_line(errors, {}) == "limit '\u0661\u0662': not a number"
