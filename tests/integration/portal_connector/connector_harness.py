"""Driving the portal connector in tests: run it as a task, produce commands, read topics as they fill."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from connectors.portal import PortalConnector, PortalConnectorSettings
from connectors.publishing import EventPublisher
from contracts import Envelope, EventData, decode


@contextlib.asynccontextmanager
async def running(connector: PortalConnector, *, stop_within: float = 60.0) -> AsyncIterator[asyncio.Event]:
    """Run ``connector`` in the background; on exit, stop it gracefully and re-raise what it raised."""
    stop = asyncio.Event()
    task = asyncio.create_task(connector.run(stop), name="portal-connector")
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=stop_within)


async def publish(bootstrap: str, prefix: str, envelopes: Sequence[Envelope[EventData]]) -> None:
    async with EventPublisher(
        bootstrap, client_id="tests-portal-connector", topic_prefix=prefix
    ) as publisher:
        await publisher.publish_many(list(envelopes))


async def produce_raw(
    bootstrap: str, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await (await producer.send(topic, key=key, value=value, headers=headers))
    finally:
        await producer.stop()


class TopicReader:
    """Reads a topic from the beginning, keeping every record; ``wait_for`` reads until a condition holds."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.records: list[Any] = []
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        self._consumer.subscribe([self.topic])
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()

    async def poll(self, seconds: float = 0.5) -> None:
        batches = await self._consumer.getmany(timeout_ms=int(seconds * 1000))
        for records in batches.values():
            self.records.extend(records)

    async def wait_for(self, count: int, within: float = 60.0, settle: float = 0.0) -> list[Any]:
        """At least ``count`` records (then ``settle`` seconds more of reading, to catch extras)."""
        deadline = time.monotonic() + within
        while len(self.records) < count and time.monotonic() < deadline:
            await self.poll()
        if len(self.records) < count:
            raise AssertionError(
                f"{len(self.records)} records on {self.topic} after {within}s, expected {count}"
            )
        settle_until = time.monotonic() + settle
        while time.monotonic() < settle_until:
            await self.poll(min(0.5, max(0.05, settle_until - time.monotonic())))
        return self.records

    def events(self) -> list[Envelope[EventData]]:
        return [decode(record.key, record.value, record.headers) for record in self.records]


async def wait_until(check: Callable[[], bool], within: float = 30.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)


def portal_state(admin: httpx.Client) -> dict[str, Any]:
    state: dict[str, Any] = admin.get("/admin/state").json()
    return state


def set_faults(admin: httpx.Client, profile: dict[str, Any]) -> None:
    admin.put("/admin/faults", content=json.dumps(profile)).raise_for_status()


def fast_settings(**values: Any) -> PortalConnectorSettings:
    """Settings with short waits, so fault windows of seconds are ridden out quickly."""
    defaults: dict[str, Any] = {
        "request_timeout_seconds": 5.0,
        "retry_max_attempts": 12,
        "retry_max_delay_seconds": 25.0,
        "retry_initial_wait_seconds": 0.05,
        "retry_max_wait_seconds": 0.5,
        "retry_after_cap_seconds": 2.0,
        "sync_deadline_seconds": 40.0,
        "breaker_failure_threshold": 5,
        "breaker_open_seconds": 0.5,
        "rate_limit_per_second": 200.0,
        "rate_limit_burst": 50,
        "poll_interval_seconds": 0.2,
        "max_batch_records": 10,
        "publish_backoff_seconds": 0.5,
        "retry_tier_seconds": (1.0, 2.0, 4.0),
    }
    return PortalConnectorSettings(**(defaults | values))
