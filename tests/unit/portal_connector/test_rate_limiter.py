"""The token-bucket rate limiter: burst, refill, arrival order and the portal's Retry-After hold."""

from __future__ import annotations

import asyncio

import pytest

from connectors.portal.limiter import RateLimiter


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


async def test_burst_then_rate(time_: FakeTime) -> None:
    """A full bucket lets `burst` calls through at once; then one call per 1/rate seconds."""
    limiter = RateLimiter(4.0, 3, clock=time_.clock, sleep=time_.sleep)
    for _ in range(3):
        assert await limiter.acquire() == 0.0
    assert await limiter.acquire() == pytest.approx(0.25)
    assert await limiter.acquire() == pytest.approx(0.25)
    assert time_.now == pytest.approx(0.5)


async def test_refill_is_capped_at_burst(time_: FakeTime) -> None:
    """An idle hour refills the bucket to `burst`, not beyond."""
    limiter = RateLimiter(10.0, 2, clock=time_.clock, sleep=time_.sleep)
    time_.now += 3600
    assert [limiter.try_take() for _ in range(3)] == [0.0, 0.0, pytest.approx(0.1)]


async def test_waiters_are_served_in_order(time_: FakeTime) -> None:
    """Concurrent callers queue: each waits one interval more than the one before."""
    limiter = RateLimiter(2.0, 1, clock=time_.clock, sleep=time_.sleep)
    finished: list[tuple[int, float]] = []

    async def call(index: int) -> None:
        await limiter.acquire()
        finished.append((index, time_.now))

    await asyncio.gather(*(call(index) for index in range(4)))
    assert [index for index, _ in finished] == [0, 1, 2, 3]
    assert [at for _, at in finished] == pytest.approx([0.0, 0.5, 1.0, 1.5])
    assert limiter.waited_s >= 1.5


async def test_defer_holds_everyone(time_: FakeTime) -> None:
    """A Retry-After of 2 s holds every caller, however full the bucket; a shorter one does not shorten it."""
    limiter = RateLimiter(100.0, 10, clock=time_.clock, sleep=time_.sleep)
    limiter.defer(2.0)
    limiter.defer(0.5)
    assert await limiter.acquire() == pytest.approx(2.0)
    assert await limiter.acquire() == 0.0


def test_invalid_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        RateLimiter(0.0, 1)
