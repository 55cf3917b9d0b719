"""`OidcProvider.problem`: the provider asked at start and by /readyz, briefly and seldom."""

from __future__ import annotations

from fakes.oidc import CLIENT_ID, fake_provider

from accounts.oidc import OidcConfig, OidcProvider


def test_a_provider_down_is_said_then_asked_again_only_after_a_while() -> None:
    with fake_provider() as provider:
        provider.discovery_fails = True
        oidc = OidcProvider(OidcConfig(provider.issuer, CLIENT_ID))
        found = oidc.problem(every_s=3600)
        assert found is not None and found.summary == "it does not answer (HTTPStatusError)"
        assert provider.issuer in str(found)  # the log's line names it; the summary does not
        provider.discovery_fails = False
        assert oidc.problem(every_s=3600) is found  # not asked again so soon
        assert oidc.problem(every_s=0) is None  # up again: said as soon as asked
        provider.discovery_fails = True
        assert oidc.problem(every_s=0) is None  # known now: sign-in works from what it has


def test_the_check_is_short() -> None:
    import time

    # a black-holed address: the check gives up after its own timeout, not the 10 s of a sign-in
    oidc = OidcProvider(OidcConfig("https://10.255.255.1", CLIENT_ID))
    started = time.monotonic()
    found = oidc.problem(timeout_s=0.5)
    assert found is not None and time.monotonic() - started < 5
