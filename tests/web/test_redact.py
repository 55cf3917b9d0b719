"""Less data out: what each role sees of a study through the API."""

from __future__ import annotations

from pathlib import Path

from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.web import Secured
from fastapi.testclient import TestClient

from accounts import Role
from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app


def test_a_viewer_sees_no_report_text_and_dates_as_a_year(secured: Secured) -> None:
    viewer = secured.client.get("/api/v1/studies/1.1", headers=secured.auth(Role.VIEWER))
    payload = viewer.json()["payload"]
    assert "impression" not in payload and "report" not in payload
    assert payload["study_date"] is None or len(payload["study_date"]) == 4
    assert "report_findings" in payload  # the labels stay: they are what a viewer searches by
    found = secured.client.get("/api/v1/search", params={"q": "LGE"},
                               headers=secured.auth(Role.VIEWER)).json()["results"]
    assert found and all(r["impression"] == "" for r in found)
    assert all(not r["explanation"]["sentences"] for r in found)
    clinician = secured.client.get("/api/v1/studies/1.1", headers=secured.auth(Role.CLINICIAN))
    assert clinician.json()["payload"]["impression"]


def test_identifiers_only_for_clinicians_and_only_when_asked(tmp_path: Path) -> None:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    for expose in (False, True):
        app = create_app(Settings(data_dir=tmp_path / str(expose), expose_identifiers=expose),
                         engine=engine)
        app.state.users.add("c", Role.CLINICIAN)
        app.state.users.add("v", Role.VIEWER)
        client = TestClient(app)
        for name, sees in (("c", expose), ("v", False)):
            token = app.state.tokens.create(name, "t")[1]
            payload = client.get("/api/v1/studies/1.1", headers={
                "Authorization": f"Bearer {token}"}).json()["payload"]
            assert ("accession_number" in payload) is sees
            assert "fingerprint" not in payload


def test_a_failure_reason_shows_no_folder_to_anyone() -> None:
    """Indexed before the indexer left paths out, a reason named the export's folder (the
    patient's ID in it) on the page of every role."""
    from accounts import Principal, Via
    from web.redact import payload_for

    stored = {"study_instance_uid": "1.1", "measurement_status": "failed",
              "measurement_error": "StudyReadError: /exports/PAT0042/2013: the short-axis "
                                   "cine has a single slice"}
    for role in Role:
        shown = payload_for(stored, Principal("x", role, Via.SESSION), Settings())
        assert shown["measurement_error"] == ("StudyReadError: the short-axis cine has a "
                                              "single slice")


def test_a_viewer_walks_every_page_of_a_reported_study(secured: Secured) -> None:
    """The study page answered a viewer 500 (its report sentences were left out, and the page
    read them); every page said "No report" of a study whose report was only hidden."""
    headers = secured.auth(Role.VIEWER)
    impression = "Transmural LGE in the LAD territory"
    for page in ("/study/1.1", "/similar/1.1", "/compare?a=1.1&b=2.1", "/?q=LGE&all=1"):
        shown = secured.client.get(page, headers=headers)
        assert shown.status_code == 200, (page, shown.text[-300:])
        assert impression not in shown.text and "Dilated LV" not in shown.text, page
        assert "Report not shown to your role." in shown.text, page
    clinician = secured.client.get("/study/1.1", headers=secured.auth(Role.CLINICIAN))
    assert impression in clinician.text and "not shown to your role" not in clinician.text
