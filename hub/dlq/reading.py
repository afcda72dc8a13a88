"""Reading topics to a bound fixed in advance: a snapshot of end offsets, then bounded batches up to it.

An operation over a dead-letter topic sees exactly what was there when it began: ``snapshot`` takes each
partition's first and end offset (``read_committed``: the last stable offset, so a dead letter whose
transaction is still open is not seen), and ``batches`` reads from the first to the end offset and never past
it, ``batch_size`` records at a time, whatever is appended meanwhile. Completion is judged by the consumer's
position, not by the last record's offset: transaction markers take offsets too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition

from hub.dlq.errors import KafkaOperationError

__all__ = ["BoundedReader", "Snapshot"]

_POLL_MS = 500


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Each partition's ``(first, end)`` offsets when the operation began."""

    bounds: Mapping[TopicPartition, tuple[int, int]]

    @property
    def size(self) -> int:
        """Offsets to cover (records, plus any transaction markers among them)."""
        return sum(max(0, end - first) for first, end in self.bounds.values())

    def holds(self, tp: TopicPartition, offset: int) -> bool:
        first, end = self.bounds.get(tp, (0, 0))
        return first <= offset < end


class BoundedReader:
    """Bounded reads with one consumer outside any group (``group_id=None``, ``read_committed``)."""

    def __init__(self, consumer: Any, *, batch_size: int, stall_seconds: float = 60.0) -> None:
        self._consumer = consumer
        self._batch_size = batch_size
        self._stall_seconds = stall_seconds
        self.covered = 0
        """Offsets covered so far by :meth:`batches` (for a progress display)."""

    async def snapshot(self, partitions: Mapping[str, int]) -> Snapshot:
        """The bounds of every partition of ``partitions`` (topic → number of partitions)."""
        tps = [TopicPartition(topic, p) for topic, count in partitions.items() for p in range(count)]
        if not tps:
            return Snapshot({})
        first = await self._consumer.beginning_offsets(tps)
        end = await self._consumer.end_offsets(tps)
        return Snapshot({tp: (first[tp], end[tp]) for tp in tps})

    async def batches(self, snapshot: Snapshot) -> AsyncIterator[list[Any]]:
        """Every record of ``snapshot``, in offset order per partition, at most ``batch_size`` at a time."""
        self.covered = 0
        active = {tp for tp, (first, end) in snapshot.bounds.items() if first < end}
        if not active:
            return
        reached = {tp: snapshot.bounds[tp][0] for tp in active}
        self._consumer.assign(sorted(active))
        for tp in active:
            self._consumer.seek(tp, snapshot.bounds[tp][0])
        stalled_since = time.monotonic()
        while active:
            fetched = await self._consumer.getmany(
                *sorted(active), timeout_ms=_POLL_MS, max_records=self._batch_size
            )
            batch: list[Any] = []
            for tp, records in fetched.items():
                end = snapshot.bounds[tp][1]
                batch.extend(record for record in records if record.offset < end)
            for tp in sorted(active):
                position = min(await self._consumer.position(tp), snapshot.bounds[tp][1])
                if position > reached[tp]:
                    self.covered += position - reached[tp]
                    reached[tp] = position
                    stalled_since = time.monotonic()
                if position >= snapshot.bounds[tp][1]:
                    active.discard(tp)
                    self._consumer.pause(tp)
            if batch:
                yield batch
            elif active and time.monotonic() - stalled_since > self._stall_seconds:
                raise KafkaOperationError(
                    f"no progress reading {', '.join(sorted({tp.topic for tp in active}))} for "
                    f"{self._stall_seconds:.0f} s; is the broker reachable?"
                )

    async def record_at(self, snapshot: Snapshot, tp: TopicPartition, offset: int) -> Any | None:
        """The record at ``offset`` of ``tp`` if the snapshot holds it, else ``None`` (gone, or a marker)."""
        if not snapshot.holds(tp, offset):
            return None
        end = snapshot.bounds[tp][1]
        self._consumer.assign([tp])
        self._consumer.seek(tp, offset)
        deadline = time.monotonic() + self._stall_seconds
        while time.monotonic() < deadline:
            fetched = await self._consumer.getmany(tp, timeout_ms=_POLL_MS, max_records=1)
            for record in fetched.get(tp, []):
                return record if record.offset == offset else None
            if await self._consumer.position(tp) >= end:
                return None
            await asyncio.sleep(0)
        raise KafkaOperationError(f"no answer reading {tp.topic}:{tp.partition}:{offset}")
