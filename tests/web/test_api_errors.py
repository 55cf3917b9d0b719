"""Each input that used to be a 500 on the API is now a 4xx with a one-line detail."""

from __future__ import annotations

import pytest
from fakes.zips import HOSTILE, plain
from fastapi.testclient import TestClient


def _one_line(response: object) -> str:
    detail = response.json()["detail"]  # type: ignore[attr-defined]
    assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in detail
    return detail


@pytest.mark.parametrize(("name", "values"), [("unlike", 21), ("negative", 21), ("also", 21)])
def test_more_than_twenty_studies_in_a_list(client: TestClient, name: str, values: int) -> None:
    path = "/api/v1/search" if name == "unlike" else "/api/v1/similar/1.1"
    params = {"q": "lge", name: [f"9.{i}" for i in range(values)]}
    response = client.get(path, params=params)
    assert response.status_code == 422 and name in _one_line(response)
    body = {"q": "lge", "unlike": ["1.2"] * 21} if name == "unlike" else \
        {"positive": ["1.1"], name if name == "negative" else "positive": ["1.2"] * 21}
    posted = client.post("/api/v1/search" if name == "unlike" else "/api/v1/similar", json=body)
    assert posted.status_code == 422
    _one_line(posted)


@pytest.mark.parametrize("body", [
    '{"q": "lge", "page": {"limit": 1e309}}',
    '{"q": "lge", "filters": {"age_min": 1e309}}',
    '{"q": "lge", "filters": {"field_strength_min": -1e309}}',
    '{"q": 1e309}',
])
def test_an_infinite_number_in_json(client: TestClient, body: str) -> None:
    response = client.post("/api/v1/search", content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    _one_line(response)


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/search", '{"q": "\\ud800"}'),
    ("/api/v1/search", '{"q": "lge", "filters": {"manufacturer": ["\\udfff"]}}'),
    ("/api/v1/similar", '{"positive": ["\\ud800"]}'),
    ("/api/v1/similar", '{"positive": ["1.1"], "view": "sax\\u0000"}'),
])
def test_a_lone_surrogate_in_a_string(client: TestClient, path: str, body: str) -> None:
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "not valid text" in _one_line(response)


def test_a_body_that_is_not_json_says_so(client: TestClient) -> None:
    response = client.post("/api/v1/search", content='{"q": "lge",',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert _one_line(response).startswith("request body: not valid JSON (")


def test_a_long_query_is_refused_at_its_own_limit(client: TestClient) -> None:
    """10,000 characters were refused as "request: Value error, q: at most 1000 characters"
    while the limit is 500."""
    response = client.post("/api/v1/search", json={"q": "x" * 10_000})
    assert response.status_code == 400
    assert _one_line(response) == "q: the query is over 500 characters"


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_uploads(client: TestClient, case: str) -> None:
    make, reason = HOSTILE[case]
    response = client.post("/api/v1/upload", files={"file": ("study.zip", make())})
    assert response.status_code == 400 and reason in _one_line(response)


def test_an_upload_named_dot_dot(client: TestClient) -> None:
    response = client.post("/api/v1/upload", files={"file": ("..", plain({"a.txt": b"x"}))})
    assert response.status_code == 400
    assert _one_line(response).startswith("upload.zip: no DICOM study found")


def test_answers_hold_no_server_paths(client: TestClient, tmp_path: object) -> None:
    study = client.get("/api/v1/studies/1.1").json()
    assert "archive_path" not in study["payload"] and "accession_number" not in study["payload"]
    ready = client.get("/readyz").text
    assert str(tmp_path) not in ready and "/" not in ready.replace("`cmr-search index`", "")


def test_a_file_sent_as_text(client: TestClient) -> None:
    """It said "file: Expected UploadFile, received: <class 'str'>"."""
    response = client.post("/api/v1/upload", data={"file": "abc"})
    assert response.status_code in (400, 422)
    assert _one_line(response) == "file: send the study as a file (a .zip), not as text"


def test_two_files_in_one_upload(client: TestClient) -> None:
    """The second `file` part was the study searched with, the first dropped unread."""
    response = client.post("/api/v1/upload", files=[("file", ("a.zip", b"PK")),
                                                    ("file", ("b.zip", b"PK"))])
    assert response.status_code == 400 and _one_line(response) == \
        "file is given 2 times: give it once"


def test_a_nifti_upload_is_told_to_zip_its_patient_folder(client: TestClient) -> None:
    response = client.post("/api/v1/upload", files={"file": ("one.nii.gz", b"\x1f\x8b gz")})
    assert response.status_code == 400
    assert "or one ACDC-style NIfTI patient folder, as one .zip" in _one_line(response)
