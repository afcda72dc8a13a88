"""The hub's own Kafka producer and the outbox relay that publishes through it.

One idempotent producer (``acks=all``). The relay publishes the store's pending outbox rows and
marks them published only once Kafka acknowledged them; a row that failed stays pending and the relay's
periodic pass sends it again (at least once; the commands' ids are deterministic, so the portal connector
recognises a repeat). Dead letters have their own, transactional producer (:mod:`hub.app.dead_letters`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Iterable

import structlog
from aiokafka import AIOKafkaProducer

from hub.store import LedgerStore

__all__ = ["HubProducer", "OutboxRelay"]

_log = structlog.get_logger("hub.app.relay")


class HubProducer:
    """An idempotent ``acks=all`` producer of raw records."""

    def __init__(self, bootstrap_servers: str, client_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._started: AIOKafkaProducer | None = None

    @property
    def _producer(self) -> AIOKafkaProducer:
        if self._started is None:
            raise RuntimeError("the hub's producer is not started")
        return self._started

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
        )
        await producer.start()
        self._started = producer

    async def stop(self) -> None:
        producer, self._started = self._started, None
        if producer is not None:
            await producer.stop()

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        """Send one record and wait until Kafka acknowledged it."""
        await self._producer.send_and_wait(topic, value=value, key=key, headers=headers)

    async def send_many(
        self, records: list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]]
    ) -> None:
        """Send records in order and wait until Kafka acknowledged every one."""
        futures = [
            await self._producer.send(topic, value=value, key=key, headers=headers)
            for topic, key, value, headers in records
        ]
        await asyncio.gather(*futures)


class OutboxRelay:
    """Publishes the store's pending outbox rows.

    Each instance publishes the rows its own writes returned (:meth:`notify` with their ids) as soon as it is
    woken; rows nobody published within ``sweep_after`` seconds — a failed publish, an instance that crashed
    between its write and the publish — are swept by whichever instance looks next. So with several hub
    instances on one store, a row is published by its writer, not raced for by every instance; a repeat can
    still happen after a crash (publish, then crash before marking), and carries the same command id.
    """

    def __init__(
        self,
        store: LedgerStore,
        producer: HubProducer,
        *,
        interval: float,
        sweep_after: float = 5.0,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        on_published: Callable[[int], None] = lambda _n: None,
        on_backlog: Callable[[int], None] = lambda _n: None,
    ) -> None:
        self._store = store
        self._producer = producer
        self._interval = interval
        self._sweep_after = dt.timedelta(seconds=sweep_after)
        self._clock = clock
        self._on_published = on_published
        self._on_backlog = on_backlog
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._own: set[int] = set()

    def notify(self, ids: Iterable[int] = ()) -> None:
        """Rows ``ids`` were stored by this instance: publish them soon (rows stored close together go out
        together)."""
        self._own.update(ids)
        self._wake.set()

    async def flush(self) -> int:
        """Publish this instance's pending rows and the stale ones; the number published. Failures leave rows
        pending and are logged."""
        async with self._lock:
            published = 0
            while True:
                stale = self._clock() - self._sweep_after
                pending = await self._store.pending_outbox(limit=500)
                rows = [row for row in pending if row.id in self._own or row.created_at <= stale]
                if not rows:
                    self._on_backlog(len(pending))
                    return published
                messages = [row.message for row in rows]
                try:
                    await self._producer.send_many(
                        [(m.topic, m.key, m.value, list(m.headers)) for m in messages]
                    )
                except Exception as exc:  # noqa: BLE001 -- the rows stay pending; the periodic pass retries them
                    _log.warning("outbox publish failed", error_class=type(exc).__name__, pending=len(rows))
                    self._on_backlog(len(pending))
                    return published
                ids = [row.id for row in rows]
                await self._store.mark_published(ids)
                self._own.difference_update(ids)
                published += len(rows)
                self._on_published(len(rows))

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._periodic(), name="hub-outbox-relay")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop after the pass in progress (a pass is never cut between its send and its mark)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _periodic(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # noqa: BLE001 -- a store hiccup must not end the relay
                _log.exception("outbox relay pass failed")
