"""Every call to the portal goes through here: circuit breaker, rate limit, then retries with the call policy.

For one attempt: the breaker is asked first (an open circuit fails the attempt at once with
:class:`CircuitOpenError`, carrying how long is left, so no rate-limit token is spent on it); then a token is
taken from the shared bucket; then the client makes the call. The answer is reported to the breaker: 5xx,
timeouts and dropped connections count as failures; refusals, throttling and successes show a portal that
answers. A 429 also holds every caller back for its ``Retry-After`` (the limiter's ``defer``).

Attempts are retried with the policy (:mod:`connectors.portal.retries`) until it gives up or the caller's
:class:`CallBudget` deadline would pass; the budget counts attempts across the calls of one sync.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from connectors.errors import (
    CircuitOpenError,
    PortalError,
    PortalThrottledError,
    PortalUnavailableError,
)
from connectors.portal.breaker import CircuitBreaker
from connectors.portal.client import PortalClient, SubmissionPage
from connectors.portal.limiter import RateLimiter
from connectors.portal.retries import Clock, RetryPolicy, Sleep, retrying
from contracts import DossierStatusChanged

__all__ = ["CallBudget", "PortalGateway"]

T = TypeVar("T")

_log = structlog.get_logger("connectors.portal.gateway")


@dataclass(slots=True)
class CallBudget:
    """What one unit of work (a sync, a page) may spend: attempts are counted, the deadline bounds retries."""

    deadline: float | None = None
    attempts: int = 0


class PortalGateway:
    """The portal client behind the breaker, the limiter and the retry policy."""

    def __init__(
        self,
        client: PortalClient,
        *,
        breaker: CircuitBreaker,
        limiter: RateLimiter,
        policy: RetryPolicy,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self.client = client
        self.breaker = breaker
        self.limiter = limiter
        self.policy = policy
        self._sleep = sleep
        self._clock = clock

    async def call(
        self,
        operation: str,
        attempt: Callable[[], Awaitable[T]],
        budget: CallBudget,
        *,
        policy: RetryPolicy | None = None,
    ) -> T:
        """Run ``attempt`` with retries; the last error is raised when the policy gives up."""
        async for retry in retrying(
            policy or self.policy, sleep=self._sleep, deadline=budget.deadline, clock=self._clock
        ):
            with retry:
                budget.attempts += 1
                return await self._guarded(operation, attempt)
        raise AssertionError("unreachable: the retry policy re-raises the last error")  # pragma: no cover

    async def _guarded(self, operation: str, attempt: Callable[[], Awaitable[T]]) -> T:
        wait = self.breaker.acquire()
        if wait > 0:
            raise CircuitOpenError(f"{operation}: the circuit to the portal is open", retry_after=wait)
        before = self.breaker.state
        await self.limiter.acquire()
        try:
            result = await attempt()
        except PortalThrottledError as exc:
            self.limiter.defer(exc.retry_after)
            self.breaker.record_success()
            raise
        except PortalUnavailableError:
            self.breaker.record_failure()
            self._report(before)
            raise
        except PortalError:
            self.breaker.record_success()
            self._report(before)
            raise
        except BaseException:
            self.breaker.release()
            raise
        self.breaker.record_success()
        self._report(before)
        return result

    def _report(self, before: object) -> None:
        after = self.breaker.state
        if after != before:
            _log.warning(
                "circuit breaker changed state",
                state=after.value,
                previous=str(before),
                consecutive_failures=self.breaker.consecutive_failures,
            )

    async def lookup(self, code: str, budget: CallBudget) -> dict[str, Any] | None:
        return await self.call("lookup", lambda: self.client.lookup(code), budget)

    async def create(self, dossier: DossierStatusChanged, budget: CallBudget) -> None:
        await self.call("create", lambda: self.client.create(dossier), budget)

    async def update(self, dossier: DossierStatusChanged, budget: CallBudget) -> None:
        await self.call("update", lambda: self.client.update(dossier), budget)

    async def push_progress(self, code: str, rows: Sequence[Mapping[str, Any]], budget: CallBudget) -> None:
        await self.call("progress", lambda: self.client.push_progress(code, rows), budget)

    async def online_submissions(
        self, after: int, limit: int, budget: CallBudget, *, policy: RetryPolicy | None = None
    ) -> SubmissionPage:
        return await self.call(
            "submissions", lambda: self.client.online_submissions(after, limit), budget, policy=policy
        )
