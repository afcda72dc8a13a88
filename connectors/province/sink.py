"""The port the province connector publishes through, and an in-memory fake of it for tests.

:class:`~connectors.publishing.EventPublisher` (Kafka, idempotent, acks=all) is the real implementation; the
ingest, the backfill and the publisher library only need the four methods below, so tests of request parsing
and checkpointing run without a broker — and the same behaviour is pinned against the real broker in the
integration tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import structlog

from connectors.errors import PublishError
from connectors.publishing import Published
from contracts import Envelope, EventData, KafkaRecord, encode, topic_for

__all__ = ["EventSink", "InMemorySink", "publish_within", "stop_within"]

_log = structlog.get_logger("province.sink")


class EventSink(Protocol):
    """Where admitted events go: publish returns only once every record is durable."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def connected(self) -> bool: ...

    async def publish_many(self, envelopes: Sequence[Envelope[EventData]]) -> list[Published]: ...


async def publish_within(
    sink: EventSink, envelopes: Sequence[Envelope[EventData]], seconds: float
) -> list[Published]:
    """``sink.publish_many`` with a deadline; PublishError when Kafka did not acknowledge in time.

    An idempotent producer retries a batch for as long as its partition leader is unreachable — a broker that
    went away after the connection was made means waiting forever — so the caller sets the limit. Records may
    still be written after it; whoever retries sends them with the same ids.
    """
    try:
        async with asyncio.timeout(seconds):
            return await sink.publish_many(envelopes)
    except TimeoutError:
        raise PublishError(
            f"Kafka did not acknowledge within {seconds:g} s; some records may have been written"
        ) from None


async def stop_within(sink: EventSink, seconds: float) -> None:
    """Stop the sink, flushing what it holds, but give up after ``seconds`` (Kafka may be gone)."""
    try:
        async with asyncio.timeout(seconds):
            await sink.stop()
    except TimeoutError:
        _log.warning("stop_abandoned", after_s=seconds, reason="Kafka did not take the buffered records")


class InMemorySink:
    """A fake sink: records land in per-topic lists, or every publish fails while ``failure`` is set."""

    def __init__(self, *, topic_prefix: str = "", reachable: bool = True) -> None:
        self.topic_prefix = topic_prefix
        self.reachable = reachable
        self.failure: PublishError | None = None
        self.started = False
        self.topics: dict[str, list[KafkaRecord]] = {}

    async def start(self) -> None:
        if not self.reachable:
            raise PublishError("cannot connect to Kafka: KafkaConnectionError")
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def connected(self) -> bool:
        return self.started and self.reachable

    async def publish_many(self, envelopes: Sequence[Envelope[EventData]]) -> list[Published]:
        if self.failure is not None:
            raise self.failure
        landed: list[Published] = []
        for envelope in envelopes:
            topic = f"{self.topic_prefix}{topic_for(envelope.data).name}"
            records = self.topics.setdefault(topic, [])
            records.append(encode(envelope))
            landed.append((topic, 0, len(records) - 1))
        return landed

    def records(self) -> list[KafkaRecord]:
        """Every record published so far, topic by topic."""
        return [record for records in self.topics.values() for record in records]
