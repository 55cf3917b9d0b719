"""How deep pages go (web.paging): one rule, the first 1000 results, and one wording naming
the last page, on the pages and the API alike; a page past a query's last result (within
them) is an empty page with the total, on both."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from search import QueryError
from web.paging import check_depth, last_page, page_number

LAST_AT_12 = "at 12 per page the last page is 83"


def test_the_last_page_is_the_last_the_first_1000_results_fill() -> None:
    assert (last_page(12), last_page(10), last_page(100), last_page(1)) == (83, 100, 10, 1000)
    check_depth(83, 12)
    with pytest.raises(QueryError, match="page 84 is past the first 1000 results"):
        check_depth(84, 12)


@pytest.mark.parametrize("value", ["0", "-1", "x", "\u2460", "1.5"])
def test_a_page_that_is_no_whole_number_names_the_range(value: str) -> None:
    with pytest.raises(QueryError, match="page must be a whole number from 1 to 83"):
        page_number(value, 12)


@pytest.mark.parametrize("page", ["84", "1000", "9999", "9" * 40])
def test_a_deep_search_page_says_one_thing(client: TestClient, page: str) -> None:
    """9999 said "from 1 to 1000", 84 and 1000 "past the first 1000" in other words."""
    response = client.get("/", params={"q": "LV", "page": page})
    assert response.status_code == 400 and LAST_AT_12 in response.text
    quoted = page if len(page) <= 12 else "9999... (40 digits)"  # it said "999999999999"
    assert f"page {quoted} is past the first 1000 results" in response.text


def test_the_api_says_it_in_the_same_words(client: TestClient) -> None:
    """9999 said "query.page: Input should be less than or equal to 1000"."""
    schema = client.get("/api/v1/search", params={"q": "LV", "page": "9999", "limit": "12"})
    assert schema.status_code == 422 and LAST_AT_12 in schema.json()["detail"]
    deep = client.get("/api/v1/search", params={"q": "LV", "page": "84", "limit": "12"})
    assert deep.status_code == 400 and LAST_AT_12 in deep.json()["detail"]
    body = client.post("/api/v1/search", json={"q": "LV", "page": {"page": 84, "limit": 12}})
    assert body.status_code == 400 and LAST_AT_12 in body.json()["detail"]


def test_similar_pages_follow_the_same_rule(client: TestClient) -> None:
    """/similar/UID?page=99 was a 400 ("past the first 1000") where the API's was a 200: the
    page's 12 a page reach result 1188, the API's 10 result 990. At one size, one answer."""
    for path in ("/similar/1.1", "/api/v1/similar/1.1"):
        deep = client.get(path, params={"page": "99", "limit": "12"})
        assert deep.status_code == 400 and LAST_AT_12 in deep.text, path
        past = client.get(path, params={"page": "99", "limit": "10"})
        assert past.status_code == 200, path
    api = client.get("/api/v1/similar/1.1", params={"page": "99", "limit": "10"}).json()
    assert api["results"] == [] and api["total"] > 0
    page = client.get("/similar/1.1", params={"page": "99", "limit": "10"})
    assert "Past the last page of similar studies" in page.text


@pytest.mark.parametrize(("page", "said"), [
    ("0", "page must be a whole number from 1 to 83, not '0'"),
    ("-1", "page must be a whole number from 1 to 83, not '-1'"),
    ("5000", "page 5000 is past the first 1000 results: " + LAST_AT_12),
])
@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/similar"])
def test_a_body_page_is_refused_as_a_query_page_is(client: TestClient, page: str, said: str,
                                                   path: str) -> None:
    """A body's 0 and 5000 said "page.page: Input should be greater than or equal to 1" (or
    "less than or equal to 1000"), and a query's page=0 the same, naming no last page."""
    query = client.get(path.replace("/similar", "/similar/1.1"),
                       params={"q": "LV", "page": page, "limit": "12"})
    sent = {"positive": ["1.1"]} if path.endswith("similar") else {"q": "LV"}
    body = client.post(path, json={**sent, "page": {"page": int(page), "limit": 12}})
    for response in (query, body):
        assert response.status_code == 422 and response.json()["detail"].startswith(said)


@pytest.mark.parametrize(("sent", "said"), [
    # the limit as the field reads it: the line said 100 and 10 (the default 10 a page)
    ('{"q":"LV","page":{"page":0,"limit":1e2}}', "from 1 to 10, not '0'"),
    ('{"q":"LV","page":{"page":5000,"limit":50.0}}', "at 50 per page the last page is 20"),
    # a huge number quoted by its start and length, not cut to 12 digits as if it were sent
    ('{"q":"LV","page":{"page":1' + "0" * 30 + '}}',
     "page 1000... (31 digits) is past the first 1000 results"),
    # text: it said "not '\"3\"'", its JSON quotes counted in the 20 characters shown
    ('{"q":"LV","page":{"page":"3"}}', "from 1 to 100, not text ('3')"),
    ('{"q":"LV","page":{"page":"' + "x" * 40 + '"}}', f"not text ('{'x' * 20}')"),
])
def test_a_body_page_is_refused_with_the_limit_and_number_it_has(client: TestClient,
                                                                 sent: str, said: str) -> None:
    response = client.post("/api/v1/search", content=sent,
                           headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422) and said in response.json()["detail"]


@pytest.mark.parametrize(("params", "said"), [
    ({"limit": "0100", "page": "0"}, "from 1 to 10, not '0'"),  # FastAPI took 100, the line 10
    ({"page": "9" * 4000}, "page 9999... (4000 digits) is past"),  # it said "page 999999999999"
])
def test_a_query_page_is_refused_with_the_limit_and_number_it_has(
        client: TestClient, params: dict[str, str], said: str) -> None:
    response = client.get("/api/v1/search", params={"q": "LV", **params})
    assert response.status_code == 422 and said in response.json()["detail"]


def test_leading_zeros_are_no_digits_of_a_page() -> None:
    """13 characters of "0000000000005" were cut to 12 ("000000000000", no page)."""
    assert page_number("0000000000005", 12) == 5
    with pytest.raises(QueryError, match="page 84 is past"):
        page_number("000000000000084", 12)
