"""Where the online-submission feed was read up to, kept durably in a compacted Kafka topic.

Why Kafka and not a local file: the connector already depends on Kafka being durable (``acks=all`` on every
write), while a file lives and dies with one host's disk — a connector rescheduled elsewhere (a container
without a volume, a replacement VM) would start the feed from zero. The cursor topic is compacted, with one
partition, so it holds one live record per feed key (:attr:`cursor_key`) and reading it at start is cheap.

The order of writes gives the guarantee: a page's events are published and acknowledged first, then its
cursor is written and acknowledged. A crash between the two republishes that page at the next start —
duplicates, never a gap — and the events' ids are deterministic (``portal-submission-<cursor>``), so
consumers that dedupe by ``ce_id`` see each submission once. One poller per feed key is assumed.

Record: key = the feed key (UTF-8); value = ``{"cursor": <int>, "updated_at": <RFC 3339>}``.
"""

from __future__ import annotations

import datetime as dt
import json

from aiokafka import AIOKafkaConsumer, TopicPartition

from connectors.portal.producer import RecordProducer

__all__ = ["CursorStore"]

_READ_TIMEOUT_MS = 500


def _cursor_of(value: bytes | None) -> int | None:
    if value is None:
        return 0  # a tombstone: the feed starts over
    try:
        cursor = json.loads(value).get("cursor")
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    return cursor if isinstance(cursor, int) and cursor >= 0 else None


class CursorStore:
    """Reads the last stored cursor of a feed, and stores a new one."""

    def __init__(self, bootstrap_servers: str, topic: str, cursor_key: str, producer: RecordProducer) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topic = topic
        self._key = cursor_key.encode()
        self._producer = producer

    async def load(self) -> int:
        """The last cursor stored for the feed key; 0 when there is none."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(self._topic, 0)]
            consumer.assign(partitions)
            end = (await consumer.end_offsets(partitions))[partitions[0]]
            await consumer.seek_to_beginning(partitions[0])
            cursor = 0
            while await consumer.position(partitions[0]) < end:
                batches = await consumer.getmany(*partitions, timeout_ms=_READ_TIMEOUT_MS)
                for record in (record for records in batches.values() for record in records):
                    found = _cursor_of(record.value) if record.key == self._key else None
                    if found is not None:
                        cursor = found
            return cursor
        finally:
            await consumer.stop()

    async def save(self, cursor: int) -> None:
        """Store ``cursor``; returns once Kafka acknowledged it."""
        value = json.dumps({"cursor": cursor, "updated_at": dt.datetime.now(dt.UTC).isoformat()}).encode()
        await self._producer.send(self._topic, key=self._key, value=value, partition=0)
