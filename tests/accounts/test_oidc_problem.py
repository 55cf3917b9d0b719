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


def test_concurrent_checks_are_not_queued_behind_each_other() -> None:
    """Each /readyz waited its turn for the lock, then asked again with its own timeout: four
    probes at once held the last for four timeouts; one behind a sign-in's fetch, for 10 s."""
    import socket
    import time
    from concurrent.futures import ThreadPoolExecutor

    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        oidc = OidcProvider(OidcConfig(f"http://127.0.0.1:{silent.getsockname()[1]}",
                                       CLIENT_ID))
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: oidc.problem(timeout_s=0.5), range(4)))
        assert time.monotonic() - started < 1.4
        with ThreadPoolExecutor(1) as pool, oidc._lock:  # a sign-in's fetch under way
            asked = pool.submit(oidc.problem, timeout_s=0.3, every_s=0)
            assert asked.result(timeout=1) is not None
