"""Dead letters of the portal connector: the record kept byte for byte, the failure told in headers.

A command record is dead-lettered with its original key, value and headers unchanged (in order), and these
headers added after them::

    dlq_reason              what was wrong (personal-data shapes removed)
    dlq_reason_code         short and stable: the error's ``reason_code`` (portal_unavailable …), else its
                            class in snake case (invalid_payload)
    dlq_error_class         the exception class, e.g. InvalidPayloadError
    dlq_original_topic      where the record came from …
    dlq_original_partition  … (decimal)
    dlq_original_offset     … (decimal)
    dlq_original_timestamp  … its Kafka timestamp, RFC 3339 UTC
    dlq_consumer_group      the group that gave up on it
    dlq_attempts            how many times it was tried (decimal)
    dlq_first_failure_at    RFC 3339, UTC
    dlq_last_failure_at     RFC 3339, UTC

A record that did not come from Kafka (an online submission the contracts reject) carries its source instead
of the original topic, partition and offset: ``dlq_source`` (``HoSoTrucTuyen``) and ``dlq_portal_cursor``.
The values of records stay as they were — they may hold personal data and are for the operators' tools; the
headers never do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Protocol

from connectors.portal.producer import RecordProducer
from connectors.portal.redaction import safe_message
from connectors.publishing import Published

__all__ = [
    "DLQ_HEADERS",
    "DeadLetterWriter",
    "SourceRecord",
    "consumed_context",
    "dead_letter_headers",
    "error_reason_code",
]

DLQ_HEADERS = (
    "dlq_reason",
    "dlq_reason_code",
    "dlq_error_class",
    "dlq_original_topic",
    "dlq_original_partition",
    "dlq_original_offset",
    "dlq_original_timestamp",
    "dlq_consumer_group",
    "dlq_attempts",
    "dlq_first_failure_at",
    "dlq_last_failure_at",
)

Headers = Sequence[tuple[str, bytes | None]]
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class SourceRecord(Protocol):
    """What a consumed record offers (aiokafka's ``ConsumerRecord`` has it all)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def timestamp(self) -> int: ...


def _stamp(moment: dt.datetime) -> bytes:
    return moment.astimezone(dt.UTC).isoformat().encode()


def error_reason_code(error: BaseException) -> str:
    """The error's own ``reason_code`` when it has one, else its class in snake case."""
    code = getattr(error, "reason_code", None)
    if isinstance(code, str) and code:
        return code
    return _CAMEL.sub("_", type(error).__name__.removesuffix("Error")).lower()


def consumed_context(
    topic: str, partition: int, offset: int, timestamp_ms: int | None, group_id: str
) -> list[tuple[str, str]]:
    """The ``dlq_original_*`` and ``dlq_consumer_group`` headers of a record consumed from Kafka."""
    context = [
        ("dlq_original_topic", topic),
        ("dlq_original_partition", str(partition)),
        ("dlq_original_offset", str(offset)),
    ]
    if timestamp_ms is not None and timestamp_ms >= 0:
        moment = dt.datetime.fromtimestamp(timestamp_ms / 1000, dt.UTC)
        context.append(("dlq_original_timestamp", moment.isoformat()))
    context.append(("dlq_consumer_group", group_id))
    return context


def dead_letter_headers(
    original: Headers,
    error: BaseException,
    *,
    context: Sequence[tuple[str, str]],
    attempts: int = 1,
    first_failure_at: dt.datetime,
    last_failure_at: dt.datetime | None = None,
) -> list[tuple[str, bytes | None]]:
    """The original headers unchanged, then the ``dlq_*`` headers (``context`` goes after the error class)."""
    return [
        *original,
        ("dlq_reason", safe_message(str(error)).encode()),
        ("dlq_reason_code", error_reason_code(error).encode()),
        ("dlq_error_class", type(error).__name__.encode()),
        *((name, value.encode()) for name, value in context),
        ("dlq_attempts", str(attempts).encode()),
        ("dlq_first_failure_at", _stamp(first_failure_at)),
        ("dlq_last_failure_at", _stamp(last_failure_at or first_failure_at)),
    ]


class DeadLetterWriter:
    """Writes dead letters and returns once Kafka acknowledged them."""

    def __init__(self, producer: RecordProducer, *, group_id: str) -> None:
        self._producer = producer
        self._group_id = group_id

    async def consumed(
        self, record: SourceRecord, error: BaseException, *, topic: str, attempts: int = 1
    ) -> Published:
        """Dead-letter a consumed record to ``topic``, byte for byte with the error context."""
        now = dt.datetime.now(dt.UTC)
        context = consumed_context(
            record.topic, record.partition, record.offset, record.timestamp, self._group_id
        )
        headers = dead_letter_headers(
            record.headers, error, context=context, attempts=attempts, first_failure_at=now
        )
        return await self._producer.send(topic, key=record.key, value=record.value, headers=headers)

    async def portal_item(
        self, topic: str, *, key: bytes, value: bytes, error: BaseException, source: str, cursor: int
    ) -> Published:
        """Dead-letter an item read from the portal (not from Kafka) to ``topic``."""
        context = (("dlq_source", source), ("dlq_portal_cursor", str(cursor)))
        headers = dead_letter_headers((), error, context=context, first_failure_at=dt.datetime.now(dt.UTC))
        return await self._producer.send(topic, key=key, value=value, headers=headers)
