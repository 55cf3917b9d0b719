"""Signing in: a local password, or the identity provider (authorization code with PKCE); API
bearer tokens from the provider; the audit trail records each sign-in."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.oidc import CLIENT_ID, FakeProvider
from fakes.web import OidcApp, Secured, csrf_of
from fastapi.testclient import TestClient

from accounts import AccountError, OidcConfig, OidcProvider, Role


def test_local_sign_in_sign_out_and_a_wrong_password(secured: Secured) -> None:
    client = secured.client
    token = csrf_of(client, "/login")
    wrong = client.post("/login", data={"name": "curator", "password": "nope nope nope",
                                        "csrf_token": token, "next": "/"})
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    signed = client.post("/login", data={"name": "curator", "password": "curator password!",
                                         "csrf_token": token, "next": "/teaching"},
                         follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/teaching"
    page = client.get("/teaching")
    assert page.status_code == 200 and "curator (curator)" in page.text
    out = client.post("/logout", data={"csrf_token": csrf_of(client, "/teaching")},
                      follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/teaching", follow_redirects=False).status_code == 303
    events = [(e.event_id, e.event_type, e.outcome, e.user_name)
              for e in secured.app.state.audit.entries(event_id="110114")]
    assert events == [("110114", "110122", 4, "curator"), ("110114", "110122", 0, "curator"),
                      ("110114", "110123", 0, "curator")]


def _sign_in(client: TestClient, name: str, password: str) -> Any:
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": csrf_of(client, "/login"), "next": "/"},
                       follow_redirects=False)


def test_guesses_sent_at_once_are_throttled_as_guesses_in_a_row(secured: Secured) -> None:
    """Each attempt was counted before any failure was written: of 60 sent at once, 58
    passwords were checked."""
    from concurrent.futures import ThreadPoolExecutor

    client = secured.client
    token = csrf_of(client, "/login")

    def guess(_: int) -> int:
        return int(client.post("/login", data={"name": "curator", "password": "guess guess!",
                                               "csrf_token": token, "next": "/"},
                               follow_redirects=False).status_code)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(24)))
    assert answers.count(401) == 5 and answers.count(429) == 19


def test_one_address_waiting_for_its_turn_holds_up_no_other(secured: Secured,
                                                             tmp_path: Path) -> None:
    """One lock for every sign-in let a flood of wrong passwords from one address stall
    everyone's: attempts take turns per address."""
    import hashlib

    from cmr_search.locks import held

    def lock_of(address: str) -> Path:
        stripe = hashlib.sha256(address.encode()).hexdigest()[:2]
        return tmp_path / "locks" / f"sign-in-{stripe}"

    assert lock_of("testclient") != lock_of("10.1.2.3")
    elsewhere = TestClient(secured.app, client=("10.1.2.3", 50000))
    with held(lock_of("testclient")):  # an attempt from this address under way
        started = time.monotonic()
        assert _sign_in(elsewhere, "curator", "curator password!").status_code == 303
        assert time.monotonic() - started < 5


def test_a_sign_in_whose_turn_does_not_come_is_told_so_not_throttled(
        secured: Secured, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was told "Too many failed sign-ins: try again in 15 minutes" having failed none."""
    import hashlib

    import web.signin
    from cmr_search.locks import held

    monkeypatch.setattr(web.signin, "_TURN_S", 0.2)
    stripe = hashlib.sha256(b"testclient").hexdigest()[:2]
    _sign_in(secured.client, "viewer", "viewer password!")  # the lock's folder is made
    lock = tmp_path / "locks" / f"sign-in-{stripe}"
    assert lock.stat().st_mode & 0o077 == 0  # no other user of the machine may hold it
    with held(lock):
        busy = _sign_in(secured.client, "curator", "curator password!")
    assert busy.status_code == 429 and "try again in a moment" in busy.text
    assert "failed sign-ins" not in busy.text
    assert _sign_in(secured.client, "curator", "curator password!").status_code == 303


def test_password_guessing_is_throttled_per_account_and_address(secured: Secured) -> None:
    """40 wrong passwords in 7 s were all answered, and the right one straight after let the
    guesser in."""
    client = secured.client
    for _ in range(5):
        assert _sign_in(client, "curator", "guess guess guess").status_code == 401
    held = _sign_in(client, "curator", "curator password!")
    assert held.status_code == 429 and "Too many failed sign-ins" in held.text
    assert held.headers["Retry-After"] == "900"
    # the account's owner at another computer is not locked out by the guesser
    elsewhere = TestClient(secured.app, client=("10.1.2.3", 50000))
    assert _sign_in(elsewhere, "curator", "curator password!").status_code == 303
    # this address may still sign in to another account, until it has failed 20 times
    assert _sign_in(client, "viewer", "viewer password!").status_code == 303
    for k in range(15):  # 5 + 15 failures (the throttled attempt is none)
        _sign_in(client, f"nobody{k}", "guess guess guess")
    assert _sign_in(client, "admin", "admin password!").status_code == 429
    reasons = [e.detail.get("reason") for e in secured.app.state.audit.entries(event_id="110114")
               if e.outcome]
    assert reasons.count("throttled: too many failed sign-ins from this address") == 2
    # attempts refused unread do not count: one a minute kept the address locked for ever
    audit = secured.app.state.audit
    counted = audit.failed_sign_ins("testclient", "admin", 900)
    assert _sign_in(client, "admin", "admin password!").status_code == 429
    assert audit.failed_sign_ins("testclient", "admin", 900) == counted == (0, 20)


def test_signing_out_ends_the_session_on_the_server(secured: Secured) -> None:
    """A saved copy of the cookie was good for 8 hours after sign-out, and an account
    disabled then enabled again brought its old cookies back."""
    client = secured.client
    assert _sign_in(client, "curator", "curator password!").status_code == 303
    saved = dict(client.cookies)
    assert client.post("/logout", data={"csrf_token": csrf_of(client, "/teaching")},
                       follow_redirects=False).status_code == 303
    replay = TestClient(secured.app, cookies=saved)
    assert replay.get("/teaching", follow_redirects=False).status_code == 303  # to /login
    assert _sign_in(client, "curator", "curator password!").status_code == 303  # anew: fine
    assert client.get("/teaching").status_code == 200
    saved = dict(client.cookies)
    secured.app.state.users.set_disabled("curator", True)
    secured.app.state.users.set_disabled("curator", False)
    assert TestClient(secured.app, cookies=saved).get(
        "/teaching", follow_redirects=False).status_code == 303


def test_a_control_character_in_the_name_is_a_wrong_name(secured: Secured) -> None:
    """A NUL reached the database: PostgreSQL answered 500 (and the entry was lost)."""
    answer = _sign_in(secured.client, "vi\x00ewer", "viewer password!")
    assert answer.status_code == 401
    (entry,) = [e for e in secured.app.state.audit.entries(event_id="110114") if e.outcome]
    assert entry.user_name.startswith("unknown:")


def test_a_name_is_one_whatever_its_case(secured: Secured) -> None:
    """"Viewer" and "viewer" were two names: a second account, and a sign-in refused."""
    assert _sign_in(secured.client, "VIEWER", "viewer password!").status_code == 303
    trail = secured.app.state.audit
    assert [e.user_name for e in trail.entries(event_id="110114")] == ["viewer"]
    with pytest.raises(AccountError, match="exists"):
        secured.app.state.users.add("Viewer", Role.ADMIN, "another password!")


def test_a_failed_sign_in_keeps_no_unknown_name_as_typed(secured: Secured) -> None:
    """A password typed into the name field was kept for every admin to read. A known name
    is kept as the account's; an unknown one as a digest, by which the throttle still counts
    its failures."""
    client = secured.client
    assert _sign_in(client, "Viewer", "wrong password!").status_code == 401
    for typed in ("Hunter2-secret", "hunter2-SECRET"):
        assert _sign_in(client, typed, "viewer password!").status_code == 401
    names = [e.user_name for e in secured.app.state.audit.entries(event_id="110114")]
    assert names[0] == "viewer"
    assert names[1] == names[2] and names[1].startswith("unknown:")
    assert "unter2" not in str([e.as_dict() for e in secured.app.state.audit.entries()])


def test_sign_in_goes_only_to_paths_on_this_site(secured: Secured) -> None:
    client = secured.client
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = csrf_of(client, "/login")
        signed = client.post("/login", data={"name": "viewer", "password": "viewer password!",
                                             "csrf_token": token, "next": target},
                             follow_redirects=False)
        assert signed.headers["location"] == "/"




def test_oidc_sign_in_with_pkce(provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app()
    assert "Sign in with the hospital account" in client.get("/login").text
    started = client.get("/auth/oidc", params={"next": "/teaching"}, follow_redirects=False)
    assert started.status_code == 303 and "code_challenge=" in started.headers["location"]
    back = provider.authorize(started.headers["location"],
                              {"sub": "u-17", "preferred_username": "dr.house",
                               "roles": ["curator"]})
    done = client.get(back.replace("http://testserver", ""), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/teaching"
    assert "dr.house (curator)" in client.get("/teaching").text
    # the same code cannot be used twice, and a callback that did not start here is refused
    replay = client.get(back.replace("http://testserver", ""))
    assert replay.status_code == 400 and "did not start here" in replay.text
    refused = client.get("/auth/callback", params={"error": "access_denied"})
    assert refused.status_code == 400
    trail = client.app.state.audit.entries(event_id="110114")  # type: ignore[attr-defined]
    reasons = [e.detail.get("reason", "") for e in trail if e.outcome]
    assert any("did not start here" in r for r in reasons)  # the replay, in the trail
    assert "identity provider callback: the identity provider said access_denied" in reasons
    forged = client.get("/auth/callback", params={"error": "<script>x</script>"})
    assert "<script>x" not in forged.text and "the identity provider said an error" in \
        forged.text


def test_refused_callbacks_do_not_lock_out_password_sign_in(secured: Secured) -> None:
    """20 cross-site GETs of /auth/callback (hidden images on any page) counted as failed
    sign-ins: the address, a whole hospital behind one proxy, got 429 for 15 minutes."""
    from accounts import OidcConfig as Config

    secured.app.state.oidc = OidcProvider(Config("https://idp.example", CLIENT_ID))
    for _ in range(25):
        assert secured.client.get("/auth/callback", params={"state": "x"}).status_code == 400
    assert _sign_in(secured.client, "curator", "curator password!").status_code == 303
    secured.app.state.oidc = None
    assert secured.client.get("/auth/callback").status_code == 404  # none configured


def test_a_tampered_pkce_verifier_is_refused_by_the_provider(tmp_path: Path,
                                                             provider: FakeProvider) -> None:
    oidc = OidcProvider(OidcConfig(provider.issuer, CLIENT_ID))
    started = oidc.start("http://testserver/auth/callback")
    back = provider.authorize(started.url, {"sub": "u-1"})
    code = back.split("code=")[1].split("&")[0]
    from accounts import OidcError

    with pytest.raises(OidcError, match="token exchange"):
        oidc.finish(code, "http://testserver/auth/callback", "x" * 64, started.nonce)


def test_provider_bearer_tokens_for_the_api(provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app()

    def get(token: str) -> Any:
        return client.get("/api/v1/studies/1.1", headers={"Authorization": f"Bearer {token}"})

    good = provider.sign({"sub": "u-2", "preferred_username": "script", "roles": "clinician"})
    assert get(good).status_code == 200 and get(good).json()["payload"]["impression"]
    # access tokens as Keycloak makes them: its "account" audience beside ours, a nonce
    keycloak = provider.sign({"sub": "u-2", "roles": "clinician", "typ": "Bearer",
                              "nonce": "n-2", "scope": "openid profile", "azp": "script",
                              "aud": [CLIENT_ID, "account"]})
    assert get(keycloak).status_code == 200
    viewer = provider.sign({"sub": "u-3", "preferred_username": "student"})  # default role
    assert get(viewer).status_code == 200 and "impression" not in get(viewer).json()["payload"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = [provider.sign({"sub": "u-2"}, aud="another-app"),
               provider.sign({"sub": "u-2"}, exp=int(time.time()) - 3600),
               provider.sign({"sub": "u-2"}, iss="https://evil.example"),
               provider.sign({"sub": "u-2"}, key=other_key), "not.a.jwt",
               # a browser sign-in's ID token (it was an API credential)
               provider.sign({"sub": "u-2", "nonce": "n-1"}),
               provider.sign({"sub": "u-2", "typ": "ID"})]
    for token in refused:
        response = get(token)
        assert response.status_code == 401, token
        assert "\n" not in response.json()["detail"]


def test_no_default_role_refuses_people_the_token_gives_none(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    client = oidc_app(oidc_default_role=None)
    token = provider.sign({"sub": "u-9"})
    response = client.get("/api/v1/studies/1.1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "no cmr-search role" in response.json()["detail"]


def test_a_role_the_provider_withdraws_is_withdrawn_here(
        tmp_path: Path, provider: FakeProvider, oidc_app: OidcApp) -> None:
    """A token naming no role (or only unknown ones) after an admin one left the account
    admin; with roles given here (`local`), the token's claim is not read."""
    client = oidc_app()
    def role_with(claims: dict[str, Any]) -> str:
        token = provider.sign({"sub": "u-7", **claims})
        client.get("/api/v1/studies/1.1", headers={"Authorization": f"Bearer {token}"})
        return client.app.state.users.get("u-7").role.value  # type: ignore[attr-defined,no-any-return]

    assert role_with({"roles": ["admin"]}) == "admin"
    assert role_with({}) == "viewer" and role_with({"roles": ["admin"]}) == "admin"
    assert role_with({"roles": ["superuser"]}) == "viewer"
    made = [(e.action, e.detail["role"]) for e in client.app.state.audit.entries(  # type: ignore[attr-defined]
        event_id="110136") if e.detail.get("by") == "identity provider"]
    assert made == [("C", "admin"), ("U", "viewer"), ("U", "admin"), ("U", "viewer")]
    local = oidc_app(data_dir=tmp_path / "local", oidc_role_source="local")
    token = provider.sign({"sub": "u-8", "roles": ["admin"]})
    local.get("/api/v1/studies/1.1", headers={"Authorization": f"Bearer {token}"})
    assert local.app.state.users.get("u-8").role.value == "viewer"  # type: ignore[attr-defined]


def test_the_issuer_must_be_https_unless_on_loopback() -> None:
    from accounts import OidcError

    with pytest.raises(OidcError, match="must be https"):
        OidcConfig("http://idp.hospital.example", CLIENT_ID)
    assert Role.ADMIN.allows(Role.VIEWER) and not Role.VIEWER.allows(Role.CLINICIAN)


def test_a_form_sent_after_the_session_ended_goes_to_sign_in(secured: Secured) -> None:
    """It answered a browser with raw JSON ({"detail": "sign in first"})."""
    sent = secured.client.post("/teaching", data={"name": "x"}, follow_redirects=False,
                               headers={"Accept": "text/html", "Referer":
                                        "https://elsewhere.example/teaching?x=1"})
    assert sent.status_code == 303 and sent.headers["location"] == "/login?next=/teaching"
    script = secured.client.post("/teaching", data={"name": "x"})
    assert script.status_code == 401 and script.json()["detail"]
    token = "cmrs_abc123_not-the-secret"
    refused = secured.client.get("/api/v1/studies/1.1",
                                 headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and "token abc123 is unknown" in refused.text
    alerts = secured.app.state.audit.entries(event_id="110113")
    assert any("abc123" in str(e.detail) for e in alerts)
    assert not any("not-the-secret" in str(e.detail) for e in alerts)


def test_a_disabled_provider_account_is_told_so_not_no_role(
        provider: FakeProvider, oidc_app: OidcApp) -> None:
    """It was told it had no cmr-search role, and asked an administrator for one."""
    client = oidc_app()
    token = provider.sign({"sub": "u-5", "preferred_username": "erin", "roles": ["viewer"]})
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/studies/1.1", headers=headers).status_code == 200
    client.app.state.users.set_disabled("erin", True)  # type: ignore[attr-defined]
    refused = client.get("/api/v1/studies/1.1", headers=headers)
    assert refused.status_code == 401 and "account is disabled" in refused.json()["detail"]
    started = client.get("/auth/oidc", follow_redirects=False)
    back = provider.authorize(started.headers["location"],
                              {"sub": "u-5", "preferred_username": "erin", "roles": ["viewer"]})
    page = client.get(back.replace("http://testserver", ""))
    assert page.status_code == 403 and "account is disabled" in page.text


@pytest.mark.parametrize("fault", ["down", "unreachable"])
def test_a_sign_in_started_while_the_provider_does_not_answer_is_503(
        provider: FakeProvider, oidc_app: OidcApp, fault: str) -> None:
    """It was a 502 "Sign-in is not available" showing the discovery URL, where the callback,
    the API and the health probes say 503, try again, and name no host."""
    client = oidc_app()
    provider.discovery_fails = fault == "down"  # its server's error (HTTP 503)
    if fault == "unreachable":  # nothing listens there
        client.app.state.oidc = OidcProvider(  # type: ignore[attr-defined]
            OidcConfig("http://127.0.0.1:1", CLIENT_ID))
    started = client.get("/auth/oidc", follow_redirects=False)
    assert started.status_code == 503 and started.headers["retry-after"] == "30"
    assert "The identity provider does not answer" in started.text
    assert "the sign-in could not be started: try again in a minute" in started.text
    assert "127.0.0.1" not in started.text and "openid-configuration" not in started.text
