"""Manners towards a PACS: requests spaced by the rate limit, transient failures retried with
doubling waits, the rest raised at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pacs.client import PacsError, TransientError
from pacs.polite import Manners, Polite


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _scripted(answers: list[object]) -> Callable[[], object]:
    """A request answering with each of `answers` in turn (an exception is raised)."""
    def request() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
    return request


def test_requests_are_spaced_by_the_rate_limit() -> None:
    clock = Clock()
    polite = Polite(Manners(rate_limit=4.0, retries=0), clock, clock.sleep)
    for _ in range(5):
        polite.call("query", lambda: None)
    assert clock.now == pytest.approx(1.0)  # 5 starts at 4/s: the last at t = 1 s
    assert polite.requests == 5


def test_transient_failures_are_retried_with_doubling_backoff() -> None:
    clock = Clock()
    polite = Polite(Manners(rate_limit=0, retries=3, backoff_s=0.5), clock, clock.sleep)
    flaky = _scripted([TransientError("HTTP 503"), TransientError("Timeout"), "ok"])
    assert polite.call("fetch", flaky) == "ok"
    assert clock.sleeps == [0.5, 1.0] and polite.retried == 2


def test_gives_up_after_the_retries_with_the_last_reason() -> None:
    clock = Clock()
    polite = Polite(Manners(rate_limit=0, retries=2, backoff_s=1.0), clock, clock.sleep)

    def down() -> None:
        raise TransientError("WADO-RS series: ConnectionError")

    with pytest.raises(TransientError, match=r"ConnectionError \(after 3 tries\)"):
        polite.call("fetch", down)
    assert clock.sleeps == [1.0, 2.0]


def test_a_refusal_is_not_retried() -> None:
    clock = Clock()
    polite = Polite(Manners(rate_limit=0, retries=5), clock, clock.sleep)
    calls = []

    def refused() -> None:
        calls.append(1)
        raise PacsError("HTTP 401")

    with pytest.raises(PacsError, match="401"):
        polite.call("query", refused)
    assert len(calls) == 1 and not clock.sleeps


def test_manners_are_validated() -> None:
    with pytest.raises(ValueError, match="out of range"):
        Manners(concurrency=0)


def test_a_server_asking_to_wait_is_waited_for_within_reason() -> None:
    """A 429 or 503 with Retry-After was retried after our own 1 s, as fast as before."""
    clock = Clock()
    polite = Polite(Manners(rate_limit=0, retries=3, backoff_s=1.0), clock, clock.sleep)
    busy = _scripted([TransientError("HTTP 429", retry_after_s=30.0),
                      TransientError("HTTP 503", retry_after_s=0.5),
                      TransientError("HTTP 503", retry_after_s=7200.0), "ok"])
    assert polite.call("fetch", busy) == "ok"
    # its 30 s; our 2 s where it asked less; an hour capped at 5 minutes
    assert clock.sleeps == [30.0, 2.0, 300.0]


def test_halt_ends_a_backoff_at_once() -> None:
    """An interrupted run waited out each fetch thread's backoff (up to a minute) first."""
    import threading
    import time

    polite = Polite(Manners(rate_limit=0, retries=3, backoff_s=30.0))
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            polite.call("fetch series", _scripted([TransientError("HTTP 503")] * 4))
        except PacsError as error:
            outcome.append(error)

    worker = threading.Thread(target=fetch)
    started = time.monotonic()
    worker.start()
    time.sleep(0.2)  # in its first 30 s wait
    polite.halt()
    worker.join(5.0)
    assert not worker.is_alive() and time.monotonic() - started < 5.0
    assert "fetch series: stopped (the run was interrupted)" in str(outcome[0])
    polite.resume()
    assert polite.call("again", lambda: 1) == 1
