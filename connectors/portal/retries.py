"""Retry policies of the portal connector: named values, composed from tenacity's pieces in one place.

Every policy stops at ``max_attempts`` or after ``max_delay`` seconds, whichever comes first, and — when a
caller passes a deadline — before a wait would end past it. Between attempts it waits what the portal asked
for (``Retry-After`` on a 429 or 503, or the breaker's remaining open time), capped at ``retry_after_cap`` and
spread by up to 10% so that callers held back together do not return together; otherwise a jittered
exponential backoff from ``initial_wait`` up to ``max_wait``. Only errors whose class says ``retriable`` are
retried; the last one is re-raised as it is. Each wait is logged (``before_sleep``).

The sleep is injected: tests pass a no-op and the policies run instantly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from connectors.portal.redaction import safe_message
from contracts import is_retriable as _is_retriable

__all__ = [
    "KAFKA_PUBLISH",
    "PORTAL_CALL",
    "SUBMISSION_PAGE",
    "Clock",
    "RetryPolicy",
    "Sleep",
    "is_retriable",
    "retried",
    "retrying",
]

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_log = structlog.get_logger("connectors.portal.retries")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry one kind of call."""

    name: str
    max_attempts: int
    max_delay: float
    """Seconds from the first attempt after which no new attempt starts."""
    initial_wait: float
    max_wait: float
    retry_after_cap: float
    """The longest a ``Retry-After`` is honoured for, in seconds."""

    def replace(self, **changes: float | int) -> RetryPolicy:
        """A copy with some numbers changed (what the settings do)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


PORTAL_CALL = RetryPolicy(
    name="portal_call", max_attempts=6, max_delay=30.0, initial_wait=0.25, max_wait=8.0, retry_after_cap=30.0
)
"""One call to the sync API (look-up, create, update, progress): rides out a 503 window of ~30 s."""

SUBMISSION_PAGE = RetryPolicy(
    name="submission_page",
    max_attempts=4,
    max_delay=20.0,
    initial_wait=0.5,
    max_wait=5.0,
    retry_after_cap=20.0,
)
"""One page of the online-submission feed; the poller simply tries again at its next tick after that."""

KAFKA_PUBLISH = RetryPolicy(
    name="kafka_publish", max_attempts=5, max_delay=30.0, initial_wait=0.5, max_wait=5.0, retry_after_cap=0.0
)
"""Publishing an outcome, a dead letter or a cursor: the idempotent producer makes a resend harmless."""


def is_retriable(error: BaseException) -> bool:
    """Whether the error tree says another attempt may succeed (:func:`contracts.is_retriable`)."""
    return _is_retriable(error)


def _error_of(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None and state.outcome.failed else None


class _HonourRetryAfter(wait_base):
    def __init__(self, policy: RetryPolicy) -> None:
        self._cap = policy.retry_after_cap
        self._backoff = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def __call__(self, retry_state: RetryCallState) -> float:
        asked = getattr(_error_of(retry_state), "retry_after", None)
        if isinstance(asked, int | float) and asked > 0 and self._cap > 0:
            base = min(float(asked), self._cap)
            return base + random.uniform(0.0, base * 0.1)  # noqa: S311 - jitter, not secrecy
        return float(self._backoff(retry_state))


class _StopBeforeDeadline(stop_base):
    def __init__(self, deadline: float, clock: Clock) -> None:
        self._deadline = deadline
        self._clock = clock

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._clock() + retry_state.upcoming_sleep >= self._deadline


def _log_before_sleep(policy: RetryPolicy) -> Callable[[RetryCallState], None]:
    def log(retry_state: RetryCallState) -> None:
        error = _error_of(retry_state)
        _log.warning(
            "retrying",
            policy=policy.name,
            attempt=retry_state.attempt_number,
            wait_s=round(retry_state.upcoming_sleep, 3),
            error_class=type(error).__name__,
            reason_code=getattr(error, "reason_code", None),
            error=safe_message(str(error)),
        )

    return log


def retrying(
    policy: RetryPolicy,
    *,
    sleep: Sleep = asyncio.sleep,
    deadline: float | None = None,
    clock: Clock = time.monotonic,
) -> AsyncRetrying:
    """The tenacity controller for ``policy``: ``async for attempt in retrying(...): with attempt: ...``."""
    stop = stop_after_attempt(policy.max_attempts) | stop_after_delay(policy.max_delay)
    if deadline is not None:
        stop = stop | _StopBeforeDeadline(deadline, clock)
    return AsyncRetrying(
        stop=stop,
        wait=_HonourRetryAfter(policy),
        retry=retry_if_exception(is_retriable),
        before_sleep=_log_before_sleep(policy),
        sleep=sleep,
        reraise=True,
    )


async def retried(
    policy: RetryPolicy, call: Callable[[], Awaitable[T]], *, sleep: Sleep = asyncio.sleep
) -> T:
    """``await call()`` under ``policy``; the last error is raised when the policy gives up."""
    async for attempt in retrying(policy, sleep=sleep):
        with attempt:
            return await call()
    raise AssertionError("unreachable: the retry policy re-raises the last error")  # pragma: no cover
