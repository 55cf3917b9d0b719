"""The audit trail records who searched for what, opened which study, asked for similar cases,
uploaded and exported; admins list, filter and verify it, and manage users and tokens."""

from __future__ import annotations

import html
from pathlib import Path

from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.web import Secured, csrf_of
from fastapi.testclient import TestClient

from accounts import Role
from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app


def test_what_people_do_is_in_the_trail(secured: Secured) -> None:
    client, curator = secured.client, secured.auth(Role.CURATOR)
    client.get("/api/v1/search", params={"q": "LGE", "vendor": "siemens"}, headers=curator)
    client.get("/api/v1/studies/1.1", headers=curator)
    client.get("/similar/2.1", params={"unlike": "3.1"}, headers=curator)
    client.post("/teaching/add", data={"study_instance_uid": "1.1", "new_name": "Scar"},
                headers=curator)
    client.get("/teaching/1/export.zip", headers=curator)
    client.post("/api/v1/upload", files={"file": ("s.zip", b"not a zip")}, headers=curator)
    client.get("/api/v1/facets", params={"q": "dilated LV"}, headers=curator)
    trail = secured.app.state.audit.entries(user_name="curator")
    seen = [(e.event_id, e.action, e.study_uids) for e in trail]
    assert seen == [("110112", "E", []), ("110103", "R", ["1.1"]),
                    ("110112", "E", ["2.1", "3.1"]),
                    ("110103", "C", []),  # the teaching file 'add' made
                    ("110103", "U", ["1.1"]), ("110103", "R", ["1.1"]),  # the file's page
                    ("110106", "R", ["1.1"]), ("110112", "E", [])]  # counts by free text
    assert trail[-1].detail["q"] == "dilated LV" and trail[-1].detail["facets"] is True
    token_id = secured.tokens[Role.CURATOR].split("_")[1]  # which token: its id, not secret
    assert trail[0].detail == {"q": "LGE", "mode": "both", "filters": {"vendor": ["siemens"]},
                               "token_id": token_id}
    assert all(e.role == "curator" and e.client == "testclient" for e in trail)
    assert all(e.detail["token_id"] == token_id for e in trail)


def test_admins_list_filter_and_verify_the_trail(secured: Secured) -> None:
    client, admin = secured.client, secured.auth(Role.ADMIN)
    client.get("/api/v1/studies/1.1", headers=secured.auth(Role.VIEWER))
    client.get("/api/v1/search", params={"q": "amyloid"}, headers=secured.auth(Role.VIEWER))
    page = client.get("/admin/audit", params={"event": "110112", "verify": "true"},
                      headers=admin)
    assert page.status_code == 200 and "amyloid" in page.text
    assert "Every entry is in place and unchanged" in page.text
    assert "1.1" not in page.text.split("<tbody>")[1]  # filtered to queries only
    # an event code the trail never holds, a range ending before it starts: "No entries"
    for wrong, said in (({"event": "xyz"}, "event 'xyz': not a code the trail holds"),
                        ({"since": "2026-12-07", "until": "2026-12-01"},
                         "until '2026-12-01' is not after since '2026-12-07'")):
        refused = client.get("/admin/audit", params=wrong, headers=admin)
        assert refused.status_code == 400 and said in html.unescape(refused.text)
    by_study = client.get("/admin/audit", params={"study": "1.1"}, headers=admin)
    assert by_study.text.split("<tbody>")[1].count("<tr>") == 1
    # reading the trail is in it: who looked, and for which study or colleague
    used = secured.app.state.audit.entries(event_id="110101")
    assert [(e.user_name, e.study_uids, e.detail.get("event")) for e in used] == [
        ("admin", [], "110112"), ("admin", ["1.1"], None)]
    assert used[0].detail["verified"] is True and used[1].detail["shown"] == 1


def test_admins_add_users_change_roles_and_revoke_tokens(secured: Secured) -> None:
    client = secured.client
    token = csrf_of(client, "/login")
    client.post("/login", data={"name": "admin", "password": "admin password!",
                                "csrf_token": token})
    token = csrf_of(client, "/admin/users")
    added = client.post("/admin/users", data={"name": "newbie", "role": "viewer",
                                              "password": "a long password", "csrf_token":
                                              token}, follow_redirects=False)
    assert added.status_code == 303
    assert client.post("/admin/users", data={"name": "x", "role": "king", "csrf_token":
                                             token}).status_code == 400
    # a field given twice took the last: "role=viewer&role=admin" made an admin
    twice = client.post("/admin/users", content="name=sneaky&role=viewer&role=admin&password="
                        f"a+long+password&csrf_token={token}",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert twice.status_code == 400 and "role is given 2 times" in twice.text
    assert secured.app.state.users.get("sneaky") is None
    for path, form in (("ghost/role", {"role": "curator"}), ("ghost/disable", {}),
                       ("ghost/password", {"password": "a long password"})):
        unknown = client.post(f"/admin/users/{path}", data={**form, "csrf_token": token})
        assert unknown.status_code == 404 and "no user &#39;ghost&#39;" in unknown.text
    client.post("/admin/users/newbie/role", data={"role": "curator", "csrf_token": token})
    assert secured.app.state.users.get("newbie").role is Role.CURATOR
    secured.app.state.tokens.create("newbie", "dead script")
    client.post("/admin/users/newbie/disable", data={"disabled": "true", "csrf_token": token})
    # a disabled account's token was listed as live, with a revoke button and no word
    assert "account disabled</span>" in client.get("/admin/users").text
    viewer_token = secured.tokens[Role.VIEWER].split("_")[1]
    client.post(f"/admin/tokens/{viewer_token}/revoke", data={"csrf_token": token})
    assert client.get("/api/v1/studies/1.1",
                      headers=secured.auth(Role.VIEWER)).status_code == 401
    mine = client.post("/account/tokens", data={"name": "mine", "days": "7",
                                                 "csrf_token": token})
    assert mine.status_code == 200 and "shown this once" in mine.text and "cmrs_" in mine.text
    codes = [e.event_id for e in secured.app.state.audit.entries(user_name="admin")]
    assert codes.count("110136") == 3 and codes.count("110137") == 2  # role, disable, add


def test_an_admin_cannot_lock_themself_out(secured: Secured) -> None:
    """Disabling or demoting oneself left the server with no admin but the CLI."""
    client = secured.client
    client.post("/login", data={"name": "admin", "password": "admin password!",
                                "csrf_token": csrf_of(client, "/login")})
    token = csrf_of(client, "/admin/users")
    off = client.post("/admin/users/admin/disable", data={"csrf_token": token})
    assert off.status_code == 400 and "cannot disable your own account" in off.text
    down = client.post("/admin/users/Admin/role", data={"role": "viewer", "csrf_token": token})
    assert down.status_code == 400 and "admin role from yourself" in down.text  # any case
    assert secured.app.state.users.get("admin").role is Role.ADMIN
    assert client.get("/admin/users").status_code == 200
    # "enable" of an enabled account signed its person out everywhere, the admin too
    same = client.post("/admin/users/admin/disable", data={"disabled": "false",
                                                           "csrf_token": token})
    assert same.status_code == 200
    assert client.get("/admin/users", follow_redirects=False).status_code == 200


def test_the_last_enabled_admin_is_kept(tmp_path: Path) -> None:
    """A loopback server's admin (no account of its own) demoted or disabled the only admin
    account without a word."""
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path, open_role="admin"), engine=engine,
                     open_access=True)
    client = TestClient(app, raise_server_exceptions=False)
    app.state.users.add("alice", Role.ADMIN)
    token = csrf_of(client, "/admin/users")
    for path, form in (("role", {"role": "viewer"}), ("disable", {"disabled": "true"})):
        refused = client.post(f"/admin/users/alice/{path}", data={**form, "csrf_token": token})
        assert refused.status_code == 400, path
        assert "alice is the only enabled admin" in html.unescape(refused.text)
    assert app.state.users.get("alice").role is Role.ADMIN
    app.state.users.add("bob", Role.ADMIN)
    done = client.post("/admin/users/alice/role", data={"role": "viewer", "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303 and app.state.users.get("alice").role is Role.VIEWER


def test_a_time_filter_that_is_not_a_time_is_refused(secured: Secured) -> None:
    """`since=zzz` listed nothing and said nothing (times were compared as text)."""
    page = secured.client.get("/admin/audit", params={"since": "zzz"},
                              headers=secured.auth(Role.ADMIN))
    assert page.status_code == 400 and "ISO 8601" in page.text


def test_credentials_that_prove_nothing_are_in_the_trail(secured: Secured) -> None:
    """A wrong, revoked or made-up token and a missing CSRF token left no entry."""
    client = secured.client
    assert client.get("/api/v1/studies/1.1",
                      headers={"Authorization": "Bearer cmrs_made_up"}).status_code == 401
    client.post("/login", data={"name": "viewer", "password": "viewer password!",
                                "csrf_token": csrf_of(client, "/login")})
    assert client.post("/logout").status_code == 403  # no CSRF token
    alerts = [e for e in secured.app.state.audit.entries(event_id="110113")]
    assert [(e.detail["refused"], e.detail["reason"][:13]) for e in alerts] == [
        ("GET /api/v1/studies/1.1", "the API token"), ("POST /logout", "CSRF token")]


def test_tokens_and_accounts_are_changed_in_person_not_with_a_token(secured: Secured) -> None:
    """A leaked one-day token made itself a year-long one; an admin's token added admins."""
    client = secured.client
    made = client.post("/account/tokens", data={"name": "longer", "days": "366"},
                       headers=secured.auth(Role.CURATOR))
    assert made.status_code == 403 and "not with a token" in made.text
    added = client.post("/admin/users", data={"name": "mallory", "role": "admin"},
                        headers=secured.auth(Role.ADMIN))
    assert added.status_code == 403 and secured.app.state.users.get("mallory") is None
    alerts = secured.app.state.audit.entries(event_id="110113")
    assert [e.detail["reason"] for e in alerts] == ["token, not signed in"] * 2


def test_people_change_their_password_and_admins_reset_one(secured: Secured) -> None:
    """A leaked password could only be handled by disabling the account."""
    client = secured.client
    client.post("/login", data={"name": "curator", "password": "curator password!",
                                "csrf_token": csrf_of(client, "/login")})
    token = csrf_of(client, "/account")
    form = {"current": "curator password!", "new": "a brand new secret", "csrf_token": token}
    differ = client.post("/account/password", data={**form, "again": "another secret!!"})
    assert differ.status_code == 400 and "differ" in differ.text
    wrong = client.post("/account/password", data={**form, "current": "not my password",
                                                    "again": "a brand new secret"})
    assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    done = client.post("/account/password", data={**form, "again": "a brand new secret"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login?changed=1"
    assert client.get("/account", follow_redirects=False).status_code == 303  # signed out
    users = secured.app.state.users
    assert users.authenticate("curator", "curator password!") is None
    assert users.authenticate("curator", "a brand new secret") is not None
    admin = secured.client
    admin.post("/login", data={"name": "admin", "password": "admin password!",
                               "csrf_token": csrf_of(admin, "/login")})
    token = csrf_of(admin, "/admin/users")
    short = admin.post("/admin/users/curator/password", data={"password": "short",
                                                              "csrf_token": token})
    assert short.status_code == 400 and "at least" in short.text
    tokens = secured.app.state.tokens
    leaked = tokens.create("curator", "made with the leaked password")[1]
    reset = admin.post("/admin/users/Curator/password",
                       data={"password": "set by the admin!", "csrf_token": token})
    assert reset.status_code == 200 and users.authenticate("curator", "set by the admin!")
    assert tokens.principal(leaked) is None  # it outlived the reset
    own = admin.post("/admin/users/admin/password",
                     data={"password": "set by myself!!", "csrf_token": token})
    assert own.status_code == 400 and "your account page" in own.text
    users.add("idp-person", Role.VIEWER)  # signs in with the identity provider only
    idp = admin.post("/admin/users/idp-person/password",
                     data={"password": "a local one too", "csrf_token": token})
    assert idp.status_code == 400 and "identity provider" in idp.text
    changes = [e.detail for e in secured.app.state.audit.entries(event_id="110136")]
    assert {"user": "curator", "password": "changed by its owner"} in changes
    assert any(c.get("password") == "set by an administrator" and len(c["tokens_revoked"]) == 2
               for c in changes)  # the test's own token and the leaked one
    assert not any("secret" in str(c) for c in changes)


def test_guessing_the_current_password_is_throttled_as_signing_in_is(secured: Secured) -> None:
    client = secured.client
    client.post("/login", data={"name": "viewer", "password": "viewer password!",
                                "csrf_token": csrf_of(client, "/login")})
    form = {"current": "guess guess guess", "new": "a brand new secret",
            "again": "a brand new secret", "csrf_token": csrf_of(client, "/account")}
    for _ in range(5):
        assert client.post("/account/password", data=form).status_code == 400
    held = client.post("/account/password", data={**form, "current": "viewer password!"})
    assert held.status_code == 429 and "try again in 15 minutes" in held.text
    assert secured.app.state.users.authenticate("viewer", "viewer password!") is not None
