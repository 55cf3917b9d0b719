"""Teaching files from a live audit: administrators moderate any file, a refused read is in
the trail, each refusal has its status, forms show to the roles that may use them, a typed
note survives its refusal, and a study gone from the index keeps its UID from a viewer."""

from __future__ import annotations

import sys

import pytest
from fakes.web import Secured

from accounts import Role
from db import TeachingFiles


def _alerts(secured: Secured, user: str) -> list[int]:
    return [e.detail.get("teaching_file") for e in secured.app.state.audit.entries(
        event_id="110113") if e.user_name == user]


def test_an_administrator_finds_and_takes_down_a_file_whose_owner_left(
        secured: Secured) -> None:
    """Delete, un-share and remove answered "only its owner may ..." to an administrator, a
    disabled owner's file stayed shared, and no page listed it."""
    client, files = secured.client, secured.app.state.teaching
    left = files.create("curator", "Left behind")
    files.add(left, "curator", "1.1", "", "")
    files.add(left, "curator", "2.1", "", "")
    files.share(left, "curator", "viewer", "read")
    secured.app.state.users.set_disabled("curator", True)
    admin = secured.auth(Role.ADMIN)
    listing = client.get("/teaching", headers=admin)
    assert "Left behind" in listing.text and "curator (not yours" in listing.text
    page = client.get(f"/teaching/{left}", headers=admin)
    assert page.status_code == 200 and "Stop sharing with viewer" in page.text
    assert "Remove from this file" in page.text and "Edit note and tags" not in page.text
    case = files.cases(left)[0]
    for path, form in ((f"/teaching/{left}/remove/{case.id}", {}),
                       (f"/teaching/{left}/share", {"grantee": "viewer", "access": "none"}),
                       (f"/teaching/{left}/delete", {"confirm": "on"})):
        done = client.post(path, data=form, headers=admin, follow_redirects=False)
        assert done.status_code == 303, (path, done.text)
        if path.endswith("share"):
            assert files.collection(left, "viewer") is None
    assert not files.exists(left)
    trail = [e for e in secured.app.state.audit.entries(user_name="admin")
             if e.detail.get("teaching_file") == left and e.detail.get("change")]
    assert [(e.detail["change"], e.detail["owner"]) for e in trail] == [
        ("remove case", "curator"), ("share", "curator"), ("delete teaching file", "curator")]
    assert trail[-1].study_uids == ["2.1"]


def test_an_administrator_only_withdraws_a_share_of_a_file_not_theirs(
        secured: Secured) -> None:
    files = secured.app.state.teaching
    theirs = files.create("curator", "Theirs")
    shared = secured.client.post(f"/teaching/{theirs}/share", headers=secured.auth(Role.ADMIN),
                                 data={"grantee": "viewer", "access": "read"})
    assert shared.status_code == 403 and "an administrator may stop sharing it" in shared.text
    assert files.collection(theirs, "viewer") is None


def test_a_refused_read_is_in_the_trail_and_a_missing_file_is_not(secured: Secured) -> None:
    """Reading a file not shared with one left no entry, while a refused change did."""
    client, files = secured.client, secured.app.state.teaching
    private = files.create("curator", "Private")
    viewer = secured.auth(Role.VIEWER)
    for path in (f"/teaching/{private}", f"/teaching/{private}/export.zip",
                 "/teaching/999", "/teaching/999/export.zip"):
        answer = client.get(path, headers=viewer)
        assert answer.status_code == 404 and "no teaching file" in answer.text, path
    assert _alerts(secured, "viewer") == [private, private]


def test_two_creates_of_one_name_record_it_created_once(
        secured: Secured, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both requests looked, found none, and each recorded "created"."""
    real = TeachingFiles.find

    def racing(self: TeachingFiles, owner: str, name: str) -> int | None:
        """Every look before an insert finds none (the other request's is not in yet); one
        after the insert was refused finds it."""
        return real(self, owner, name) if sys.exc_info()[0] is not None else None

    monkeypatch.setattr(TeachingFiles, "find", racing)
    curator = secured.auth(Role.CURATOR)
    where = {secured.client.post("/teaching", data={"name": "Race"}, headers=curator,
                                 follow_redirects=False).headers["location"] for _ in (1, 2)}
    assert len(where) == 1
    created = secured.app.state.audit.entries(user_name="curator")
    assert [e.action for e in created] == ["C"]


def test_edit_is_shared_with_an_editing_role_only_and_forms_follow_the_role(
        secured: Secured) -> None:
    """"viewer may edit" was accepted and shown; a curator demoted to viewer saw Share and
    Delete forms that answered 403."""
    client, files = secured.client, secured.app.state.teaching
    mine = files.create("curator", "Mine")
    curator = secured.auth(Role.CURATOR)
    refused = client.post(f"/teaching/{mine}/share", data={"grantee": "viewer",
                                                           "access": "edit"}, headers=curator)
    assert refused.status_code == 400 and "share it to read" in refused.text
    assert files.collection(mine, "curator").shares == {}
    assert "Share</button>" in client.get(f"/teaching/{mine}", headers=curator).text
    secured.app.state.users.set_role("curator", Role.VIEWER)
    secured.app.state.tokens.forget()  # as the admin page does after a role change
    page = client.get(f"/teaching/{mine}", headers=curator).text
    assert "Share</button>" not in page and "Delete</button>" not in page


def test_each_refusal_answers_its_status(secured: Secured) -> None:
    """A file or case that is not there was 400; a change to a file one reads only, 400."""
    client, files = secured.client, secured.app.state.teaching
    mine = files.create("curator", "Mine")
    files.share(mine, "curator", "admin", "read")
    curator, admin = secured.auth(Role.CURATOR), secured.auth(Role.ADMIN)
    for path, form, status in (
            ("/teaching/add", {"study_instance_uid": "1.1", "collection_id": "999"}, 404),
            (f"/teaching/{mine}/remove/9999", {}, 404),
            (f"/teaching/{mine}/edit/9999", {"note": "x"}, 404),
            ("/teaching/add", {"study_instance_uid": "1.1", "collection_id": "0"}, 400)):
        answer = client.post(path, data=form, headers=curator)
        assert answer.status_code == status, (path, answer.status_code)
    added = client.post("/teaching/add", headers=admin,  # shared with the admin to read
                        data={"study_instance_uid": "1.1", "collection_id": str(mine)})
    assert added.status_code == 403 and "to read, not to edit" in added.text
    files.add(mine, "curator", "1.1", "", "")
    edited = client.post(f"/teaching/{mine}/edit/{files.cases(mine)[0].id}", headers=admin,
                         data={"note": "bell\x07"})  # who may edit, before what was typed
    assert edited.status_code == 403
    assert _alerts(secured, "curator") == [] and _alerts(secured, "admin") == [mine, mine]


def test_a_note_typed_with_crlf_is_counted_as_typed_and_kept_when_refused(
        secured: Secured) -> None:
    """4,000 characters with CRLF line breaks counted 4,010 and were refused, on a page with
    no form: the note was lost."""
    client, files = secured.client, secured.app.state.teaching
    mine = files.create("curator", "Mine")
    files.add(mine, "curator", "1.1", "", "")
    [case] = files.cases(mine)
    curator = secured.auth(Role.CURATOR)
    note = "\r\n".join(["x" * 99] * 40) + "."  # 4,000 as typed, 4,039 as sent
    assert len(note.replace("\r\n", "\n")) == 4000 < len(note)
    saved = client.post(f"/teaching/{mine}/edit/{case.id}", data={"note": note},
                        headers=curator, follow_redirects=False)
    assert saved.status_code == 303 and files.cases(mine)[0].note == note.replace("\r\n", "\n")
    typed = "kept-marker " + "n" * 4000
    refused = client.post(f"/teaching/{mine}/edit/{case.id}", data={"note": typed,
                                                                   "tags": "rare"},
                          headers=curator)
    assert refused.status_code == 400 and "note: at most 4000 characters" in refused.text
    assert f">{typed}</textarea>" in refused.text and 'value="rare"' in refused.text
    assert files.cases(mine)[0].note == note.replace("\r\n", "\n")  # unchanged


def test_a_viewer_is_not_shown_the_uid_of_a_study_gone_from_the_index(
        secured: Secured) -> None:
    """After a de-identified rebuild the stored (original) UID was a link on the page."""
    client, files = secured.client, secured.app.state.teaching
    mine = files.create("curator", "Mine")
    files.add(mine, "curator", "9.9.original.uid", "", "")
    files.share(mine, "curator", "viewer", "read")
    page = client.get(f"/teaching/{mine}", headers=secured.auth(Role.VIEWER)).text
    assert "9.9.original.uid" not in page and "a study no longer in the index" in page
    curator = client.get(f"/teaching/{mine}", headers=secured.auth(Role.CURATOR)).text
    assert "study 9.9.original.uid, no longer in the index" in curator
