"""Dead letters of the portal connector: the record kept byte for byte, the failure told in headers.

A command record is dead-lettered with its original key, value and headers unchanged (in order), and these
headers added after them::

    dlq_reason              what was wrong (personal-data shapes removed)
    dlq_error_class         the exception class, e.g. InvalidPayloadError
    dlq_original_topic      where the record came from …
    dlq_original_partition  … (decimal)
    dlq_original_offset     … (decimal)
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
from collections.abc import Sequence
from typing import Protocol

from connectors.portal.producer import RecordProducer
from connectors.portal.redaction import safe_message
from connectors.publishing import Published

__all__ = ["DLQ_HEADERS", "DeadLetterWriter", "SourceRecord", "dead_letter_headers"]

DLQ_HEADERS = (
    "dlq_reason",
    "dlq_error_class",
    "dlq_original_topic",
    "dlq_original_partition",
    "dlq_original_offset",
    "dlq_consumer_group",
    "dlq_attempts",
    "dlq_first_failure_at",
    "dlq_last_failure_at",
)

Headers = Sequence[tuple[str, bytes | None]]


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


def _stamp(moment: dt.datetime) -> bytes:
    return moment.astimezone(dt.UTC).isoformat().encode()


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
        context = (
            ("dlq_original_topic", record.topic),
            ("dlq_original_partition", str(record.partition)),
            ("dlq_original_offset", str(record.offset)),
            ("dlq_consumer_group", self._group_id),
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
