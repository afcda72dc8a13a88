"""Committing consumed offsets in small groups, each only after its record's effect is durable.

A record's offset is handed to :class:`OffsetCommitter` once its effect (the store transaction, or its dead
letter acknowledged by Kafka) is durable; the committer commits what it holds every ``interval`` seconds, or
at once when ``max_pending`` records wait. So the rule "committed only after the effect is durable" holds for
every offset, and the broker sees one commit per group of records instead of one per record.

What a crash or a rebalance leaves uncommitted is read again by whoever owns the partition next, and
recognised as a repeat (the store's processed-event index; derived command ids): nothing is lost, and
nothing takes effect twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError

__all__ = ["OffsetCommitter"]

_log = structlog.get_logger("hub.app.commits")


class OffsetCommitter:
    """Holds the next offset to commit per partition; commits them periodically and on demand."""

    def __init__(
        self,
        *,
        interval: float,
        max_pending: int = 500,
        on_lag: Callable[[Mapping[tuple[str, int], int]], None] = lambda _lag: None,
    ) -> None:
        self._interval = interval
        self._max_pending = max_pending
        self._pending: dict[TopicPartition, int] = {}
        self._marked = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._done: dict[TopicPartition, int] = {}
        """The next offset to process per partition, as last marked: where consumer lag is counted from."""
        self._on_lag = on_lag
        self.commits = 0

    async def mark(self, consumer: Any, tp: TopicPartition, next_offset: int) -> None:
        """``next_offset`` of ``tp`` may be committed: everything before it has taken effect durably."""
        if not isinstance(consumer, AIOKafkaConsumer):
            raise TypeError("offsets are committed through an aiokafka consumer")
        self._consumer = consumer
        if next_offset > self._pending.get(tp, -1):
            self._pending[tp] = next_offset
        self._done[tp] = max(next_offset, self._done.get(tp, 0))
        self._marked += 1
        if self._marked >= self._max_pending:
            await self.flush()

    async def flush(self) -> None:
        """Commit every held offset now. Offsets of partitions no longer assigned are dropped (their new
        owner reads from the last commit); other failures keep them for the next attempt."""
        async with self._lock:
            consumer, pending = self._consumer, self._pending
            if consumer is None or not pending:
                return
            self._pending, self._marked = {}, 0
            assigned = consumer.assignment()
            offsets = {tp: offset for tp, offset in pending.items() if tp in assigned}
            if not offsets:
                return
            try:
                await consumer.commit(offsets)
                self.commits += 1
            except IllegalStateError:
                _log.info("partitions revoked before their offsets were committed; the new owner re-reads")
            except KafkaError as exc:
                _log.warning("offset commit failed; kept for the next try", error_class=type(exc).__name__)
                for tp, offset in offsets.items():
                    if offset > self._pending.get(tp, -1):
                        self._pending[tp] = offset

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="hub-offset-committer")

    async def stop(self) -> None:
        """Stop the loop after a last commit of what is held."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self.flush()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
                self._report_lag()
            except Exception:  # noqa: BLE001 -- a failed commit must not end the loop; the next one retries
                _log.exception("offset commit pass failed")

    def _report_lag(self) -> None:
        """Records behind each partition's high-water mark (as of the last fetch); a partition with nothing
        processed yet since it was assigned counts from its first record handled."""
        consumer = self._consumer
        if consumer is None:
            return
        lag: dict[tuple[str, int], int] = {}
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lag[tp.topic, tp.partition] = max(0, highwater - self._done.get(tp, highwater))
        self._on_lag(lag)
