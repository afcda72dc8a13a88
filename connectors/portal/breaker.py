"""A circuit breaker for the calls to the national portal: closed, open, half-open. Pure: no I/O, no sleeping.

::

    closed ──(failure_threshold consecutive failures)──▶ open ──(open_seconds pass)──▶ half-open
       ▲                                                  ▲                               │
       └───────────────(the probe succeeds)───────────────┼───────────────────────────────┤
                                                          └──────(the probe fails)────────┘

While closed every call goes through. Open, calls are held back for ``open_seconds``: :meth:`acquire` says
how long is left instead of letting the portal be hammered while it is down. Half-open, one probe goes
through; the others are told to come back after ``probe_wait``. What counts as a failure is the caller's
choice (the gateway counts 5xx, timeouts and dropped connections, not refusals or throttling). The clock is
injected, so tests drive time by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

__all__ = ["BreakerState", "CircuitBreaker"]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts consecutive failures and decides whether the next call may go through."""

    def __init__(
        self,
        failure_threshold: int,
        open_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        probe_wait: float = 1.0,
    ) -> None:
        if failure_threshold < 1 or open_seconds <= 0 or probe_wait <= 0:
            raise ValueError("failure_threshold ≥ 1, open_seconds > 0 and probe_wait > 0 are required")
        self.failure_threshold = failure_threshold
        self.open_seconds = open_seconds
        self.probe_wait = probe_wait
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self.times_opened = 0

    @property
    def state(self) -> BreakerState:
        """The state as of now: an open circuit whose time is up reads as half-open."""
        if self._state is BreakerState.OPEN and self._remaining() <= 0:
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def _remaining(self) -> float:
        return self._opened_at + self.open_seconds - self._clock()

    def acquire(self) -> float:
        """0 when a call may go through now (and, half-open, it becomes the probe); else seconds to wait."""
        state = self.state
        if state is BreakerState.CLOSED:
            return 0.0
        if state is BreakerState.OPEN:
            return self._remaining()
        self._state = BreakerState.HALF_OPEN
        if self._probing:
            return self.probe_wait
        self._probing = True
        return 0.0

    def record_success(self) -> None:
        """The portal answered: a half-open circuit closes, the failure count restarts."""
        if self._state is BreakerState.OPEN:
            return  # a late answer to a call admitted before the circuit opened decides nothing
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._probing = False

    def record_failure(self) -> None:
        """The portal did not answer: a failed probe reopens; enough failures in a row open."""
        if self._state is BreakerState.OPEN:
            return
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
            self._open()

    def release(self) -> None:
        """An admitted call ended without a verdict (cancelled): a half-open circuit may probe again."""
        if self._state is BreakerState.HALF_OPEN:
            self._probing = False

    def _open(self) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._probing = False
        self.times_opened += 1
