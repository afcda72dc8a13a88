"""The circuit breaker's states and transitions, driven by a hand-moved clock."""

from __future__ import annotations

import pytest

from connectors.portal.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(3, 10.0, clock=clock, probe_wait=0.5)


def _fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.acquire() == 0.0
        breaker.record_failure()


def test_closed_lets_calls_through_and_successes_reset_the_count(breaker: CircuitBreaker) -> None:
    """Failures below the threshold, interrupted by a success, never open the circuit."""
    _fail(breaker, 2)
    breaker.record_success()
    _fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.consecutive_failures == 2


def test_threshold_opens_and_holds_calls_back(breaker: CircuitBreaker, clock: Clock) -> None:
    """Three failures in a row open it: calls are told how long is left, no call goes through."""
    _fail(breaker, 3)
    assert breaker.state is BreakerState.OPEN
    assert breaker.times_opened == 1
    clock.now += 4.0
    assert breaker.acquire() == pytest.approx(6.0)
    assert breaker.state is BreakerState.OPEN


def test_half_open_admits_one_probe(breaker: CircuitBreaker, clock: Clock) -> None:
    """After open_seconds one probe goes through; others wait probe_wait; a good probe closes it."""
    _fail(breaker, 3)
    clock.now += 10.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.acquire() == 0.0
    assert breaker.acquire() == 0.5
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.acquire() == 0.0


def test_failed_probe_reopens_for_a_full_period(breaker: CircuitBreaker, clock: Clock) -> None:
    """A probe that fails opens the circuit again, from the moment it failed."""
    _fail(breaker, 3)
    clock.now += 12.0
    assert breaker.acquire() == 0.0
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.times_opened == 2
    assert breaker.acquire() == pytest.approx(10.0)


def test_cancelled_probe_frees_the_slot(breaker: CircuitBreaker, clock: Clock) -> None:
    """A probe abandoned without a verdict lets the next caller probe."""
    _fail(breaker, 3)
    clock.now += 10.0
    assert breaker.acquire() == 0.0
    breaker.release()
    assert breaker.acquire() == 0.0


def test_late_answers_while_open_decide_nothing(breaker: CircuitBreaker, clock: Clock) -> None:
    """Answers to calls admitted before the circuit opened neither close nor extend it."""
    _fail(breaker, 3)
    clock.now += 3.0
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.acquire() == pytest.approx(7.0)


def test_invalid_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(0, 1.0)
