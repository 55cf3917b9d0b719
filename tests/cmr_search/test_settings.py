"""The one settings object: from the environment, validated, light to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from cmr_search.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_read_from_the_environment_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "3")
    monkeypatch.setenv("CMR_SEARCH_LOG_LEVEL", "debug")
    settings = Settings()
    assert settings.worker_count == 3 and settings.log_level == "DEBUG"


def test_a_worker_count_no_machine_runs_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """CMR_SEARCH_WORKERS=100000 forked over 3,000 index workers before memory ran out."""
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "100000")
    with pytest.raises(ValidationError, match="workers"):
        Settings()
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "256")
    assert Settings().worker_count == 256


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMR_SEARCH_QDRANT_URL", "ftp://nowhere")
    with pytest.raises(ValidationError, match="qdrant_url"):
        Settings()


@pytest.mark.parametrize(("value", "role"), [("", None), ("none", None), (" Curator ", "curator"),
                                           ("viewer", "viewer")])
def test_an_empty_default_role_refuses_a_first_sign_in_without_one(
        monkeypatch: pytest.MonkeyPatch, value: str, role: str | None) -> None:
    """README: "(empty: refuse)"; an empty value stopped every command instead."""
    monkeypatch.setenv("CMR_SEARCH_OIDC_DEFAULT_ROLE", value)
    assert Settings().oidc_default_role == role


def test_the_model_device_is_auto_cpu_or_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().device == "auto"
    monkeypatch.setenv("CMR_SEARCH_DEVICE", "cuda:1")
    assert Settings().device == "cuda:1"
    monkeypatch.setenv("CMR_SEARCH_DEVICE", "tpu")
    with pytest.raises(ValidationError, match="device"):
        Settings()


def test_the_ground_imports_no_model_and_no_store() -> None:
    code = ("import sys, cmr_search.settings, cmr_search.vocab, cmr_search.layout; "
            "print(sorted(m for m in ('torch', 'cmrclip', 'qdrant_edge', 'qdrant_client', "
            "'pydicom') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_viewer_url_is_an_http_template_with_the_study_uid() -> None:
    good = "https://viewer/viewer?StudyInstanceUIDs={study_instance_uid}"
    assert Settings(viewer_url=good).viewer_url == good
    assert Settings(viewer_url="").viewer_url is None
    for bad in ("https://viewer/viewer", "javascript:alert(1)//{study_instance_uid}"):
        with pytest.raises(ValidationError, match="viewer_url"):
            Settings(viewer_url=bad)


def test_a_misspelt_setting_is_named_with_the_one_it_likely_meant() -> None:
    """CMR_SEARCH_DATADIR was ignored without a word: the index went to ./data."""
    from cmr_search.settings import unknown_settings

    lines = unknown_settings({"CMR_SEARCH_DATADIR": "/srv", "CMR_SEARCH_DATA_DIR": "/srv",
                              "CMR_SEARCH_FOO": "1", "CMR_SEARCH_SCREENSHOTS": "x",
                              "HOME": "/root"})
    assert lines == ["CMR_SEARCH_DATADIR names no setting and is ignored (did you mean "
                     "CMR_SEARCH_DATA_DIR?)", "CMR_SEARCH_FOO names no setting and is ignored"]


@pytest.mark.parametrize(("issuer", "allowed"), [
    ("https://idp.hospital.example/realms/x", True), ("http://127.0.0.1:8080", True),
    ("http://localhost:8080/realms/x", True), ("http://[::1]:8080", True),
    ("http://idp.hospital.example", False), ("ftp://x", False), ("https://", False)])
def test_the_issuer_is_https_or_on_loopback(monkeypatch: pytest.MonkeyPatch, issuer: str,
                                            allowed: bool) -> None:
    """An http issuer elsewhere was refused by `serve` only, in a traceback, after the index
    and the model had loaded; other commands took it."""
    monkeypatch.setenv("CMR_SEARCH_OIDC_ISSUER", issuer)
    monkeypatch.setenv("CMR_SEARCH_OIDC_CLIENT_ID", "c")
    if allowed:
        assert Settings().oidc_issuer == issuer
    else:
        with pytest.raises(ValidationError, match=r"must be https \(http only on loopback\)"):
            Settings()


@pytest.mark.parametrize(("given", "refused", "reason"), [
    ({"OIDC_ISSUER": "https://idp.example"}, "oidc_client_id",
     "required with CMR_SEARCH_OIDC_ISSUER"),
    ({"OIDC_CLIENT_ID": "c"}, "oidc_client_id", "set without CMR_SEARCH_OIDC_ISSUER"),
    ({"OIDC_CLIENT_SECRET": "s"}, "oidc_client_secret", "set without CMR_SEARCH_OIDC_ISSUER"),
    ({"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": " "}, "oidc_client_id",
     "required with")])
def test_the_issuer_and_the_client_id_come_together(
        monkeypatch: pytest.MonkeyPatch, given: dict[str, str], refused: str,
        reason: str) -> None:
    """An issuer without a client ID turned provider sign-in off (/auth/oidc 404), and a
    client ID or secret without an issuer was ignored, both without a word."""
    for name, value in given.items():
        monkeypatch.setenv(f"CMR_SEARCH_{name}", value)
    with pytest.raises(ValidationError) as error:
        Settings()
    [first] = error.value.errors()
    assert first["loc"] == (refused,) and reason in first["msg"]
    monkeypatch.setenv("CMR_SEARCH_OIDC_ISSUER", "https://idp.example")
    monkeypatch.setenv("CMR_SEARCH_OIDC_CLIENT_ID", "c")
    assert Settings().oidc_client_id == "c"


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("OIDC_ISSUER", "http://localhost:abc", "a port from 1 to 65535, not 'abc'"),
    ("OIDC_ISSUER", "https://idp.example:99999", "a port from 1 to 65535, not '99999'"),
    ("OIDC_ISSUER", "http://user:secret@localhost:8080", "no user name or password"),
    ("QDRANT_URL", "http://localhost:abc", "a port from 1 to 65535, not 'abc'"),
    ("QDRANT_URL", "http://::1:6333", "an IPv6 address goes in [brackets]"),
    ("PUBLIC_URL", "https://search.example:0", "a port from 1 to 65535, not 0"),
    ("VIEWER_URL", "https://viewer:abc/v?uid={study_instance_uid}", "a port from 1 to 65535")])
def test_a_url_setting_a_client_cannot_reach_is_refused_at_once(
        monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str) -> None:
    """http://localhost:abc passed the settings and failed at the first request: a sign-in's
    discovery (a 502 page), a search's Qdrant."""
    monkeypatch.setenv(f"CMR_SEARCH_{name}", value)
    monkeypatch.setenv("CMR_SEARCH_OIDC_CLIENT_ID", "c")
    if name != "OIDC_ISSUER":  # with its client id, which is set with it
        monkeypatch.setenv("CMR_SEARCH_OIDC_ISSUER", "https://idp.example")
    with pytest.raises(ValidationError) as error:
        Settings()
    [first] = error.value.errors()
    assert first["loc"] == (name.lower(),) and reason in first["msg"]
    assert "secret" not in first["msg"]
