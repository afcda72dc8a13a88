"""The ingest's link to Kafka: keeps trying until a broker answers, and closes cleanly either way."""

from __future__ import annotations

import asyncio

from connectors.errors import PublishError
from connectors.province.connection import PublisherLink
from connectors.province.sink import EventSink, InMemorySink


async def test_it_retries_until_kafka_answers_then_is_ready() -> None:
    sink = InMemorySink(reachable=False)
    pauses: list[float] = []
    prepared = 0

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            sink.reachable = True

    async def prepare() -> None:
        nonlocal prepared
        prepared += 1

    link = PublisherLink(lambda: sink, prepare=prepare, sleep=pause, backoff_max_seconds=1.0)
    assert not await link.ready()
    link.open()
    await asyncio.wait_for(link.wait_connected(), 5)
    assert await link.ready()
    assert link.sink is sink
    assert len(pauses) == 3
    assert all(0 < seconds <= 1.0 for seconds in pauses)
    assert prepared == 4
    await link.close()
    assert not sink.started
    assert link.sink is None


async def test_a_failing_prepare_step_counts_as_unreachable() -> None:
    calls = 0

    async def prepare() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise PublishError("cannot create the contract topics: KafkaConnectionError")

    async def pause(_seconds: float) -> None:
        return None

    link = PublisherLink(InMemorySink, prepare=prepare, sleep=pause)
    link.open()
    await asyncio.wait_for(link.wait_connected(), 5)
    assert calls == 2
    await link.close()


async def test_closing_while_still_connecting_stops_trying() -> None:
    built: list[EventSink] = []

    def factory() -> EventSink:
        sink = InMemorySink(reachable=False)
        built.append(sink)
        return sink

    link = PublisherLink(factory, backoff_max_seconds=0.05)
    link.open()
    await asyncio.sleep(0.2)
    await link.close()
    count = len(built)
    await asyncio.sleep(0.2)
    assert len(built) == count >= 1
    assert not await link.ready()
