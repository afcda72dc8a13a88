"""The named retry policies: what is retried, how long it waits, when it stops — with a no-op sleep."""

from __future__ import annotations

import pytest

from connectors.errors import (
    CircuitOpenError,
    PortalRefusedError,
    PortalThrottledError,
    PortalUnavailableError,
    PublishError,
)
from connectors.portal.retries import (
    KAFKA_PUBLISH,
    PORTAL_CALL,
    SUBMISSION_PAGE,
    RetryPolicy,
    retried,
    retrying,
)

FAST = RetryPolicy(
    "test", max_attempts=4, max_delay=60.0, initial_wait=0.1, max_wait=1.0, retry_after_cap=5.0
)


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Flaky:
    """Fails with the given errors, then answers "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_retriable_errors_are_retried_until_success() -> None:
    """5xx-like failures are retried with a jittered exponential wait within [0, max_wait]."""
    sleeps, call = Sleeps(), Flaky(PortalUnavailableError("503"), PortalUnavailableError("503"))
    assert await retried(FAST, call, sleep=sleeps) == "ok"
    assert call.calls == 3
    assert len(sleeps.waits) == 2
    assert all(0.0 <= wait <= 1.0 for wait in sleeps.waits)


async def test_refusals_are_not_retried() -> None:
    """A business refusal is raised at once: the same content meets the same answer."""
    sleeps, call = Sleeps(), Flaky(PortalRefusedError("01", error_code="01"))
    with pytest.raises(PortalRefusedError):
        await retried(FAST, call, sleep=sleeps)
    assert (call.calls, sleeps.waits) == (1, [])


async def test_retry_after_is_honoured_and_capped() -> None:
    """A 429's Retry-After is waited (plus ≤10% jitter); one beyond the cap waits the cap."""
    sleeps = Sleeps()
    call = Flaky(PortalThrottledError("429", retry_after=2.0), PortalThrottledError("429", retry_after=90.0))
    await retried(FAST, call, sleep=sleeps)
    assert 2.0 <= sleeps.waits[0] <= 2.2
    assert 5.0 <= sleeps.waits[1] <= 5.5


async def test_open_circuit_waits_its_remaining_time() -> None:
    """The breaker's remaining open time is a Retry-After too."""
    sleeps = Sleeps()
    await retried(FAST, Flaky(CircuitOpenError("open", retry_after=0.75)), sleep=sleeps)
    assert 0.75 <= sleeps.waits[0] <= 0.825


async def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    """After max_attempts the last error itself is raised (not tenacity's RetryError)."""
    sleeps = Sleeps()
    call = Flaky(*(PortalUnavailableError(f"503 #{n}") for n in range(10)))
    with pytest.raises(PortalUnavailableError, match="503 #3"):
        await retried(FAST, call, sleep=sleeps)
    assert call.calls == 4


async def test_deadline_stops_before_a_wait_would_pass_it() -> None:
    """With a deadline 1 s away, a Retry-After of 3 s is not waited: the error is raised instead."""
    now = 50.0
    sleeps = Sleeps()
    call = Flaky(PortalThrottledError("429", retry_after=3.0))

    async def attempts() -> None:
        async for attempt in retrying(FAST, sleep=sleeps, deadline=now + 1.0, clock=lambda: now):
            with attempt:
                await call()

    with pytest.raises(PortalThrottledError):
        await attempts()
    assert (call.calls, sleeps.waits) == (1, [])


def test_named_policies_are_bounded() -> None:
    """Every named policy stops by attempts and by time; publishing ignores Retry-After (Kafka sends none)."""
    for policy in (PORTAL_CALL, SUBMISSION_PAGE, KAFKA_PUBLISH):
        assert policy.max_attempts >= 2
        assert 0 < policy.max_delay <= 60
    assert KAFKA_PUBLISH.retry_after_cap == 0
    assert PORTAL_CALL.replace(max_attempts=9).max_attempts == 9


async def test_publish_errors_are_retriable() -> None:
    sleeps = Sleeps()
    assert await retried(KAFKA_PUBLISH, Flaky(PublishError("not acknowledged")), sleep=sleeps) == "ok"
    assert len(sleeps.waits) == 1
