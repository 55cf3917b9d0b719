"""The JSON API: answers with versions, and a 4xx (never a 500) for every bad request."""

from __future__ import annotations

import io
import zipfile

import pytest
from fakes.encoder import FakeEncoder
from fastapi.testclient import TestClient


def test_search_answers_with_results_and_versions(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"q": "no LGE", "vendor": "philips,siemens",
                                                    "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["versions"]["model"] == FakeEncoder.key and body["versions"]["index"]
    assert body["interpretation"]["ruled_out"] == ["lge"]
    found = {r["study_instance_uid"] for r in body["results"]}
    assert found == {"2.1", "3.1", "6.1", "7.1"}  # philips or siemens, and nothing with LGE
    posted = client.post("/api/v1/search", json={"q": "LGE", "mode": "reports",
                                                  "filters": {"age_min": 60}})
    assert posted.status_code == 200
    assert all(r["age"] >= 60 for r in posted.json()["results"])


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"q": ""}, 400, "empty query"),
    ({"q": "   "}, 400, "empty query"),
    ({"q": "x" * 501}, 422, "q: the query is over 500 characters"),
    ({"q": "LGE", "colour": "red"}, 400, "unknown parameter 'colour'"),
    ({"q": "LGE", "study_date_from": "yesterday"}, 400, "study_date_from"),
    ({"q": "LGE", "age_min": "70", "age_max": "20"}, 400, "after age_max"),
    ({"q": "LGE", "report_findings": "broken_heart"}, 400, "unknown broken_heart"),
    ({"q": "LGE", "mode": "telepathy"}, 422, "images"),
    ({"q": "LGE", "limit": "0"}, 422, "limit: at least 1"),
    ({"q": "LGE", "sex": "F,,M"}, 400, "filter sex: a blank value"),  # was taken as F,M
    ({"q": "LGE", "lvef_max": "500"}, 400, "lvef_max: a percentage, 0 to 100"),
    # alone it was ignored: every study came back
    ({"q": "LGE", "image_score_min": "0.99"}, 400, "image_score_min needs image_findings"),
])
def test_bad_searches_are_4xx_with_a_reason(client: TestClient, params: dict[str, str],
                                            status: int, message: str) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == status
    assert message in str(response.json()["detail"])


def test_facets_check_their_query_as_search_does(client: TestClient) -> None:
    response = client.get("/api/v1/facets", params={"q": "LGE\x00"})  # search refused it
    assert response.status_code == 400 and "q: not valid text" in response.json()["detail"]
    assert client.get("/api/v1/facets", params={"q": "LGE", "sex": ""}).status_code == 200


def test_similar_study_and_facets(client: TestClient) -> None:
    similar = client.get("/api/v1/similar/2.1", params={"view": "lge_sax", "negative": "3.1"})
    assert similar.status_code == 200 and similar.json()["results"]
    assert client.get("/api/v1/similar/9.9").status_code == 404
    assert client.get("/api/v1/similar/2.1", params={"view": "5ch"}).status_code == 400
    study = client.get("/api/v1/studies/1.1")
    assert study.status_code == 200
    assert [s["study_instance_uid"] for s in study.json()["same_patient"]] == ["1.2"]
    assert client.get("/api/v1/studies/nope").status_code == 404
    facets = client.get("/api/v1/facets", params={"report": "missing"}).json()
    assert facets["total"] == 2 and facets["facets"]["image_findings"] == {"lge": 1}


def test_uploads_that_are_not_a_dicom_study_are_400(client: TestClient) -> None:
    not_zip = client.post("/api/v1/upload", files={"file": ("study.zip", b"hello")})
    assert not_zip.status_code == 400 and "not a zip" in not_zip.json()["detail"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("notes/readme.txt", "no images here")
    empty = client.post("/api/v1/upload", files={"file": ("study.zip", buffer.getvalue())})
    assert empty.status_code == 400 and "no DICOM study" in empty.json()["detail"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../escape.dcm", b"x")
    unsafe = client.post("/api/v1/upload", files={"file": ("evil.zip", buffer.getvalue())})
    assert unsafe.status_code == 400 and "unsafe path" in unsafe.json()["detail"]


def test_openapi_documents_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/search", "/api/v1/similar/{study_instance_uid}", "/api/v1/upload",
            "/api/v1/studies/{study_instance_uid}", "/api/v1/facets",
            "/api/v1/health"} <= set(paths)
    names = {p["name"] for p in paths["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "mode", "age_min", "views", "image_findings"} <= names
