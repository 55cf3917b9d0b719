"""Manners towards a production PACS: a request rate limit, a cap on requests in flight, and
retries with exponential backoff on transient failures (5xx, timeouts, refused connections)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pacs.client import PacsError, TransientError

logger = logging.getLogger(__name__)

T = TypeVar("T")
_MAX_BACKOFF_S = 60.0
# a Retry-After is honoured up to this; a server asking for an hour gets our retries sooner
# (the run would otherwise sit still), and fails the study once they are spent
_MAX_RETRY_AFTER_S = 300.0


@dataclass(frozen=True)
class Manners:
    """`rate_limit` requests per second at most (0: none), `concurrency` in flight at most,
    `retries` more tries after a transient failure, the first after `backoff_s` seconds."""

    rate_limit: float = 10.0
    concurrency: int = 2
    retries: int = 4
    backoff_s: float = 1.0

    def __post_init__(self) -> None:
        if self.rate_limit < 0 or self.concurrency < 1 or self.retries < 0 or self.backoff_s < 0:
            raise ValueError(f"PACS manners out of range: {self}")


class Polite:
    """Every PACS request goes through `call`; shared by the threads that fetch studies."""

    def __init__(self, manners: Manners, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] | None = None) -> None:
        self.manners = manners
        self._halted = threading.Event()
        # waits end at `halt()`: an interrupted run waited out every thread's backoff (up to
        # a minute, five with a Retry-After) before it stopped
        self._clock, self._sleep = clock, sleep or self._halted.wait
        self._slots = threading.BoundedSemaphore(manners.concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self.requests = 0
        self.retried = 0

    def halt(self) -> None:
        """Stop: waits end now, and no request starts until `resume()`."""
        self._halted.set()

    def resume(self) -> None:
        self._halted.clear()

    def _check(self, what: str) -> None:
        if self._halted.is_set():
            raise PacsError(f"{what}: stopped (the run was interrupted)")

    def _wait_turn(self) -> None:
        """Space request starts 1/rate_limit seconds apart (across every thread)."""
        if self.manners.rate_limit <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + 1.0 / self.manners.rate_limit
        if start > now:
            self._sleep(start - now)

    def call(self, what: str, request: Callable[[], T]) -> T:
        """`request()` with the rate limit and retries; the last TransientError is raised
        (its message prefixed with how many tries were made) when every try failed."""
        attempts = self.manners.retries + 1
        for attempt in range(attempts):
            self._check(what)
            self._wait_turn()
            self._check(what)
            with self._slots:
                self.requests += 1
                try:
                    return request()
                except TransientError as error:
                    if attempt == attempts - 1:
                        raise TransientError(f"{error} (after {attempts} tries)") from error
                    failure = error
            delay = min(self.manners.backoff_s * 2 ** attempt, _MAX_BACKOFF_S)
            if failure.retry_after_s is not None:  # the server's own word, within reason
                delay = max(delay, min(failure.retry_after_s, _MAX_RETRY_AFTER_S))
            self.retried += 1
            logger.info("%s failed (%s); retry %d of %d in %.1f s", what, failure,
                        attempt + 1, self.manners.retries, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")
