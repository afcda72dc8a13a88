"""Dead letters: the record set aside byte for byte, and its source offset committed in the same Kafka
transaction.

A record that does not satisfy the contracts is written to ``<source topic>.dlq`` with its original key, value
and headers, followed by ``dlq_*`` context headers (the names the connectors use too)::

    dlq_reason              what was wrong (no personal data: contract errors name fields, not values)
    dlq_reason_code         short and stable: the error class in snake case, e.g. invalid_payload
    dlq_error_class         the exception class, e.g. InvalidPayloadError
    dlq_original_topic      where the record came from …
    dlq_original_partition  … (decimal)
    dlq_original_offset     … (decimal)
    dlq_original_timestamp  the record's Kafka timestamp, RFC 3339 UTC
    dlq_consumer_group      the group that set it aside
    dlq_attempts            how many times it was tried (decimal)
    dlq_first_failure_at    RFC 3339 UTC
    dlq_last_failure_at     RFC 3339 UTC

The dead letter and the consumer group's offset past the record are committed together — a transactional
producer (``send_offsets_to_transaction``) — so a crash leaves either both (the record is not read again) or
neither (it is read again and set aside again; the aborted attempt is invisible to ``read_committed``
readers). If the transaction cannot be committed the error propagates: the processor rewinds to the record
after a pause, so the partition waits rather than losing it. Offsets of earlier records still held by the
committer are committed first, so the group's offset never moves backwards.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition

__all__ = ["DeadLetterWriter", "dead_letter_headers", "reason_code"]

_log = structlog.get_logger("hub.app.dead_letters")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def reason_code(error: Exception) -> str:
    """``InvalidPayloadError`` → ``invalid_payload``."""
    name = type(error).__name__.removesuffix("Error")
    return _CAMEL.sub("_", name).lower()


def _rfc3339(moment: dt.datetime) -> bytes:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z").encode()


def dead_letter_headers(
    record: ConsumerRecord[Any, Any],
    error: Exception,
    reason: str,
    group_id: str,
    *,
    attempts: int = 1,
    first_failure_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[str, bytes]]:
    """The original headers, unchanged, followed by the dead-letter context."""
    last = now or dt.datetime.now(dt.UTC)
    original = [(name, value if value is not None else b"") for name, value in record.headers]
    context = [
        ("dlq_reason", reason.encode()),
        ("dlq_reason_code", reason_code(error).encode()),
        ("dlq_error_class", type(error).__name__.encode()),
        ("dlq_original_topic", record.topic.encode()),
        ("dlq_original_partition", str(record.partition).encode()),
        ("dlq_original_offset", str(record.offset).encode()),
    ]
    if record.timestamp is not None and record.timestamp >= 0:
        stamp = dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC)
        context.append(("dlq_original_timestamp", _rfc3339(stamp)))
    context += [
        ("dlq_consumer_group", group_id.encode()),
        ("dlq_attempts", str(attempts).encode()),
        ("dlq_first_failure_at", _rfc3339(first_failure_at or last)),
        ("dlq_last_failure_at", _rfc3339(last)),
    ]
    return [*original, *context]


class DeadLetterWriter:
    """A transactional producer writing one dead letter and the source offset per transaction."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, group_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._group_id = group_id
        # unique per process: two instances (or a restart) never share a transactional id
        self._transactional_id = f"{group_id}-dlq-{socket.gethostname()}-{os.getpid()}"
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            transactional_id=self._transactional_id,
            acks="all",
            enable_idempotence=True,
        )
        await producer.start()
        self._producer = producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def write(
        self, dlq_topic: str, record: ConsumerRecord[Any, Any], headers: list[tuple[str, bytes]]
    ) -> None:
        """Write the dead letter and commit ``record``'s offset + 1 for the group, atomically."""
        producer = self._producer
        if producer is None:
            raise RuntimeError("the dead-letter writer is not started")
        async with producer.transaction():
            await producer.send(dlq_topic, value=record.value, key=record.key, headers=headers)
            offsets = {TopicPartition(record.topic, record.partition): record.offset + 1}
            await producer.send_offsets_to_transaction(offsets, self._group_id)
        _log.debug("dead letter committed with its source offset", dlq_topic=dlq_topic)
