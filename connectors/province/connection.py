"""Keeping the ingest connected to Kafka: connect in the background, retry until a broker answers.

The HTTP side starts at once, whatever Kafka's state: ``/healthz`` answers, ``/readyz`` says "not ready" and
events are answered 503 with ``Retry-After`` until the link is up. A process that crashed because Kafka was
late would be restarted into the same situation, and its clients would see refused connections instead of a
clear answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from connectors.errors import PublishError
from connectors.province.sink import EventSink, stop_within

__all__ = ["Prepare", "PublisherLink", "SinkFactory"]

SinkFactory = Callable[[], EventSink]
"""Builds a fresh sink; called inside the event loop, once per connection attempt."""
Prepare = Callable[[], Awaitable[None]]
"""Runs before each connection attempt (e.g. creating the topics); raises PublishError when Kafka is away."""

_log = structlog.get_logger("province.connection")


def _log_retry(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome is not None else None
    delay = state.next_action.sleep if state.next_action is not None else 0.0
    _log.warning(
        "kafka_unreachable", attempt=state.attempt_number, error=str(failure), retry_in_s=round(delay, 2)
    )


class PublisherLink:
    """Owns the ingest's sink: opens it in the background, reports readiness, closes it at shutdown."""

    def __init__(
        self,
        factory: SinkFactory,
        *,
        prepare: Prepare | None = None,
        backoff_max_seconds: float = 10.0,
        stop_seconds: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._factory = factory
        self._prepare = prepare
        self._stop_seconds = stop_seconds
        self._sink: EventSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._retrying = AsyncRetrying(
            retry=retry_if_exception_type(PublishError),
            wait=wait_exponential_jitter(multiplier=0.2, max=backoff_max_seconds, jitter=0.3),
            before_sleep=_log_retry,
            sleep=sleep,
            reraise=True,
        )

    @property
    def sink(self) -> EventSink | None:
        """The connected sink, or None while Kafka has not answered yet."""
        return self._sink

    def open(self) -> None:
        """Start connecting in the background; returns at once."""
        self._task = asyncio.create_task(self._connect(), name="province-kafka-connect")

    async def wait_connected(self) -> None:
        """Wait until the link is up (for callers that cannot do anything useful before)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def ready(self) -> bool:
        """Connected, and a broker answers now."""
        return self._sink is not None and await self._sink.connected()

    async def close(self) -> None:
        """Stop connecting, and stop the sink (which flushes what it still holds)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sink is not None:
            sink, self._sink = self._sink, None
            await stop_within(sink, self._stop_seconds)

    async def _connect(self) -> None:
        async for attempt in self._retrying:
            with attempt:
                self._sink = await self._start_one()
        _log.info("kafka_connected")

    async def _start_one(self) -> EventSink:
        if self._prepare is not None:
            await self._prepare()
        sink = self._factory()
        try:
            await sink.start()
        except BaseException:
            await sink.stop()
            raise
        return sink
