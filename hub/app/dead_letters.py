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

A parked submission that the lot gives up on (:class:`ParkedLetters`) was committed long ago — parking it was
its effect — so its dead letter is written alone, in a transaction of its own, from the record the lot kept
byte for byte; the reason codes are the lot's (``unknown_agency_code``, ``successor_cycle``,
``held_behind_dead_letter``) and ``dlq_first_failure_at`` is when it was parked. The caller drops the item
from the lot only after this returns, with the dead letter's coordinates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import socket
from collections.abc import Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts import encode
from hub.rules import DeadLetterCause, ParkedItem, RawRecord

__all__ = ["DeadLetterWriter", "ParkedLetters", "context_headers", "dead_letter_headers", "reason_code"]

_log = structlog.get_logger("hub.app.dead_letters")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def reason_code(error: Exception) -> str:
    """``InvalidPayloadError`` → ``invalid_payload``."""
    name = type(error).__name__.removesuffix("Error")
    return _CAMEL.sub("_", name).lower()


def _rfc3339(moment: dt.datetime) -> bytes:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z").encode()


def context_headers(
    original: Sequence[tuple[str, bytes | None]],
    source: RawRecord,
    *,
    reason: str,
    code: str,
    error_class: str,
    group_id: str,
    attempts: int = 1,
    first_failure_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[str, bytes]]:
    """``original`` unchanged, followed by the dead-letter context of a record read at ``source``."""
    last = now or dt.datetime.now(dt.UTC)
    context = [
        ("dlq_reason", reason.encode()),
        ("dlq_reason_code", code.encode()),
        ("dlq_error_class", error_class.encode()),
        ("dlq_original_topic", source.topic.encode()),
        ("dlq_original_partition", str(source.partition).encode()),
        ("dlq_original_offset", str(source.offset).encode()),
    ]
    if source.timestamp_ms is not None and source.timestamp_ms >= 0:
        stamp = dt.datetime.fromtimestamp(source.timestamp_ms / 1000, dt.UTC)
        context.append(("dlq_original_timestamp", _rfc3339(stamp)))
    context += [
        ("dlq_consumer_group", group_id.encode()),
        ("dlq_attempts", str(attempts).encode()),
        ("dlq_first_failure_at", _rfc3339(first_failure_at or last)),
        ("dlq_last_failure_at", _rfc3339(last)),
    ]
    return [*((name, value if value is not None else b"") for name, value in original), *context]


def raw_record(record: ConsumerRecord[Any, Any]) -> RawRecord:
    """What the rules keep of a consumed record: where it was read, and its bytes."""
    return RawRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=record.key,
        value=record.value,
        headers=tuple((name, value if value is not None else b"") for name, value in record.headers),
    )


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
    source = RawRecord(
        topic=record.topic, partition=record.partition, offset=record.offset, timestamp_ms=record.timestamp
    )
    return context_headers(
        record.headers,
        source,
        reason=reason,
        code=reason_code(error),
        error_class=type(error).__name__,
        group_id=group_id,
        attempts=attempts,
        first_failure_at=first_failure_at,
        now=now,
    )


_TRANSACTION_TIMEOUT_MS = 10_000
"""How long the broker keeps a dead process's transaction open before aborting it; until then
``read_committed`` readers of the dead-letter partition it wrote wait. A dead letter's transaction takes
milliseconds."""


class DeadLetterWriter:
    """A transactional producer writing one dead letter and the source offset per transaction."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, group_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._group_id = group_id
        # unique per process: two instances (or a restart) never share a transactional id
        self._transactional_id = f"{group_id}-dlq-{socket.gethostname()}-{os.getpid()}"
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()  # one transaction at a time on the producer (subscriber, periodic check)

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            transactional_id=self._transactional_id,
            acks="all",
            enable_idempotence=True,
            transaction_timeout_ms=_TRANSACTION_TIMEOUT_MS,
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
        producer = self._started()
        async with self._lock, producer.transaction():
            await producer.send(dlq_topic, value=record.value, key=record.key, headers=headers)
            offsets = {TopicPartition(record.topic, record.partition): record.offset + 1}
            await producer.send_offsets_to_transaction(offsets, self._group_id)
        _log.debug("dead letter committed with its source offset", dlq_topic=dlq_topic)

    async def write_alone(
        self, dlq_topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> str:
        """One dead letter in a transaction of its own; its ``TOPIC:PARTITION:OFFSET`` once committed."""
        producer = self._started()
        async with self._lock, producer.transaction():
            sent = await producer.send(dlq_topic, value=value, key=key, headers=headers)
            metadata = await sent
        return f"{metadata.topic}:{metadata.partition}:{metadata.offset}"

    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the dead-letter writer is not started")
        return self._producer


class ParkedLetters:
    """Dead letters of the parked submissions the lot gives up on, in the submissions' dead-letter topic."""

    def __init__(self, writer: DeadLetterWriter, *, dlq_topic: str, source_topic: str, group_id: str) -> None:
        self._writer = writer
        self._dlq_topic = dlq_topic
        self._source_topic = source_topic
        self._group_id = group_id

    async def write(self, item: ParkedItem, cause: DeadLetterCause, now: dt.datetime) -> str:
        """The item's original record, with its context, durably in the dead-letter topic; the letter's id."""
        raw = item.raw
        if raw is None:  # parked before records were kept: the envelope encoded again is the best there is
            record = encode(item.envelope)
            raw = RawRecord(
                topic=self._source_topic,
                partition=-1,
                offset=-1,
                key=record.key,
                value=record.value,
                headers=record.headers,
            )
        headers = context_headers(
            raw.headers,
            raw,
            reason=cause.reason,
            code=cause.code,
            error_class=cause.error_class,
            group_id=self._group_id,
            first_failure_at=item.parked_at,
            now=now,
        )
        letter = await self._writer.write_alone(self._dlq_topic, raw.key, raw.value, headers)
        _log.info("parked submission dead-lettered", letter=letter, reason_code=cause.code)
        return letter
