"""``create_app(settings)``: the hub's FastStream app — one subscriber over the consumed topics, one over the
dead-letter tool's audit log (operators' discards, :mod:`hub.app.discards`), the outbox relay, the dead-letter
writer and the HTTP side, all started in the app's lifespan hooks.

The subscriber (one consumer in the group) uses ``AckPolicy.MANUAL``, and so ``enable_auto_commit=False``:
FastStream never commits on its own; :class:`~hub.app.processing.Processor` hands each record's offset to the
:class:`~hub.app.commits.OffsetCommitter` once its effect is durable, which commits them in small groups. The
consumer stops without committing (aiokafka commits on stop only with auto-commit on), so a record in flight
at shutdown is read again and recognised as a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import structlog
import uvicorn
from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage

from contracts import Topic
from hub.app.dead_letters import DeadLetterWriter
from hub.app.discards import ensure_audit_topic, subscribe_to_discards
from hub.app.dlq_api import dlq_routes
from hub.app.http import create_http_app
from hub.app.metrics import HubMetrics
from hub.app.periodic import PeriodicCheck
from hub.app.processing import CONSUMED_TOPICS, Processor
from hub.app.relay import HubProducer, OutboxRelay
from hub.app.state import load_table
from hub.dlq import DlqSettings
from hub.rules import RoutingTable
from hub.settings import HubSettings
from hub.store import LedgerStore, open_store

__all__ = ["HubApp", "create_app", "dead_letter_topics"]

_log = structlog.get_logger("hub.app")


def dead_letter_topics(settings: HubSettings) -> list[str]:
    """The dead-letter topics of the consumed topics."""
    return [settings.dlq_topic(settings.topic(topic.name)) for topic in CONSUMED_TOPICS]


class HubApp(FastStream):
    """The FastStream app plus the parts tests and the CLI look at."""

    broker: KafkaBroker
    metrics: HubMetrics
    http_port: int | None


class _Parts:
    """What needs the store, built once the store is there (at creation, or opened on start-up)."""

    def __init__(self, settings: HubSettings, metrics: HubMetrics) -> None:
        self._settings = settings
        bootstrap, group = settings.kafka_bootstrap_servers, settings.group_id
        self._producer = HubProducer(bootstrap, client_id=f"{group}-producer")
        self._dead_letters = DeadLetterWriter(bootstrap, client_id=f"{group}-dlq", group_id=group)
        self._metrics = metrics
        self.store: LedgerStore | None = None
        self.relay: OutboxRelay | None = None
        self.processor: Processor | None = None
        self.periodic: PeriodicCheck | None = None
        self.owns_store = False

    def attach(self, store: LedgerStore) -> None:
        self.store = store
        self.relay = OutboxRelay(
            store,
            self._producer,
            interval=self._settings.relay_interval_seconds,
            on_published=self._metrics.published,
            on_backlog=self._metrics.outbox_pending,
        )
        self.processor = Processor(self._settings, store, self._dead_letters, self.relay, self._metrics)
        self.periodic = PeriodicCheck(
            self._settings, store, self.relay, self.processor.lock, letters=self.processor.parked_letters
        )
        self.processor.on_touched = self.periodic.touch

    async def start_producers(self) -> None:
        await self._producer.start()
        await self._dead_letters.start()

    async def stop_producers(self) -> None:
        await self._producer.stop()
        await self._dead_letters.stop()

    async def handle(self, topic: Topic, message: KafkaMessage) -> None:
        if self.processor is None:
            raise RuntimeError("the hub received a record before its store was open")
        await self.processor.handle(topic, message)

    async def discard(self, event_id: str) -> str:
        if self.processor is None:
            raise RuntimeError("the hub read an audit record before its store was open")
        return await self.processor.discard(event_id)


def create_app(settings: HubSettings, store: LedgerStore | None = None) -> HubApp:
    """The hub; over ``store`` when given, else over ``open_store(settings.database_url)`` opened on start-up.

    Nothing connects until the app starts; a store the app opened is closed when it stops.
    """
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"{settings.group_id}-broker",
        graceful_timeout=settings.graceful_timeout_seconds,
        # FastStream's own per-message lines go through structlog (JSON, masked) at debug level: the
        # processor logs each record once, with its outcome.
        logger=structlog.get_logger("faststream"),
        log_level=logging.DEBUG,
    )
    metrics = HubMetrics()
    parts = _Parts(settings, metrics)
    if store is not None:
        parts.attach(store)
    _subscribe(broker, settings, parts)

    app = HubApp(broker, logger=structlog.get_logger("faststream"))
    app.metrics, app.http_port = metrics, None
    server: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
    started = [False]

    @app.on_startup
    async def _open() -> None:
        await ensure_audit_topic(settings)
        if parts.store is None:
            parts.attach(await open_store(settings.database_url))
            parts.owns_store = True
        await parts.start_producers()

    @app.after_startup
    async def _start_background() -> None:
        if parts.store is None or parts.relay is None:
            raise RuntimeError("the hub started without a store")
        started[0] = True
        parts.relay.start()
        if parts.periodic is not None:
            parts.periodic.start()
        if parts.processor is not None:
            parts.processor.committer.start()
        await parts.relay.flush()
        if settings.http_enabled:
            server.append(await _serve_http(app, settings, parts.store, metrics, lambda: started[0]))
        _log.info("hub started", settings=settings.masked(), http_port=app.http_port)

    @app.on_shutdown
    async def _stop_background() -> None:
        started[0] = False
        if parts.periodic is not None:
            await parts.periodic.stop()
        if parts.processor is not None:
            await parts.processor.committer.stop()
        for uv, task in server:
            uv.should_exit = True
            with contextlib.suppress(Exception):
                await task
        server.clear()

    @app.after_shutdown
    async def _close() -> None:
        if parts.relay is not None:
            await parts.relay.stop()
            with contextlib.suppress(Exception):
                await parts.relay.flush()
        await parts.stop_producers()
        if parts.owns_store and parts.store is not None:
            await parts.store.close()
            parts.store = parts.relay = parts.processor = parts.periodic = None
            parts.owns_store = False

    return app


async def _serve_http(
    app: HubApp, settings: HubSettings, store: LedgerStore, metrics: HubMetrics, ready: Callable[[], bool]
) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    async def table() -> RoutingTable:
        return (await load_table(store))[0]

    dlq = DlqSettings(
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        topic_prefix=settings.topic_prefix,
        operator="hub-http",
        client_id=f"{settings.group_id}-dlq-desk",
    )
    http = create_http_app(store, metrics, ready=ready, table=table, extra_routes=dlq_routes(dlq))
    config = uvicorn.Config(
        http, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve(), name="hub-http")
    while not uv.started and not task.done():  # noqa: ASYNC110 -- uvicorn offers no event
        await asyncio.sleep(0.02)
    if uv.servers and uv.servers[0].sockets:
        app.http_port = uv.servers[0].sockets[0].getsockname()[1]
    return uv, task


async def _raw_body(message: StreamMessage[Any]) -> bytes:
    """The value as bytes: the subscriber decodes the record itself, headers included."""
    return message.body


def _subscribe(broker: KafkaBroker, settings: HubSettings, parts: _Parts) -> None:
    by_name = {settings.topic(topic.name): topic for topic in CONSUMED_TOPICS}

    async def handle_hub_record(message: KafkaMessage) -> None:
        record = message.raw_message
        await parts.handle(by_name[record.topic], message)  # type: ignore[union-attr]

    broker.subscriber(
        *by_name,
        decoder=_raw_body,
        group_id=settings.group_id,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        max_poll_interval_ms=settings.max_poll_interval_ms,
    )(handle_hub_record)
    subscribe_to_discards(broker, settings, parts.discard)
