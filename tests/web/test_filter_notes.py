"""A vendor no indexed study is from is said, with the vendors the index holds (web.filter_notes),
not refused: a filter value may simply match nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

SAID = "no study in the index is from vendor 'zzz'; vendors here: ge, philips, siemens"


def test_an_unknown_vendor_is_said_on_the_page(client: TestClient) -> None:
    """It gave 0 results without a word."""
    response = client.get("/", params={"q": "LV", "vendor": "zzz"})
    assert response.status_code == 200 and SAID.replace("'", "&#39;") in response.text


def test_an_unknown_vendor_is_said_by_the_api(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "LV", "vendor": "zzz"}).json()
    assert body["total"] == 0 and SAID in body["interpretation"]["not_read"]


def test_a_vendor_in_the_index_says_nothing(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "LV", "vendor": "ge"}).json()
    assert not any("vendor" in note for note in body["interpretation"]["not_read"])
