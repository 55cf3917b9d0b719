"""An issuer the settings take is one `OidcConfig` takes, and the other way round: the two
rules disagreed, and `serve` refused (in a traceback) an issuer every command had accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from accounts.oidc import OidcConfig, OidcError
from cmr_search.settings import Settings

ISSUERS = [
    ("https://idp.hospital.example/realms/x", True), ("http://127.0.0.1:8080", True),
    ("http://127.0.0.2:8080", True), ("http://localhost:8080/realms/x", True),
    ("http://LOCALHOST:8080", True), ("http://[::1]:8080", True),
    ("http://[0:0:0:0:0:0:0:1]:8080", True),
    ("http://[::1%25eth0]:8080", False), ("http://idp.hospital.example", False),
    ("http://10.0.0.1", False), ("http://127.1", False), ("ftp://127.0.0.1", False),
    ("https://", False), ("https:///realms/x", False)]


@pytest.mark.parametrize(("issuer", "allowed"), ISSUERS)
def test_the_settings_and_the_provider_take_the_same_issuers(
        tmp_path: Path, issuer: str, allowed: bool) -> None:
    try:
        Settings(data_dir=tmp_path, oidc_issuer=issuer, oidc_client_id="c")
        by_settings = True
    except ValidationError as error:
        assert "must be https (http only on loopback)" in str(error)
        by_settings = False
    try:
        OidcConfig(issuer, "c")
        by_provider = True
    except OidcError as error:
        assert str(error) == f"OIDC issuer {issuer}: must be https (http only on loopback)"
        by_provider = False
    assert (by_settings, by_provider) == (allowed, allowed)
