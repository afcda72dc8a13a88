"""A token-bucket rate limiter for the calls to the national portal, shared by every task of the connector.

The bucket holds up to ``burst`` tokens and refills at ``rate_per_s``; each call takes one, waiting when the
bucket is empty. Waiters are served in arrival order (they queue on a lock). :meth:`RateLimiter.defer` holds
every caller back until a moment: the portal's ``Retry-After`` on a 429 concerns the whole client, not only
the call that met it. Clock and sleep are injected, so tests run without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """``await limiter.acquire()`` before every portal call."""

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s > 0 and burst ≥ 1 are required")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._not_before = 0.0
        self._lock = asyncio.Lock()
        self.waited_s = 0.0
        """Total time callers spent waiting, for the connector's statistics."""

    def try_take(self) -> float:
        """Take a token now if there is one (0.0), else the seconds until one may be taken."""
        now = self._clock()
        if now < self._not_before:
            return self._not_before - now
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate_per_s)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate_per_s

    async def acquire(self) -> float:
        """Wait for a token; returns how long this caller waited (queueing included)."""
        started = self._clock()
        async with self._lock:
            while (wait := self.try_take()) > 0:
                await self._sleep(wait)
        waited = self._clock() - started
        self.waited_s += waited
        return waited

    def defer(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` from now (never shortens an earlier hold)."""
        if seconds > 0:
            self._not_before = max(self._not_before, self._clock() + seconds)
