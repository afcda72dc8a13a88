"""How the driver retries: one policy, honouring ``Retry-After``, with an injectable sleep for tests.

A request is retried when the answer says "not now" (429, 502, 503, 504) or when no answer came. For requests
that are not idempotent (a citizen's submission assigns the next dossier code), only failures that prove the
request never left are retried — a connection refused or not established in time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

__all__ = [
    "GAVE_UP",
    "NOT_SENT",
    "NO_ANSWER",
    "RETRIABLE_STATUSES",
    "RetryPolicy",
    "TryAgainError",
    "check_answer",
    "send_with_retries",
]

RETRIABLE_STATUSES = frozenset({429, 502, 503, 504})
NO_ANSWER: tuple[type[Exception], ...] = (httpx.TransportError,)
"""No answer: the request may or may not have been applied."""
NOT_SENT: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
"""The request never reached the server."""

Sleep = Callable[[float], Awaitable[None]]


class TryAgainError(Exception):
    """The server answered "not now"; ``retry_after`` is what it asked for, in seconds."""

    def __init__(self, what: str, status: int, retry_after: float | None) -> None:
        super().__init__(f"{what}: HTTP {status}")
        self.status = status
        self.retry_after = retry_after


GAVE_UP: tuple[type[Exception], ...] = (TryAgainError, httpx.TransportError)
"""What :func:`send_with_retries` raises once its attempts are spent."""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def check_answer(response: httpx.Response, what: str) -> httpx.Response:
    """``response`` unless it is a "not now" answer, which raises TryAgainError."""
    if response.status_code in RETRIABLE_STATUSES:
        raise TryAgainError(what, response.status_code, _retry_after(response))
    return response


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded attempts with jittered exponential backoff; a server's Retry-After wins, up to the cap."""

    attempts: int = 10
    initial_seconds: float = 0.2
    max_seconds: float = 10.0

    def retrying(self, retry_on: tuple[type[Exception], ...], sleep: Sleep) -> AsyncRetrying:
        backoff = wait_exponential_jitter(multiplier=self.initial_seconds, max=self.max_seconds, jitter=0.2)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome is not None else None
            if isinstance(failure, TryAgainError) and failure.retry_after is not None:
                return min(failure.retry_after, self.max_seconds)
            return float(backoff(state))

        return AsyncRetrying(
            retry=retry_if_exception_type((TryAgainError, *retry_on)),
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            sleep=sleep,
            reraise=True,
        )


async def send_with_retries(
    policy: RetryPolicy,
    sleep: Sleep,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    what: str,
    retry_on: tuple[type[Exception], ...],
) -> tuple[httpx.Response, int]:
    """The first answer that is not "not now", and how many attempts it took.

    Raises the last TryAgainError or transport error once the attempts are spent.
    """
    attempts = 0
    response: httpx.Response | None = None
    async for attempt in policy.retrying(retry_on, sleep):
        with attempt:
            attempts += 1
            response = check_answer(await send(), what)
    assert response is not None
    return response, attempts
